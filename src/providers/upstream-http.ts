// Shared upstream HTTP plumbing for provider adapters: pooled agents, one POST, error mapping, abort rules.

import { Agent, type Dispatcher } from 'undici';
import { ParleyError, errorCodeForUpstreamStatus, isParleyError } from '../domain/index.js';
import type { ErrorCode } from '../domain/index.js';
import { abortError } from '../domain/abort.js';
import { DEFAULT_MAX_EVENT_CHARS } from './sse-reader.js';
import {
  UpstreamExchange,
  type UpstreamBody,
  type UpstreamHeaders,
  type UpstreamResponse,
} from './upstream-exchange.js';

export type { UpstreamBody, UpstreamHeaders, UpstreamResponse } from './upstream-exchange.js';

/** Settings of one provider's connection pool. */
export interface UpstreamAgentSettings {
  connectTimeoutMs: number;
  maxConnections: number;
  /** Idle keep-alive sockets are closed after this long (default 30 s). */
  keepAliveTimeoutMs?: number;
}

/**
 * One keep-alive connection pool per provider. First-byte, idle and total timeouts belong to the
 * routing layer (it aborts the call's signal); undici's own header/body timeouts (300 s) stay as a backstop.
 */
export function createUpstreamAgent(settings: UpstreamAgentSettings): Agent {
  return new Agent({
    connections: settings.maxConnections,
    connect: { timeout: settings.connectTimeoutMs },
    keepAliveTimeout: settings.keepAliveTimeoutMs ?? 30_000,
    keepAliveMaxTimeout: 600_000,
  });
}

/** What every HTTP adapter is configured with. */
export interface UpstreamEndpointConfig {
  baseUrl: string;
  /** Size limits of answers (defaults: 1 MiB per stream event, 8 MiB per non-streamed body). */
  limits?: Partial<UpstreamLimits>;
  headers?: Record<string, string>;
  connectTimeoutMs: number;
  maxConnections: number;
  /** Inject a dispatcher (tests, shared pools); otherwise the endpoint owns a keep-alive Agent. */
  dispatcher?: Dispatcher;
}

/** How much of an answer Parley reads before it ends the attempt. */
export interface UpstreamLimits {
  /** The longest stream event, in decoded characters (a line plus the data before it in the same event). */
  maxEventChars: number;
  /** The largest non-streamed answer body, in bytes. */
  maxBodyBytes: number;
}

/** One provider endpoint: where to POST, with which pool and static headers, and how to release the pool. */
export interface UpstreamEndpoint {
  limits: UpstreamLimits;
  origin: string;
  path: string;
  dispatcher: Dispatcher;
  baseHeaders: Record<string, string>;
  /** Closes the keep-alive pool if the endpoint created it (injected dispatchers are left alone). */
  close(): Promise<void>;
}

/** Builds an adapter's endpoint once, at construction: target URL, pool, and headers sent on every call. */
export function createUpstreamEndpoint(
  cfg: UpstreamEndpointConfig,
  suffix: string,
  protocolHeaders: Record<string, string> = {},
): UpstreamEndpoint {
  const { origin, path } = upstreamTarget(cfg.baseUrl, suffix);
  const owned = cfg.dispatcher === undefined;
  const dispatcher =
    cfg.dispatcher ??
    createUpstreamAgent({ connectTimeoutMs: cfg.connectTimeoutMs, maxConnections: cfg.maxConnections });
  return {
    limits: {
      maxEventChars: cfg.limits?.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS,
      maxBodyBytes: cfg.limits?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    },
    origin,
    path,
    dispatcher,
    baseHeaders: {
      'content-type': 'application/json',
      accept: 'text/event-stream, application/json',
      ...protocolHeaders,
      ...cfg.headers,
    },
    close: async () => {
      if (owned) await dispatcher.close();
    },
  };
}

/** Splits a base URL into undici's `origin` and the request path for `suffix` (computed once per model). */
export function upstreamTarget(baseUrl: string, suffix: string): { origin: string; path: string } {
  const url = new URL(baseUrl);
  const base = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  return { origin: url.origin, path: base + suffix + url.search };
}

function headerValue(headers: UpstreamHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Milliseconds to wait from `retry-after-ms`, `retry-after` (seconds or HTTP-date); undefined if absent or invalid. */
export function parseRetryAfter(headers: UpstreamHeaders): number | undefined {
  const ms = headerValue(headers, 'retry-after-ms');
  if (ms !== undefined && ms.trim() !== '') {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  }
  const ra = headerValue(headers, 'retry-after')?.trim();
  if (ra === undefined || ra === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(ra)) return Math.ceil(Number(ra) * 1000);
  const at = Date.parse(ra);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - Date.now());
}

const MAX_MESSAGE = 300;
// Provider messages can quote (masked) keys, e.g. "Incorrect API key provided: sk-proj-****abcd".
const KEY_LIKE = /\b(?:sk|pk|rk|sess)-[A-Za-z0-9_*.-]{4,}/g;

/** Makes a provider's message safe to show: key-like tokens removed, one line, at most 300 chars. */
export function sanitizeProviderMessage(message: string): string {
  let m = message.replace(KEY_LIKE, '[redacted]').replace(/\s+/g, ' ').trim();
  if (m.length > MAX_MESSAGE) m = m.slice(0, MAX_MESSAGE - 1) + '…';
  return m;
}

/**
 * Extracts `error.message` (and `error.type`) from OpenAI `{error:{message}}` or Anthropic `{type:'error',
 * error:{type,message}}`.
 */
