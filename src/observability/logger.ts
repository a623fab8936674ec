// Structured JSON logging with pino: metadata only, with content and secrets redacted by path.

import { pino } from 'pino';
import type { DestinationStream, Logger } from 'pino';
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

/** The pino redact paths Parley uses (exported so tests and docs can list them). */
export const REDACT_PATHS: readonly string[] = [
  ...SECRET_HEADERS.flatMap((h) =>
    ['req.headers', 'headers', 'request.headers', 'res.headers'].map((p) => `${p}["${h}"]`),
  ),
  ...REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]),
];

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
  return pino(
    {
      level: opts.level,
      base: opts.base ?? {},
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
      serializers: { req: serializeRequest, res: serializeResponse, err: serializeError, error: serializeError },
    },
    destination,
  );
}
