// Server-Sent Events over a raw Node response: headers that defeat proxy buffering, and backpressure.

import type { ServerResponse } from 'node:http';
import { setRawHeaders, type HeaderList } from './security-headers.js';

/** Headers every event stream carries (nginx honours X-Accel-Buffering: no). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/** Counts open event streams (the "open streams" gauge). */
export interface StreamCounter {
  opened(): void;
  closed(): void;
}

/**
 * Writes SSE frames. Frames produced in the same tick are joined and leave in one `res.write` on the
 * next tick (one chunk of the chunked encoding, one socket write), or with `end()`. `write` returns
 * a promise only while the socket's buffer is full (backpressure): the caller awaits it before more.
 */
export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    private readonly counter?: StreamCounter,
  ) {}

  private pending = '';
  private scheduled = false;
  private tokenSent = false;
  private blocked: Promise<void> | undefined;
  private readonly flush = (): void => {
    this.scheduled = false;
    const data = this.pending;
    if (data === '') return;
    this.pending = '';
    const res = this.res;
    if (res.destroyed || res.writableEnded) return;
    if (!res.write(data) && !res.destroyed) this.blocked ??= this.drained();
  };

  /**
   * Sets the status line and headers; they leave with the first frame (one write instead of two).
   * `baseHeaders` (the security headers) go first, so the event stream's own and `extraHeaders` win.
   */
  open(extraHeaders: Record<string, string>, baseHeaders: HeaderList = []): void {
    const res = this.res;
    // Set one by one: writeHead would do the same after copying into a merged object.
    setRawHeaders(res, baseHeaders);
    for (const name in SSE_HEADERS) res.setHeader(name, SSE_HEADERS[name]);
    for (const name in extraHeaders) res.setHeader(name, extraHeaders[name]);
    res.writeHead(200);
    if (this.counter) {
      const counter = this.counter;
      counter.opened();
      this.res.once('close', () => counter.closed());
    }
  }

  /** Queues one frame (`data` must already be serialised and contain no newline). */
  write(data: string, event?: string): Promise<void> | undefined {
    this.pending += event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flush);
    }
    return this.blocked;
  }

  /**
   * Queues an answer-content frame, like `write`. The first one is sent at once with what is queued
   * before it, past Node's cork of a response's first write: when a provider sends several tokens in
   * one network read, the client sees the first token at once, not after Parley processed the burst.
   */
  writeToken(data: string, event?: string): Promise<void> | undefined {
    void this.write(data, event); // its backpressure promise is returned below, once
    if (!this.tokenSent) {
      this.tokenSent = true;
      this.flush();
      this.res.socket?.uncork();
    }
    return this.blocked; // the immediate write may itself have met backpressure
  }

  /** Sends what is queued and ends the response (the last frames and the end leave together). */
  end(): void {
    const data = this.pending;
    this.pending = '';
    const res = this.res;
    if (res.writableEnded) return;
    if (data !== '' && !res.destroyed) res.end(data);
    else res.end();
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }

  /** Resolves on the next `drain` (or when the connection closes). */
  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        this.blocked = undefined;
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }
}
