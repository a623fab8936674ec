// Request coalescing: identical in-flight requests share one upstream call. The upstream is pumped by the
// shared stream itself, so no single subscriber (the leader included) can break it for the others.

import { ParleyError, type ChatEvent } from '../domain/index.js';

/** One upstream call fanned out to any number of subscribers; aborts only when all have left. */
export class SharedStream {
  private readonly events: ChatEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly controller = new AbortController();
  private subscribers = 0;
  private done = false;
  private failure: unknown;

  /** `source` is started at once with a signal that aborts when the last subscriber leaves. */
  constructor(
    source: (signal: AbortSignal) => AsyncIterable<ChatEvent>,
    onSettled: (ok: boolean, events: ChatEvent[]) => void,
  ) {
    void this.pump(source, onSettled);
  }

  /** Yields every event from the beginning; leaving early (break or abort) unsubscribes. */
  async *subscribe(signal: AbortSignal): AsyncGenerator<ChatEvent> {
    this.subscribers++;
    let index = 0;
    const onAbort = (): void => this.wake();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (signal.aborted)
          throw signal.reason instanceof ParleyError
            ? signal.reason
            : new ParleyError('client_closed', 'The client closed the request');
        if (index < this.events.length) {
          yield this.events[index++];
          continue;
        }
        if (this.done) {
          if (this.failure !== undefined) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => this.waiters.add(resolve));
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (--this.subscribers === 0 && !this.done) {
        this.controller.abort(new ParleyError('client_closed', 'Every client of this request went away'));
      }
    }
  }

  private async pump(
    source: (signal: AbortSignal) => AsyncIterable<ChatEvent>,
    onSettled: (ok: boolean, events: ChatEvent[]) => void,
  ): Promise<void> {
    try {
      for await (const event of source(this.controller.signal)) {
        this.events.push(event);
        this.wake();
      }
    } catch (error) {
      this.failure = error;
    }
    this.done = true;
    this.wake();
    onSettled(this.failure === undefined, this.events);
  }

  private wake(): void {
    for (const resolve of this.waiters) resolve();
    this.waiters.clear();
  }
}
