// Maps anything thrown during a request onto the error catalogue and renders OpenAI's envelope.

import { ParleyError, isParleyError } from '../domain/index.js';
import type { RequestLogFields } from '../observability/logger.js';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: { instancePath?: string; message?: string; params?: Record<string, unknown>; keyword?: string }[];
  validationContext?: string;
}

/**
 * Turns Fastify/Ajv errors and unknown failures into catalogue errors with messages that say what to fix;
 * `bodyLimitBytes` (the route's) lets a body that is too large be told its limit.
 */
export function toParleyError(error: unknown, bodyLimitBytes?: number): ParleyError {
  if (isParleyError(error)) return error;
  const e = (error ?? {}) as FastifyLikeError;
  if (e.validation && e.validation.length > 0) return validationError(e);
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ParleyError(
        'payload_too_large',
        `The request body is too ` +
          `large${bodyLimitBytes ? ` (this endpoint accepts ${formatSize(bodyLimitBytes)}, server.bodyLimit)` : ''}. ` +
          `Send fewer or shorter messages.`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ParleyError('unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ParleyError('invalid_request', 'The JSON body is empty. Send a JSON object.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ParleyError('invalid_request', 'The Content-Length header does not match the body.');
  }
  // Only a body that failed to parse gets the JSON message; other 400s keep their own (next branch).
  if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    const detail = e instanceof SyntaxError ? `: ${e.message}` : '';
    return new ParleyError('invalid_request', `The body is not valid JSON${detail}. Send a JSON object.`);
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ParleyError('invalid_request', e.message ?? 'The request is invalid.', { status: e.statusCode });
  }
  return new ParleyError('internal', 'Parley hit an internal error. It has been logged; please retry.', {
    cause: error,
  });
}

function validationError(e: FastifyLikeError): ParleyError {
  const first = e.validation![0];
  const where = e.validationContext ?? 'body';
  const path = (first.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  if (where === 'body' && path === '' && first.keyword === 'type') {
    // A body that is not a JSON object (e.g. text/plain, which Fastify parses as a string).
    return new ParleyError(
      'invalid_request',
      'The request body must be a JSON object. Send JSON with Content-Type: application/json.',
    );
  }
  if (first.keyword === 'additionalProperties' && first.params?.additionalProperty) {
    return new ParleyError(
      'invalid_request',
      `${where}${path ? `.${path}` : ''} has an unknown field "${String(first.params.additionalProperty)}". Remove it.`,
      {
        param: String(first.params.additionalProperty),
      },
    );
  }
  if (first.keyword === 'required' && first.params?.missingProperty) {
    const field = String(first.params.missingProperty);
    return new ParleyError(
      'invalid_request',
      `${where}${path ? `.${path}` : ''} is missing the required field "${field}".`,
      { param: path ? `${path}.${field}` : field },
    );
  }
  // A field with several accepted forms (string | array | null): say what each form needs, not just the first.
  const anyOf = e.validation!.find((v) => v.keyword === 'anyOf');
  if (anyOf) {
    const base = anyOf.instancePath ?? '';
    const at = base.replace(/^\//, '').replace(/\//g, '.');
    const forms = e
      .validation!.filter((v) => v !== anyOf && (v.instancePath ?? '').startsWith(base))
      .map((v) => describeIssue(v, base));
    return new ParleyError(
      'invalid_request',
      `${where}${at ? `.${at}` : ''} matches none of its accepted forms: ${[...new Set(forms)].join('; or ')}.`,
      {
        param: at || undefined,
      },
    );
  }
  let problem = describeIssue(first, first.instancePath ?? '');
  if (first.keyword === 'maxLength' || first.keyword === 'maxItems') problem += '; shorten it';
  return new ParleyError('invalid_request', `${where}${path ? `.${path}` : ''} ${problem}.`, {
    param: path || undefined,
  });
}

/** One Ajv issue in words, its path shown relative to `base`. */
function describeIssue(v: NonNullable<FastifyLikeError['validation']>[number], base: string): string {
  let problem = v.message ?? 'is invalid';
  if (v.keyword === 'enum' && Array.isArray(v.params?.allowedValues))
    problem = `must be one of ${v.params.allowedValues.join(', ')}`;
  if (v.keyword === 'const' && v.params?.allowedValue !== undefined)
    problem = `must be ${JSON.stringify(v.params.allowedValue)}`;
  const sub = (v.instancePath ?? '').slice(base.length).replace(/^\//, '').replace(/\//g, '.');
  return sub ? `${sub} ${problem}` : problem;
}

/** OpenAI's error envelope for a catalogue error. */
export function errorBody(error: ParleyError): {
  error: { message: string; type: string; code: string; param: string | null };
} {
  return { error: { message: error.message, type: error.type, code: error.code, param: error.param ?? null } };
}

/** Headers that go with an error (Retry-After in whole seconds). */
export function errorHeaders(error: ParleyError): Record<string, string> {
  const headers: Record<string, string> = { ...error.headers };
  if (error.retryAfterMs !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
  return headers;
}

/** 1048576 → "1 MiB", 1536 → "1.5 KiB". */
function formatSize(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** The log-line fields of how a failed run's route went (provider, key, attempts, retries, fallbacks), if known. */
export function routeLogFields(
  failure: ParleyError,
): Pick<RequestLogFields, 'provider' | 'keyId' | 'attempts' | 'retries' | 'fallbacks'> {
  const route = failure.route;
  if (!route) return {};
  return {
    provider: route.provider,
    keyId: route.keyId,
    attempts: route.attempts,
    retries: route.retries,
    fallbacks: route.fallbacks,
  };
}