export function providerErrorDetail(payload: unknown): { message?: string; type?: string } {
  if (typeof payload !== 'object' || payload === null) return {};
  const err = (payload as { error?: unknown }).error;
  if (typeof err === 'string') return { message: err };
  if (typeof err !== 'object' || err === null) return {};
  const { message, type } = err as { message?: unknown; type?: unknown };
  return {
    message: typeof message === 'string' ? message : undefined,
    type: typeof type === 'string' ? type : undefined,
  };
}

/** The ParleyError for a non-2xx provider answer (code from `errorCodeForUpstreamStatus`). */
export function upstreamError(status: number, body: string, headers: UpstreamHeaders): ParleyError {
  let detail: string | undefined;
  try {
    detail = providerErrorDetail(JSON.parse(body)).message;
  } catch {
    detail = undefined;
  }
  if (detail === undefined && body.length > 0 && !body.trimStart().startsWith('<')) detail = body;
  const suffix = detail === undefined ? '' : `: ${sanitizeProviderMessage(detail)}`;
  return new ParleyError(errorCodeForUpstreamStatus(status), `Provider returned HTTP ${status}${suffix}`, {
    upstreamStatus: status,
    retryAfterMs: parseRetryAfter(headers),
  });
}

/** The ParleyError for an error payload inside a 2xx answer (stream `error` event or error body). */
export function streamPayloadError(payload: unknown, code: ErrorCode = 'upstream_stream_error'): ParleyError {
  const { message } = providerErrorDetail(payload);
  return new ParleyError(code, `Provider stream error: ${sanitizeProviderMessage(message ?? 'unknown error')}`);
}

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

function errorCodeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && typeof e === 'object' && e !== null; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const inner = (e as { errors?: unknown[] }).errors;
    e = Array.isArray(inner) && inner.length > 0 ? inner[0] : (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Maps undici/socket failures (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET, UND_ERR_CONNECT_TIMEOUT, ...) onto the
 * catalogue.
 */
export function networkError(err: unknown): ParleyError {
  if (isParleyError(err)) return err;
  const code = errorCodeOf(err);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new ParleyError('upstream_timeout', `Timed out talking to the provider (${code})`, { cause: err });
  }
  return new ParleyError('upstream_network', `Could not reach the provider (${code ?? 'network error'})`, {
    cause: err,
  });
}

export { abortError };

/** Normalises anything thrown during a call (abort first, then ParleyError, then network errors). */
export function toParleyError(err: unknown, signal: AbortSignal): ParleyError {
  if (signal.aborted) return abortError(signal);
  return networkError(err);
}

/** Parses one JSON payload from the provider; invalid JSON is `upstream_protocol`. */
export function parseProviderJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return throwProtocol('The provider sent invalid JSON');
  }
}

function throwProtocol(message: string): never {
  throw new ParleyError('upstream_protocol', message);
}

/**
 * POSTs a prepared JSON body. Resolves with a 2xx response (body unread); non-2xx answers are read
 * and thrown as `upstreamError`; failures are mapped by `toParleyError`. The signal cancels the
 * request and, after the headers, destroys the body (closing the connection).
 */
export async function postUpstream(
  dispatcher: Dispatcher,
  origin: string,
  path: string,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  if (signal.aborted) throw abortError(signal);
  let res: UpstreamResponse;
  try {
    res = await UpstreamExchange.send(dispatcher, { origin, path, method: 'POST', headers, body }, signal);
  } catch (err) {
    throw toParleyError(err, signal);
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res;
  let text = '';
  try {
    text = await res.body.text(MAX_ERROR_BODY_BYTES);
  } catch {
    if (signal.aborted) throw abortError(signal);
  }
  throw upstreamError(res.statusCode, text, res.headers);
}

/** An error answer longer than this is not read further (only its message would be shown anyway). */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The default largest non-streamed answer body (8 MiB). */
export const DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024;

/** The error of a non-streamed answer over `maxBytes`. */
export function bodyTooLarge(maxBytes: number): ParleyError {
  return new ParleyError(
    'upstream_body_too_large',
    `The provider's answer body is larger than ${maxBytes} bytes (limit ` +
      `providers[].limits.maxBodySize); it was not read further`,
  );
}

/** Reads a whole JSON body (non-streaming answers); past `maxBytes` it throws `upstream_body_too_large`. */
export async function readJsonBody(body: UpstreamBody, maxBytes: number = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  return parseProviderJson(await body.text(maxBytes, bodyTooLarge));
}

/**
 * Reads a 2xx answer's whole JSON body and maps it. Failures (also those of `map`) are thrown as
 * `toParleyError` gives them; the body is released, aborted unless it was read to its end.
 */
export async function readJsonAnswer<T>(
  res: UpstreamResponse,
  maxBytes: number,
  signal: AbortSignal,
  map: (payload: unknown) => T,
): Promise<T> {
  let completed = false;
  try {
    const payload = await readJsonBody(res.body, maxBytes);
    completed = true;
    return map(payload);
  } catch (err) {
    throw toParleyError(err, signal);
  } finally {
    res.body.release(completed);
  }
}

/** True when the response is a JSON document rather than an event stream. */
export function isJsonResponse(headers: UpstreamHeaders): boolean {
  const ct = headerValue(headers, 'content-type');
  return ct !== undefined && ct.includes('json');
}

/**
 * Per-call headers: the model's static headers, then the credential (`authHeader: authPrefix + secret`), then trace
 * context.
 */
export function callHeaders(
  base: Record<string, string>,
  authHeader: string,
  authPrefix: string,
  secret: string | undefined,
  traceHeaders: Record<string, string> | undefined,
): Record<string, string> {
  const h: Record<string, string> = { ...base };
  if (secret !== undefined) h[authHeader] = authPrefix + secret;
  if (traceHeaders !== undefined) Object.assign(h, traceHeaders);
  return h;
}
