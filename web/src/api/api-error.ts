// An API failure with what the UI needs to explain it: status, catalogue code, server message, wait time.

/** A failed call: HTTP status (0 = network), Parley's error code and `Retry-After` in seconds. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Builds an ApiError from a non-2xx response (OpenAI error envelope when the body is JSON). */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  let code: string | null = null;
  let message = `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { message?: string; code?: string | null } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
  } catch {
    // not JSON: keep the status line
  }
  const header = response.headers.get('retry-after');
  const seconds = header !== null && /^\d+$/.test(header.trim()) ? Number(header) : undefined;
  return new ApiError(response.status, code, message, seconds);
}

/** Codes whose server message names routing details (provider, upstream model, key, circuit): never shown. */
const BUSY = new Set([
  'upstream_rate_limited',
  'upstream_overloaded',
  'circuit_open',
  'no_healthy_key',
  'shutting_down',
]);

/**
 * Plain-words explanation of a failure, for people rather than developers. Provider, key and circuit details
 * are never shown (they are in the server log); the wait comes from `Retry-After` alone, and the one countdown
 * is the Retry button's, so the title names no number.
 */
export function describeError(error: unknown): {
  title: string;
  detail?: string;
  retryAfterSeconds?: number;
  signOut?: boolean;
  expired?: boolean;
} {
  if (!(error instanceof ApiError)) return { title: 'Something went wrong in the page. Reload it, then retry.' };
  const wait = error.retryAfterSeconds;
  switch (true) {
    case error.status === 0:
      return { title: 'Could not reach Parley. Check your connection, then retry.' };
    case error.status === 401:
      return { title: 'Your key is no longer accepted. Sign in again.', signOut: true };
    case error.status === 403:
      return { title: 'Your account is not allowed to do this.' };
    case error.status === 404 && error.code === 'not_found':
      return { title: 'This chat has expired or was deleted; its messages are gone.', expired: true };
    case error.status === 429:
      return {
        title: wait
          ? 'Too many requests. You can retry when the countdown ends.'
          : 'Too many requests. Wait a moment, then retry.',
        retryAfterSeconds: wait,
      };
    case error.code !== null && BUSY.has(error.code):
      return {
        title: wait
          ? 'The AI model is busy right now. You can retry when the countdown ends.'
          : 'The AI model is busy right now. Retry in a moment.',
        retryAfterSeconds: wait,
      };
    case error.code === 'upstream_timeout':
      return { title: 'The AI model took too long to answer. Retry.' };
    case error.code === 'content_blocked':
      return { title: 'This message was blocked by the content policy.', detail: error.message };
    case error.status === 413 ||
      error.status === 415 ||
      error.code === 'invalid_request' ||
      error.code === 'payload_too_large':
      return { title: 'Parley could not accept this message.', detail: error.message };
    case error.code === 'model_not_found':
      return { title: 'This model is no longer available. Pick another one.' };
    case error.code === 'upstream_stream_error' || error.code === 'upstream_network':
      return { title: 'The answer was cut off. Retry to get a full answer.' };
    case error.status >= 500:
      return { title: 'The AI model could not answer. Retry in a moment.', retryAfterSeconds: wait };
    default:
      return { title: 'The request failed. Retry in a moment.' };
  }
}
