// Errors as end users see them: routing details (provider, key, circuit) stay in the log and reach admins only.

import { ParleyError } from '../domain/index.js';
import type { ErrorCode, Principal } from '../domain/index.js';

const BUSY = 'The AI model is busy or unavailable right now. Retry after the time given in Retry-After.';
const FAILED = 'The AI model could not answer. Retry in a moment.';

/** Plain messages for errors whose own message names providers, upstream models, keys or breakers. */
const PLAIN: Partial<Record<ErrorCode, string>> = {
  upstream_rate_limited: BUSY,
  upstream_overloaded: BUSY,
  circuit_open: BUSY,
  no_healthy_key: BUSY,
  upstream_timeout: 'The AI model took too long to answer. Retry.',
  upstream_bad_request: 'The AI model refused this request. Shorten or rephrase the message, then retry.',
  upstream_auth: FAILED,
  upstream_not_found: FAILED,
  upstream_conflict: FAILED,
  upstream_server_error: FAILED,
  upstream_network: 'The connection to the AI model broke before the answer was complete. Retry.',
  upstream_protocol: FAILED,
  upstream_stream_error: 'The answer was cut off by the AI model. Retry to get a full answer.',
};

/**
 * The error a caller may see: admins get the routing details, everyone else the same code, status and
 * Retry-After with a plain message. `detail` is the original message (for the request log) when it was replaced.
 */
export function errorForCaller(
  error: ParleyError,
  principal: Principal | undefined,
): { error: ParleyError; detail?: string } {
  const plain = PLAIN[error.code];
  if (!plain || principal?.role === 'admin') return { error };
  const replaced = new ParleyError(error.code, plain, {
    status: error.status,
    retryAfterMs: error.retryAfterMs,
    headers: error.headers,
    upstreamStatus: error.upstreamStatus,
    param: error.param,
    cause: error,
  });
  return { error: replaced, detail: error.message };
}
