// Retry policy: whether a failed attempt of one target is tried again, and after how long (full-jitter backoff).

import { isParleyError } from '../domain/index.js';
import type { RetrySettings } from '../domain/index.js';
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

/**
 * The full-jitter backoff of the retry with 0-based index `retryIndex`: `random() * min(maxDelayMs, baseDelayMs *
 * 2^retryIndex)`.
 */
export function backoffDelay(r: RetrySettings, retryIndex: number, random: () => number): number {
  const cap = Math.min(r.maxDelayMs, r.baseDelayMs * 2 ** retryIndex);
  return Math.floor(random() * Math.max(0, cap));
}

/**
 * The wait before retry `retryIndex` (0 for the first retry) after `error`, or undefined when the
 * attempt is not retried: after `r.retries` retries, for anything but a retryable ParleyError, for the
 * NEVER_RETRIED codes, and when the provider's `retryAfterMs` is above `r.maxRetryAfterMs` (not waited
 * for: the fallback chain moves on). Otherwise the backoff, or the provider's `retryAfterMs` when that
 * is longer. `random` is called only when the attempt is retried. The caller also never retries once
 * content reached the consumer or the call was aborted (the engine checks that first).
 */
export function retryDelay(
  error: unknown,
  r: RetrySettings,
  retryIndex: number,
  random: () => number,
): number | undefined {
  if (retryIndex >= r.retries) return undefined;
  if (!isParleyError(error) || !error.retryable || NEVER_RETRIED.has(error.code)) return undefined;
  if (error.retryAfterMs !== undefined && error.retryAfterMs > r.maxRetryAfterMs) return undefined;
  const delay = backoffDelay(r, retryIndex, random);
  return error.retryAfterMs === undefined ? delay : Math.max(delay, error.retryAfterMs);
}
