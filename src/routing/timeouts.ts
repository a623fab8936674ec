// Timeout policy: first-byte, idle and total deadlines on one upstream call, enforced by aborting it.

import { ParleyError } from '../domain/index.js';
import type { CallOptions, ChatEvent, ChatRequest, TimeoutSettings } from '../domain/index.js';
import type { ChatModel, ModelWrapper } from '../providers/types.js';
import { abortError, ignore } from './context.js';

/** setTimeout's ceiling; longer values would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Enforces `firstByteMs` (call start until the inner stream's first event), `idleMs` (longest wait for
 * the next event, counted only while waiting on upstream, not while the consumer is busy) and `totalMs`
 * (call start until the stream ends). On expiry the inner call's signal is aborted with an
 * `upstream_timeout` ParleyError naming the timeout, and that error is thrown even if the inner stream
 * ignores its signal. A value <= 0 or non-finite disables that timeout. `connectMs` is the adapter's.
 * The inner call gets a child signal that also follows `options.signal`; all timers and listeners are
 * released on every exit path (end, error, abort, consumer stopping early).
 */
export function withTimeouts(t: TimeoutSettings): ModelWrapper {
  return (inner) => ({
    provider: inner.provider,
    stream: (request, options) => timedStream(inner, request, options, t),
  });
}

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
export function arm(ms: number, fire: () => void): ReturnType<typeof setTimeout> | undefined {
  if (!(ms > 0) || !Number.isFinite(ms)) return undefined;
  return setTimeout(fire, Math.min(ms, MAX_TIMER_MS));
}

async function* timedStream(
  inner: ChatModel,
  request: ChatRequest,
  options: CallOptions,
  t: TimeoutSettings,
): AsyncGenerator<ChatEvent, void, undefined> {
  const parent = options.signal;
  if (parent.aborted) throw abortError(parent);
  const child = new AbortController();
  const onParentAbort = (): void => child.abort(parent.reason);
  parent.addEventListener('abort', onParentAbort, { once: true });
  // The pending step's reject: an abort (timeout or client) ends the wait even if the inner stream is stuck.
  // One slot, not a long-lived promise raced every step, so nothing accumulates per token.
  let rejectStep: ((error: unknown) => void) | undefined;
  child.signal.addEventListener('abort', () => rejectStep?.(abortError(child.signal)), { once: true });

  const totalTimer = arm(t.totalMs, () => child.abort(timeoutError('total', t.totalMs)));
  let firstTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  // Idle time counts only while waiting on upstream, not while the consumer is busy.
  let waiting = false;
  const onIdle = (): void => {
    if (waiting) child.abort(timeoutError('idle', t.idleMs));
  };
  let finished = false;
  let first = true;
  const iterator = inner.stream(request, { ...options, signal: child.signal })[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (first) firstTimer = arm(t.firstByteMs, () => child.abort(timeoutError('first', t.firstByteMs)));
      else if (idleTimer) idleTimer.refresh();
      else idleTimer = arm(t.idleMs, onIdle);
      if (child.signal.aborted) throw abortError(child.signal);
      waiting = true;
      let result: IteratorResult<ChatEvent>;
      try {
        result = await new Promise<IteratorResult<ChatEvent>>((resolve, reject) => {
          rejectStep = reject;
          iterator.next().then(resolve, reject);
        });
      } finally {
        waiting = false;
        rejectStep = undefined;
        if (first) clearTimeout(firstTimer);
      }
      if (result.done === true) {
        finished = true;
        return;
      }
      first = false;
      yield result.value;
    }
  } finally {
    clearTimeout(totalTimer);
    clearTimeout(firstTimer);
    clearTimeout(idleTimer);
    parent.removeEventListener('abort', onParentAbort);
    if (!finished) {
      // Error, timeout or the consumer stopped early: make sure the upstream call stops too.
      if (!child.signal.aborted) {
        child.abort(new ParleyError('client_closed', 'The consumer stopped reading the stream'));
      }
      iterator.return?.()?.catch(ignore);
    }
  }
}
