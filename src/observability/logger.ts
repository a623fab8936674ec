// Structured JSON logging with pino: metadata only, with content and secrets redacted by path.

import { pino } from 'pino';
import type { Bindings, ChildLoggerOptions, DestinationStream, Logger } from 'pino';
import type { ParleyConfig } from '../config/types.js';
import type { CacheResult } from './metrics.js';

export type { Logger } from 'pino';
export type LogLevel = ParleyConfig['logging']['level'];

/** Field names whose values are conversation content or secrets: never written, at any of the first three levels. */
export const REDACTED_FIELDS = [
  'content',
  'messages',
  'prompt',
  'text',
  'secret',
  'apiKey',
  'password',
  'token',
] as const;
const SECRET_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-api-key', 'proxy-authorization'] as const;

/**
 * Fields that go through a serializer, which writes only safe fields (no headers, no content): left as they are,
 * so that an error keeps its prototype (name, stack) for `serializeError`. This covers the `req.headers` and
 * `res.headers` paths of REDACT_PATHS.
 */
const SERIALIZED: ReadonlySet<string> = new Set(['req', 'res', 'err', 'error']);

/** The paths Parley's logger redacts, in pino's path syntax (exported so tests and docs can list them). */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_HEADERS.flatMap((h) =>
    ['req.headers', 'headers', 'request.headers', 'res.headers'].map((p) => `${p}["${h}"]`),
  ),
  ...REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

const CENSOR = '[redacted]';
const REDACTED = new Set<string>(REDACTED_FIELDS);
const SECRET_HEADER_SET = new Set<string>(SECRET_HEADERS);

/** Objects whose own keys are walked: plain objects, arrays and class instances, not byte arrays. */
const walkable = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !ArrayBuffer.isView(value);

const isPlain = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/** A copy of `obj` with its redacted fields censored down to `depth` more levels; `obj` itself when none is. */
function censorFields(
  obj: Record<string, unknown>,
  depth: number,
  skip?: ReadonlySet<string>,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key) || skip?.has(key)) continue;
    const value = obj[key];
    let next: unknown = value;
    if (REDACTED.has(key)) next = value === undefined ? value : CENSOR;
    else if (depth > 0 && walkable(value)) next = censorFields(value, depth - 1);
    if (next !== value) (out ??= (Array.isArray(obj) ? [...obj] : { ...obj }) as Record<string, unknown>)[key] = next;
  }
  return out ?? obj;
}

/** A copy of a headers object without its secret headers' values; the object itself when it has none. */
function censorHeaders(headers: unknown): unknown {
  if (!walkable(headers)) return headers;
  let out: Record<string, unknown> | undefined;
  for (const name in headers)
    if (SECRET_HEADER_SET.has(name) && headers[name] !== undefined) (out ??= { ...headers })[name] = CENSOR;
  return out ?? headers;
}

/**
 * Applies REDACT_PATHS to a line's fields (and a child's bindings) before they are written, without touching the
 * caller's objects. pino's own `redact` does the same through @pinojs/redact at ~45 µs per request line, ten
 * times the line itself (bench/README.md, "Figures behind choices in the code"); this walk costs about a
 * microsecond for a request line, which has no field to censor.
 */
export function censorLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  let out = censorFields(fields, 2, SERIALIZED);
  const own = (): Record<string, unknown> => (out === fields ? (out = { ...fields }) : out);
  const headers = censorHeaders(out.headers);
  if (headers !== out.headers) own().headers = headers;
  const request = out.request;
  if (walkable(request) && isPlain(request)) {
    const requestHeaders = censorHeaders(request.headers);
    if (requestHeaders !== request.headers) own().request = { ...request, headers: requestHeaders };
  }
  return out;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go: a pino destination stream (tests), a file path, or stdout (default, asynchronous writes). */
  destination?: DestinationStream | string;
  /** Fields added to every line (e.g. `{ service: 'parley', replica }`). */
  base?: Record<string, string | number>;
}

