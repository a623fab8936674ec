// Timeout policy: one upstream call under first-byte / idle / total deadlines, enforced by aborting it; stepped by the
// route engine.

import { LightAbortController, ParleyError } from '../domain/index.js';
import type { CallOptions, ChatEvent, ChatRequest, TimeoutSettings } from '../domain/index.js';
import type { RoutableModel } from '../domain/index.js';
import { abortError, ignore } from './context.js';

type Timer = ReturnType<typeof setTimeout> | undefined;

/** setTimeout's ceiling; longer values would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/** The `upstream_timeout` error naming the deadline that fired. */
export function timeoutError(which: 'first' | 'idle' | 'total', ms: number): ParleyError {
  const message =
    which === 'first'
      ? `Upstream sent no first byte within ${ms} ms`
      : which === 'idle'
        ? `Upstream was silent for more than ${ms} ms (idle timeout)`
        : `Upstream call exceeded the total timeout of ${ms} ms`;
  return new ParleyError('upstream_timeout', message);
}

/** Starts a timer for `ms` (capped), or none when the timeout is disabled (<= 0 or not finite). */
export function arm(ms: number, fire: () => void): Timer {
  if (!(ms > 0) || !Number.isFinite(ms)) return undefined;
  return setTimeout(fire, Math.min(ms, MAX_TIMER_MS));
}

/** What one step yields: an event, or a group of events from one network read (ChatModel.streamGroups). */
export type StepValue<E = ChatEvent> = E | readonly E[];

/**
 * One upstream call under the target's deadlines: `firstByteMs` (call start until the first event or
 * group), `idleMs` (the longest wait for the next one, counted only while waiting on upstream, not while
 * the consumer is busy) and `totalMs` (call start until the stream ends); a value <= 0 or not finite
 * disables that deadline, and `connectMs` is the adapter's. On expiry the call's signal is aborted with an
 * `upstream_timeout` error naming the deadline, and the pending step rejects with it even if the inner
 * stream ignores its signal. The inner call gets a child signal that also follows the parent's (a client
 * abort ends it with the parent's reason). The route engine steps it by hand, so no generator sits between
 * it and the adapter: `try { r = await call.step() } finally { call.afterStep() }` per event or group,
 * `finished = true` once the inner stream is done, and `close()` on every exit path, which releases every
 * timer and listener and, for an unfinished call (error, timeout, consumer stopped early), aborts it and
 * returns its iterator.
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
  private readonly executor = (
    resolve: (r: IteratorResult<StepValue<E>>) => void,
    reject: (e: unknown) => void,
  ): void => {
    this.rejectStep = reject;
    this.iterator.next().then(resolve, reject);
  };

  /** Call only when `parent` is not aborted (the engine throws `abortError(parent)` first). */
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
    const source: AsyncIterable<StepValue<E>> = inner.streamGroups
      ? inner.streamGroups(request, options)
      : inner.stream(request, options);
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
