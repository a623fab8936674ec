// One upstream HTTP exchange on undici's dispatch API: the response body as a small pull queue, no Readable stream.

import type { Dispatcher } from 'undici';
import { ParleyError } from '../domain/index.js';

/** Response headers as undici reports them (lower-case names). */
export type UpstreamHeaders = Record<string, string | string[] | undefined>;

/** Bytes queued from the socket and not yet read before the socket is paused (backpressure). */
const HIGH_WATER_BYTES = 64 * 1024;

type Waiter = { resolve(result: IteratorResult<Uint8Array>): void; reject(error: unknown): void };

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * The body of an upstream response. Read it once, either whole (`text`) or chunk by chunk
 * (`chunks`), then `release` it: a completed answer has the rest drained so its keep-alive
 * connection is reused; an unfinished one is aborted, which closes the connection.
 */
export interface UpstreamBody {
  /**
   * The whole body as text. Past `maxBytes` (default: no limit) it stops reading, releases the body
   * (closing the connection) and rejects with `tooLarge(maxBytes)`, so an endless body cannot grow memory.
   */
  text(maxBytes?: number, tooLarge?: (maxBytes: number) => Error): Promise<string>;
  /** The chunks as they arrive, one reader at a time; only `release` ends the body early. */
  chunks(): AsyncIterator<Uint8Array>;
  release(completed: boolean): void;
}

/** A 2xx-or-not upstream response whose body has not been read yet. */
export interface UpstreamResponse {
  statusCode: number;
  headers: UpstreamHeaders;
  body: UpstreamBody;
}

/**
 * A dispatch handler that is also the response body. Compared with `dispatcher.request()`, it skips
 * the Readable stream, its async iterator and the request's own promise and signal plumbing: about
 * 35 µs of CPU per call in this machine's benchmark (A/B), and fewer event-loop hops per streamed chunk.
 * Backpressure: past 64 KiB unread, the socket is paused until the reader catches up.
 */
export class UpstreamExchange implements Dispatcher.DispatchHandler, UpstreamBody {
  private controller: Dispatcher.DispatchController | undefined;
  private settleResponse: { resolve(res: UpstreamResponse): void; reject(error: unknown): void } | undefined;
  private readonly queue: Uint8Array[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private waiter: Waiter | undefined;
  private ended = false;
  /** Set once the exchange failed (network, abort); later reads reject with it. */
  private failure: { error: unknown } | undefined;
  /** Released after completion: further data is dropped so the connection can be reused. */
  private discarding = false;
  private readonly onAbort = (): void => this.abort(this.signal.reason);
  /** The final response's headers arrived (a failure after that broke the reply off rather than preventing it). */
  private responded = false;
  /** Parley itself is ending the exchange (abort, release, size limit): its failure is not the provider's. */
  private aborting = false;

  private constructor(private readonly signal: AbortSignal) {}

  /** Sends the request; resolves at the response headers (any status), rejects on network failure or abort. */
  static send(
    dispatcher: Dispatcher,
    options: Dispatcher.DispatchOptions,
    signal: AbortSignal,
  ): Promise<UpstreamResponse> {
    const exchange = new UpstreamExchange(signal);
    return new Promise((resolve, reject) => {
      exchange.settleResponse = { resolve, reject };
      signal.addEventListener('abort', exchange.onAbort);
      dispatcher.dispatch(options, exchange);
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) controller.abort(this.signal.reason as Error);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: UpstreamHeaders): void {
    if (statusCode < 200) return; // informational (1xx): the final response follows
    this.responded = true;
    const settle = this.settleResponse;
    this.settleResponse = undefined;
    settle?.resolve({ statusCode, headers, body: this });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discarding) return;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      waiter.resolve({ done: false, value: chunk });
      return;
    }
    this.queue.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES && !controller.paused) controller.pause();
  }

  onResponseEnd(): void {
    this.ended = true;
    this.signal.removeEventListener('abort', this.onAbort);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve(DONE);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.fail(this.responded && !this.aborting ? brokenOff(error) : error);
  }

  chunks(): AsyncIterator<Uint8Array> {
    return { next: () => this.next() };
  }

  async text(maxBytes = Number.POSITIVE_INFINITY, tooLarge?: (maxBytes: number) => Error): Promise<string> {
    const parts: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const next = await this.next();
      if (next.done === true) break;
      size += next.value.length;
      if (size > maxBytes) {
        const error = tooLarge?.(maxBytes) ?? new Error(`The upstream body is larger than ${maxBytes} bytes`);
        this.abort(error);
        throw error;
      }
      parts.push(next.value);
    }
    if (parts.length === 1)
      return Buffer.from(parts[0].buffer, parts[0].byteOffset, parts[0].byteLength).toString('utf8');
    return Buffer.concat(parts).toString('utf8');
  }

  release(completed: boolean): void {
    if (this.ended || this.failure) return;
    if (completed) {
      // The answer is complete; what is left (e.g. a final newline) is dropped as it arrives.
      this.discarding = true;
      this.queue.length = 0;
      this.queueHead = 0;
      this.queuedBytes = 0;
      if (this.controller?.paused === true) this.controller.resume();
      return;
    }
    this.abort(new Error('The upstream response was abandoned before its end'));
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    if (this.queueHead < this.queue.length) {
      const value = this.queue[this.queueHead];
      this.queue[this.queueHead++] = EMPTY;
      this.queuedBytes -= value.length;
      if (this.queueHead === this.queue.length) {
        this.queue.length = 0;
        this.queueHead = 0;
      }
      if (this.controller?.paused === true && this.queuedBytes <= HIGH_WATER_BYTES / 2) this.controller.resume();
      return Promise.resolve({ done: false, value });
    }
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.ended) return Promise.resolve(DONE);
    if (this.waiter !== undefined) return Promise.reject(new Error('UpstreamBody: one reader at a time'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private abort(reason: unknown): void {
    if (this.ended || this.failure) return;
    this.aborting = true;
    const error = reason instanceof Error ? reason : new Error(String(reason));
    if (this.controller !== undefined)
      this.controller.abort(error); // undici then calls onResponseError
    else this.fail(error); // not dispatched yet
  }

  /** Ends the exchange with `error`: the pending response or read rejects, later reads too. */
  private fail(error: unknown): void {
    this.failure = { error };
    this.signal.removeEventListener('abort', this.onAbort);
    const settle = this.settleResponse;
    this.settleResponse = undefined;
    settle?.reject(error);
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.reject(error);
  }
}

const EMPTY = new Uint8Array(0);

/** A connection failure after the reply began: the provider broke it off (retryable, as a network error). */
function brokenOff(error: Error): ParleyError {
  const code = (error as { code?: unknown }).code;
  return new ParleyError(
    'upstream_network',
    `The provider broke the reply off before its end (${typeof code === 'string' ? code : error.message})`,
    { cause: error },
  );
}