/** The fields a request's handlers add to its one log line (`request.parley.log`): metadata only, never content. */
export type RequestLogFields = Partial<
  Omit<RequestLogRecord, 'route' | 'method' | 'status' | 'latencyMs' | 'overheadMs' | 'principalId'>
>;

/** The one line written per request (`msg: "request"`, src/http/app.ts): metadata only, never content. */
export interface RequestLogRecord {
  requestId: string;
  traceId?: string;
  principalId?: string;
  route: string;
  method: string;
  status: number;
  latencyMs: number;
  /** Parley's own time, latency less the upstream's (also the `x-parley-overhead-ms` header). */
  overheadMs: number;
  model?: string;
  provider?: string;
  keyId?: string;
  ttftMs?: number;
  tokensIn?: number;
  tokensOut?: number;
  cache?: CacheResult;
  attempts?: number;
  retries?: number;
  fallbacks?: number;
  /** Error code from the catalogue when the request failed. */
  errorCode?: string;
  /** Session API only: Parley's own message for a failure end users see in plain words (never content). */
  errorDetail?: string;
}

interface RequestLike {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  routeOptions?: { url?: unknown };
}

/** Serializes a request as method, path (query string dropped) and id: no headers, body or address. */
export function serializeRequest(req: RequestLike): Record<string, unknown> {
  const url = typeof req.url === 'string' ? req.url : '';
  const q = url.indexOf('?');
  return {
    id: req.id,
    method: req.method,
    path: q === -1 ? url : url.slice(0, q),
    route: req.routeOptions?.url,
  };
}

/** Serializes a response as its status code only. */
export function serializeResponse(res: { statusCode?: unknown }): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

/**
 * Serializes an error as metadata: name, catalogue code and status, and stack frames without the
 * first line. The message is kept only for Parley's own errors, whose messages are client-safe;
 * other messages may quote upstream bodies or content and are dropped.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  if (typeof err !== 'object' || err === null) return { type: typeof err };
  const e = err as {
    name?: unknown;
    code?: unknown;
    status?: unknown;
    upstreamStatus?: unknown;
    message?: unknown;
    stack?: unknown;
  };
  const out: Record<string, unknown> = { type: e.name ?? 'Error' };
  if (typeof e.code === 'string') out.code = e.code;
  if (typeof e.status === 'number') out.status = e.status;
  if (typeof e.upstreamStatus === 'number') out.upstreamStatus = e.upstreamStatus;
  if (e.name === 'ParleyError' && typeof e.message === 'string') out.message = e.message;
  if (typeof e.stack === 'string') {
    const frames = e.stack.split('\n').filter((l) => l.trimStart().startsWith('at '));
    if (frames.length > 0) out.stack = frames.slice(0, 12).map((l) => l.trim());
  }
  return out;
}

/** Creates Parley's JSON logger. Lines carry `time`, `level` (as a label), `msg` and metadata fields. */
export function createLogger(opts: LoggerOptions): Logger {
  const destination =
    typeof opts.destination === 'string'
      ? pino.destination({ dest: opts.destination, sync: false, mkdir: true })
      : (opts.destination ?? pino.destination({ dest: 1, sync: false }));
  const logger = pino(
    {
      level: opts.level,
      base: opts.base ?? {},
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }), log: censorLogFields, bindings: censorLogFields },
      serializers: { req: serializeRequest, res: serializeResponse, err: serializeError, error: serializeError },
    },
    destination,
  );
  // pino applies `formatters.bindings` to the root's bindings only: a child's are censored on the way in (every
  // child and grandchild inherits this method from the root).
  const pinoChild = logger.child as unknown as (
    this: Logger,
    bindings: Bindings,
    options?: ChildLoggerOptions,
  ) => Logger;
  logger.child = function (this: Logger, bindings: Bindings, options?: ChildLoggerOptions) {
    return pinoChild.call(this, censorLogFields(bindings), options);
  } as unknown as Logger['child'];
  return logger;
}
