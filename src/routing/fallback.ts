// Fallback policy: which failures of a target move the chain on to the next one, and the one error when every target
// failed.

import { ParleyError, isParleyError } from '../domain/index.js';

/** A target's failure as the chain records it: a ParleyError as-is, anything else as `internal`. */
export function targetFailure(thrown: unknown): ParleyError {
  return isParleyError(thrown)
    ? thrown
    : new ParleyError('internal', 'Unexpected failure in the route', { cause: thrown });
}

/**
 * Whether a target's failure (before any content, the call not aborted) moves the chain on to the next
 * target: every failure does except `upstream_bad_request` (the request itself is invalid, another target
 * would refuse it too) and `client_closed`, which end the route at once. After content, or once the
 * call was aborted, the engine rethrows without asking.
 */
export function movesToNextTarget(error: ParleyError): boolean {
  return error.code !== 'upstream_bad_request' && error.code !== 'client_closed';
}

/**
 * The one error reported when every target of `modelName` failed: the last error's code and status (as
 * the catalogue says: 504 for a timeout, 503 for unavailability, 502 otherwise), the smallest
 * `retryAfterMs`, and a message naming every target and its error.
 */
export function summarise(modelName: string, failures: { label: string; error: ParleyError }[]): ParleyError {
  const last = failures[failures.length - 1].error;
  // The status is the last error's own (the catalogue's, or the override it came with), so code and status never
  // disagree.
  const status = last.status;
  const retryAfters = failures.map((f) => f.error.retryAfterMs).filter((ms): ms is number => ms !== undefined);
  const detail = failures.map((f) => `${f.label}: ${f.error.message}`).join('; ');
  const head =
    failures.length === 1
      ? `The only target for model "${modelName}" failed`
      : `All ${failures.length} targets for model "${modelName}" failed`;
  return new ParleyError(last.code, `${head}: ${detail}`, {
    status,
    upstreamStatus: last.upstreamStatus,
    retryAfterMs: retryAfters.length > 0 ? Math.min(...retryAfters) : undefined,
    cause: last,
  });
}
