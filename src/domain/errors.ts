// The one error catalogue: every failure Parley reports has a code, an HTTP status, a retry flag and
// an OpenAI error type, so a single handler renders them and the official SDKs raise the right class.

/** OpenAI's `error.type` values, which SDKs and clients switch on. */
export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'timeout_error'
  | 'server_error';

interface CatalogueEntry {
  status: number;
  type: OpenAIErrorType;
  /** May the same request be tried again (same or another key/target)? */
  retryable: boolean;
}

/** Every error code Parley can produce, with its HTTP status and retryability. */
export const ERROR_CATALOGUE = {
  // The client's request
  invalid_request: { status: 400, type: 'invalid_request_error', retryable: false },
  unauthorized: { status: 401, type: 'authentication_error', retryable: false },
  forbidden: { status: 403, type: 'permission_error', retryable: false },
  not_found: { status: 404, type: 'not_found_error', retryable: false },
  model_not_found: { status: 404, type: 'not_found_error', retryable: false },
  method_not_allowed: { status: 405, type: 'invalid_request_error', retryable: false },
  request_timeout: { status: 408, type: 'invalid_request_error', retryable: false },
  payload_too_large: { status: 413, type: 'invalid_request_error', retryable: false },
  unsupported_media_type: { status: 415, type: 'invalid_request_error', retryable: false },
  content_blocked: { status: 422, type: 'invalid_request_error', retryable: false },
  rate_limited: { status: 429, type: 'rate_limit_error', retryable: false },
  headers_too_large: { status: 431, type: 'invalid_request_error', retryable: false },
  client_closed: { status: 499, type: 'api_error', retryable: false },
  // The provider's answer (statuses are what Parley returns if this is the last error seen)
  upstream_bad_request: { status: 400, type: 'invalid_request_error', retryable: false },
  upstream_auth: { status: 502, type: 'api_error', retryable: false },
  upstream_not_found: { status: 502, type: 'api_error', retryable: false },
  upstream_timeout: { status: 504, type: 'timeout_error', retryable: true },
  upstream_conflict: { status: 502, type: 'api_error', retryable: true },
  upstream_rate_limited: { status: 503, type: 'api_error', retryable: true },
  upstream_overloaded: { status: 503, type: 'api_error', retryable: true },
  upstream_server_error: { status: 502, type: 'api_error', retryable: true },
  upstream_network: { status: 502, type: 'api_error', retryable: true },
  upstream_protocol: { status: 502, type: 'api_error', retryable: false },
  upstream_stream_error: { status: 502, type: 'api_error', retryable: true },
  // An answer over Parley's limits (providers[].limits): the attempt ends; not retried, the next target is tried
  upstream_event_too_large: { status: 502, type: 'api_error', retryable: false },
  upstream_body_too_large: { status: 502, type: 'api_error', retryable: false },
  upstream_answer_too_long: { status: 502, type: 'api_error', retryable: false },
  // Parley's own routing state
  circuit_open: { status: 503, type: 'api_error', retryable: true },
  no_healthy_key: { status: 503, type: 'api_error', retryable: false },
  shutting_down: { status: 503, type: 'api_error', retryable: true },
  // A shared store (PostgreSQL, Redis) that Parley cannot reach yet or any more
  store_unavailable: { status: 503, type: 'api_error', retryable: true },
  store_busy: { status: 503, type: 'api_error', retryable: true },
  internal: { status: 500, type: 'server_error', retryable: false },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ParleyErrorOptions {
  /** Name of the offending request field, for OpenAI's `param`. */
  param?: string;
  /** The provider's HTTP status, when the error came from one. */
  upstreamStatus?: number;
  /** Milliseconds the caller should wait before retrying (from `retry-after` or a limiter). */
  retryAfterMs?: number;
  /** Extra response headers that explain the error (e.g. RateLimit headers on a 429). */
  headers?: Record<string, string>;
  /** Overrides the catalogue's HTTP status (e.g. 502 vs 503 vs 504 for exhausted routes). */
  status?: number;
  cause?: unknown;
}

/** An error from the catalogue. `message` is always safe to show to the client. */
/** How the route went for a call that failed before any content (for the request's log line and overhead). */
export interface RouteFacts {
  provider?: string;
  keyId?: string;
  attempts: number;
  retries: number;
  fallbacks: number;
  /** Time spent waiting on providers, retry-after and backoff: not Parley's own overhead. */
  upstreamMs: number;
}

export class ParleyError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: OpenAIErrorType;
  readonly retryable: boolean;
  readonly param?: string;
  readonly upstreamStatus?: number;
  readonly retryAfterMs?: number;
  readonly headers?: Record<string, string>;
  /** Set by the chat and embeddings services when a run fails before any content. */
  route?: RouteFacts;

  constructor(code: ErrorCode, message: string, options: ParleyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry: CatalogueEntry = ERROR_CATALOGUE[code];
    this.name = 'ParleyError';
    this.code = code;
    this.status = options.status ?? entry.status;
    this.type = entry.type;
    this.retryable = entry.retryable;
    this.param = options.param;
    this.upstreamStatus = options.upstreamStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.headers = options.headers;
  }
}

/** True for errors raised by Parley itself (as opposed to programming errors). */
export function isParleyError(error: unknown): error is ParleyError {
  return error instanceof ParleyError;
}

/** Maps a provider's HTTP status onto the catalogue (shared by every adapter). */
export function errorCodeForUpstreamStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return 'upstream_bad_request';
  if (status === 401 || status === 403) return 'upstream_auth';
  if (status === 404) return 'upstream_not_found';
  if (status === 408) return 'upstream_timeout';
  if (status === 409) return 'upstream_conflict';
  if (status === 429) return 'upstream_rate_limited';
  if (status === 529 || status === 503) return 'upstream_overloaded';
  if (status >= 500) return 'upstream_server_error';
  return 'upstream_protocol';
}
