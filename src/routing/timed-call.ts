// One upstream call under first-byte / idle / total deadlines, stepped by hand (withTimeouts without a generator).

import { LightAbortController, ParleyError } from '../domain/index.js';
import type { CallOptions, ChatEvent, ChatRequest, TimeoutSettings } from '../domain/index.js';
import type { RoutableModel } from '../providers/types.js';
import { abortError, ignore } from './context.js';
import { arm, timeoutError } from './timeouts.js';

type Timer = ReturnType<typeof setTimeout> | undefined;

/** What one step yields: an event, or a group of events from one network read (ChatModel.streamGroups). */
export type StepValue<E = ChatEvent> = E | readonly E[];

/**
 * The state machine of `withTimeouts` for one call, for the fused route (see fused-route.ts): the
 * caller does `try { r = await call.step() } finally { call.afterStep() }` per event, sets `finished`
 * when the inner stream is done, and calls `close()` on every exit path. Same deadlines, same errors,
 * same release of timers and listeners as withTimeouts; the inner call gets a child signal that also
 * follows the parent's.
 */
export class TimedCall<R extends { model: string } = ChatRequest, E extends { type: string } = ChatEvent> {
  /** Set by the caller once the inner stream reported `done`. */
  finished = false;
  private readonly child = new LightAbortController();
  private readonly iterator: AsyncIterator<StepValue<E>>;
  private readonly totalTimer: Timer;
  private firstTimer: Timer;
  private idleTimer: Timer;
  private first = true;
  private waiting = false;
  private closed = false;
  private rejectStep: ((error: unknown) => void) | undefined;
  private readonly onParentAbort = (): void => this.abort(this.parent.reason);
  private readonly onIdle = (): void => {
    if (this.waiting) this.abort(timeoutError('idle', this.t.idleMs));
  };
  private readonly onFirst = (): void => this.abort(timeoutError('first', this.t.firstByteMs));
  private readonly executor = (resolve: (r: IteratorResult<StepValue<E>>) => void, reject: (e: unknown) => void): void => {
    this.rejectStep = reject;
    this.iterator.next().then(resolve, reject);
  };

  /** Call only when `parent` is not aborted (withTimeouts throws `abortError(parent)` first). */
  constructor(
    inner: RoutableModel<R, E>,
    request: R,
    options: CallOptions,
    private readonly parent: AbortSignal,
    private readonly t: TimeoutSettings,
  ) {
    parent.addEventListener('abort', this.onParentAbort, { once: true });
    this.totalTimer = arm(t.totalMs, () => this.abort(timeoutError('total', t.totalMs)));
    options.signal = this.child.signal;
    // Grouped when the model offers it: one step (and one idle-timer refresh) per network read.
    const source: AsyncIterable<StepValue<E>> = inner.streamGroups ? inner.streamGroups(request, options) : inner.stream(request, options);
    this.iterator = source[Symbol.asyncIterator]();
  }

  /** Waits for the inner stream's next event or group (rejects at once when the child signal aborts). */
  step(): Promise<IteratorResult<StepValue<E>>> {
    if (this.first) this.firstTimer = arm(this.t.firstByteMs, this.onFirst);
    else if (this.idleTimer) this.idleTimer.refresh();
    else this.idleTimer = arm(this.t.idleMs, this.onIdle);
    if (this.child.aborted) return Promise.reject(abortError(this.child.signal));
    this.waiting = true;
    return new Promise(this.executor);
  }

  /** After every step, resolved or not. */
  afterStep(): void {
    this.waiting = false;
    this.rejectStep = undefined;
    if (this.first) {
      clearTimeout(this.firstTimer);
      this.first = false;
    }
  }

  /** Releases timers and listeners; an unfinished call is aborted and its iterator returned. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.totalTimer);
    clearTimeout(this.firstTimer);
    clearTimeout(this.idleTimer);
    this.parent.removeEventListener('abort', this.onParentAbort);
    if (!this.finished) {
      // Error, timeout or the consumer stopped early: make sure the upstream call stops too.
      if (!this.child.aborted) {
        this.abort(new ParleyError('client_closed', 'The consumer stopped reading the stream'));
      }
      this.iterator.return?.()?.catch(ignore);
    }
  }

  /**
   * Aborts the inner call with `reason` and ends a pending step at once, even if the inner stream is
   * stuck. Only this class holds the child controller, so every abort goes through here (no listener needed).
   */
  private abort(reason: unknown): void {
    if (this.child.aborted) return;
    this.child.abort(reason);
    this.rejectStep?.(abortError(this.child.signal));
  }
}
