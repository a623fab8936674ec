// Retry policy: retries retryable failures of one target with full-jitter backoff, before any content.

import { isParleyError } from '../domain/index.js';
import type { AttemptInfo, CallOptions, ChatEvent, ChatRequest, RetrySettings } from '../domain/index.js';
import type { ChatModel, ModelWrapper } from '../providers/types.js';
import { abortError, gateStart } from './context.js';
import type { CommitState, RoutingCallOptions } from './context.js';
import { abortableSleep } from '../domain/abort.js';

/** Injectable time and randomness, for deterministic tests. */
export interface RetryDeps {
  /** Waits `ms`; must reject (with the abort error) as soon as `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1). */
  random?: () => number;
}

/** Codes that mean "this target is down right now": let the fallback chain move on instead. */
export const NEVER_RETRIED: ReadonlySet<string> = new Set<string>(['client_closed', 'circuit_open', 'no_healthy_key']);

export { abortableSleep };

/** The full-jitter backoff of the retry with 0-based index `retryIndex`. */
export function backoffDelay(r: RetrySettings, retryIndex: number, random: () => number): number {
  const cap = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * Math.max(0, cap));
}

/**
 * Retries the inner model up to `r.retries` times on retryable ParleyErrors, waiting
 * `random() * min(maxDelayMs, baseDelayMs * 2^retryIndex)` (full jitter), or the provider's
 * `retryAfterMs` when that is longer. A `retryAfterMs` above `maxRetryAfterMs` is not waited for: the
 * error is rethrown so the fallback chain moves on. Never retried: non-retryable errors,
 * `client_closed`, an aborted signal, `circuit_open`, `no_healthy_key`, and anything after a
 * `text-delta` or `finish` reached the consumer (a `start` is held back until then). Sleeps abort
 * with the signal. Each attempt gets `attempt` (1-based) on its options (see RoutingCallOptions);
 * `observer.retry` is called before each wait.
 */
export function withRetry(r: RetrySettings, deps: RetryDeps = {}): ModelWrapper {
  const sleep = deps.sleep ?? abortableSleep;
  const random = deps.random ?? Math.random;
  return (inner) => ({
    provider: inner.provider,
    stream: (request, options) => retryStream(inner, request, options, r, sleep, random),
  });
}

async function* retryStream(
  inner: ChatModel,
  request: ChatRequest,
  options: CallOptions,
  r: RetrySettings,
  sleep: (ms: number, signal: AbortSignal) => Promise<void>,
  random: () => number,
): AsyncGenerator<ChatEvent, void, undefined> {
  const state: CommitState = { committed: false };
  for (let attempt = 1; ; attempt++) {
    const attemptOptions: RoutingCallOptions = { ...options, attempt };
    try {
      yield* gateStart(inner.stream(request, attemptOptions), state);
      return;
    } catch (error) {
      const retryIndex = attempt - 1;
      if (state.committed || retryIndex >= r.retries || options.signal.aborted) throw error;
      if (!isParleyError(error) || !error.retryable || NEVER_RETRIED.has(error.code)) throw error;
      let delay = backoffDelay(r, retryIndex, random);
      if (error.retryAfterMs !== undefined) {
        if (error.retryAfterMs > r.maxRetryAfterMs) throw error;
        delay = Math.max(delay, error.retryAfterMs);
      }
      const info: AttemptInfo = {
        provider: inner.provider,
        model: request.model,
        attempt,
        fallbackIndex: options.fallbackIndex ?? 0,
      };
      options.observer?.retry?.(info, delay, error.code);
      await sleep(delay, options.signal);
    }
  }
}
