// Server-Sent Events over a raw Node response: headers that defeat proxy buffering, and backpressure.

import type { ServerResponse } from 'node:http';

/** Headers every event stream carries (nginx honours X-Accel-Buffering: no). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** Counts open event streams (the "open streams" gauge). */
export interface StreamCounter {
  opened(): void;
  closed(): void;
}

/** Writes SSE frames; `write` resolves at once unless the socket's buffer is full. */
export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    private readonly counter?: StreamCounter,
  ) {}

  private corked = false;
  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.res.uncork();
  };

  /** Sets the status line and headers; they leave with the first frame (one write instead of two). */
  open(extraHeaders: Record<string, string>): void {
    this.res.writeHead(200, { ...SSE_HEADERS, ...extraHeaders });
    if (this.counter) {
      const counter = this.counter;
      counter.opened();
      this.res.once('close', () => counter.closed());
    }
  }

  /** Writes one frame (`data` must already be serialised and contain no newline). */
  write(data: string, event?: string): Promise<void> | undefined {
    const frame = event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
    // Frames produced in the same tick go out in one socket write.
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(this.uncork);
    }
    if (this.res.write(frame) || this.res.destroyed) return undefined;
    return new Promise((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  end(): void {
    // Uncork first: Node 24 drops data still corked when end() is called (Node 20 flushed it).
    this.uncork();
    if (!this.res.writableEnded) this.res.end();
  }

  get closed(): boolean {
    return this.res.destroyed || this.res.writableEnded;
  }
}
