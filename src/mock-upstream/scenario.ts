// The mock upstream's fault scenario: what to delay, fail, cut or corrupt, with defaults and validation.

import { FLOOD_KINDS, type FloodKind } from './flood.js';

/** Ways to corrupt a 200 response (streams mostly; see each value). */
export type MalformedKind =
  /** One frame (the first token's) carries truncated JSON; non-streaming: a truncated JSON body. */
  | 'bad-json'
  /** Valid content written in tiny pieces that split lines, JSON and UTF-8 sequences across writes. */
  | 'split-lines'
  /** The stream ends without its terminator (OpenAI `data: [DONE]`, Anthropic `message_stop`). */
  | 'no-done'
  /**
   * An in-stream error frame after half the tokens, then the stream ends (Anthropic: `event: error`,
   * overloaded_error).
   */
  | 'error-event'
  /** Status 200 whose only content is an error (an SSE error frame, or an error envelope as the JSON body). */
  | 'only-error-200'
  /** Every SSE line ends in CRLF instead of LF. */
  | 'crlf'
  /** SSE comment lines (`: keep-alive`) before and between frames. */
  | 'keepalive-comments';

/** Every accepted {@link MalformedKind}, for validation and help text. */
export const MALFORMED_KINDS: readonly MalformedKind[] = [
  'bad-json',
  'split-lines',
  'no-done',
  'error-event',
  'only-error-200',
  'crlf',
  'keepalive-comments',
];

/**
 * How the mock upstream behaves for a model request. Layers merge field by field: the server
 * scenario, then `keyScenarios[apiKey]`, then `modelScenarios[model]`, then the request's
 * `x-mock-scenario` header (JSON).
 * `null` switches an optional fault off (so a JSON override can remove it).
 */
export interface Scenario {
  /** Milliseconds between receiving a model request and sending response headers (errors included). Default 0. */
  latencyMs: number;
  /**
   * Milliseconds after the headers before the first token (time to first token). OpenAI sends its
   * role chunk with the first token; Anthropic sends message_start/content_block_start/ping with the
   * headers. Non-streaming responses wait latencyMs + ttftMs + tokens × tokenDelayMs. Default 0.
   */
  ttftMs: number;
  /** Milliseconds between consecutive tokens. Default 0. */
  tokenDelayMs: number;
  /**
   * Reply length in tokens (capped by the request's max_tokens / max_completion_tokens, which then
   * finishes with `length` / `max_tokens`). The reply is deterministic, see `mockReplyTokens`. Default 16.
   */
  tokens: number;
  /**
   * An exact reply instead of the generated one, split into word-sized tokens (whitespace kept), so
   * tests can make the "model" answer anything, e.g. an XSS payload. `tokens` is ignored; null = off. Default null.
   */
  replyText: string | null;
  /**
   * Reasoning the model returns before every answer (OpenAI `reasoning_content`, Anthropic thinking blocks), as if
   * reasoning had been asked for; null = only when the request asks (reasoning_effort / thinking). Default null.
   */
  reasoningText: string | null;
  /**
   * The tool call the mock makes when the request offers tools and its last turn is not tool results: this tool (if
   * offered) with these arguments, instead of the first one or two tools with sample arguments. Lets a real agent
   * (e.g. Claude Code) run a meaningful tool turn against the mock. null = off. Default null.
   */
  toolCall: { name: string; arguments: Record<string, unknown> } | null;
  /** Random failures: HTTP status → probability in [0, 1], drawn once per request from the seeded RNG. Default {}. */
  errorRates: Record<number, number>;
  /**
   * Adds `retry-after` (and OpenAI's `retry-after-ms`) to 429, 503 and 529 responses; null = no header. Default null.
   */
  retryAfterSeconds: number | null;
  /**
   * Deterministic failures: the first N model requests of the scope fail with `failStatus`. A scope
   * is each distinct `x-mock-scenario` header value (vary e.g. `seed` to keep tests apart), else each
   * API key that has a key scenario, else the server scenario. Counted after auth and validation. Default 0.
   */
  failFirst: number;
  /** Status used by `failFirst`. Default 500. */
  failStatus: number;
  /**
   * Destroys the socket after this many tokens were sent (0 = right after the headers). Non-streaming:
   * the socket is destroyed before any response. null = off. Default null.
   */
  resetAfterTokens: number | null;
  /**
   * Stops sending after this many tokens but keeps the socket open until the client leaves or the
   * server closes. Non-streaming: no response at all. null = off. Default null.
   */
  stallAfterTokens: number | null;
  /** Never sends headers: the request hangs until the client leaves or the server closes. Default false. */
  stallBeforeHeaders: boolean;
  /** Corrupts successful responses, see {@link MalformedKind}. null = well-formed. Default null. */
  malformed: MalformedKind | null;
  /**
   * Sends an oversized or endless answer instead of the reply, see {@link FloodKind} (flood.ts). null = off. Default
   * null.
   */
  flood: FloodKind | null;
  /** Characters of content in a `long-line` flood. Default 52428800 (50 MiB). */
  floodBytes: number;
  /**
   * Seed of the RNG behind `errorRates` (each scope has its own RNG, reseeded on setScenario/resetScenario). Default
   * 1.
   */
  seed: number;
}

/** The scenario used when nothing is configured: fast, successful, 16 tokens. */
export const DEFAULT_SCENARIO: Readonly<Scenario> = Object.freeze({
  latencyMs: 0,
  ttftMs: 0,
  tokenDelayMs: 0,
  tokens: 16,
  replyText: null,
  reasoningText: null,
  toolCall: null,
  errorRates: {},
  retryAfterSeconds: null,
  failFirst: 0,
  failStatus: 500,
  resetAfterTokens: null,
  stallAfterTokens: null,
  stallBeforeHeaders: false,
  malformed: null,
  flood: null,
  floodBytes: 50 * 1024 * 1024,
  seed: 1,
});

/** Returns `base` with the defined fields of each layer applied in order (undefined fields are skipped). */
export function mergeScenario(base: Readonly<Scenario>, ...layers: Array<Partial<Scenario> | undefined>): Scenario {
  const out: Scenario = { ...base };
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

const NUMBER_FIELDS = ['latencyMs', 'ttftMs', 'tokenDelayMs', 'tokens', 'failFirst', 'floodBytes'] as const;
const NULLABLE_NUMBER_FIELDS = ['retryAfterSeconds', 'resetAfterTokens', 'stallAfterTokens'] as const;

function isStatus(value: number): boolean {
  return Number.isInteger(value) && value >= 100 && value <= 599;
}

function checkNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new Error(`scenario.${field}: expected a non-negative number, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Validates an untrusted scenario (from JSON: the `x-mock-scenario` header or the admin API).
 * Unknown fields and wrong types throw an Error naming the field, so typos do not pass silently.
 */
export function parseScenario(input: unknown): Partial<Scenario> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error('scenario: expected a JSON object');
  }
  const source = input as Record<string, unknown>;
  const out: Partial<Scenario> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if ((NUMBER_FIELDS as readonly string[]).includes(key)) {
      (out as Record<string, unknown>)[key] = checkNumber(key, value);
    } else if ((NULLABLE_NUMBER_FIELDS as readonly string[]).includes(key)) {
      (out as Record<string, unknown>)[key] = value === null ? null : checkNumber(key, value);
    } else if (key === 'seed') {
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error('scenario.seed: expected a number');
      out.seed = value;
    } else if (key === 'failStatus') {
      if (typeof value !== 'number' || !isStatus(value))
        throw new Error('scenario.failStatus: expected an HTTP status');
      out.failStatus = value;
    } else if (key === 'stallBeforeHeaders') {
      if (typeof value !== 'boolean') throw new Error('scenario.stallBeforeHeaders: expected a boolean');
      out.stallBeforeHeaders = value;
    } else if (key === 'malformed') {
      if (value !== null && !MALFORMED_KINDS.includes(value as MalformedKind)) {
        throw new Error(`scenario.malformed: expected one of ${MALFORMED_KINDS.join(', ')} or null`);
      }
      out.malformed = value as MalformedKind | null;
    } else if (key === 'flood') {
      if (value !== null && !FLOOD_KINDS.includes(value as FloodKind))
        throw new Error(`scenario.flood: expected one of ${FLOOD_KINDS.join(', ')} or null`);
      out.flood = value as FloodKind | null;
    } else if (key === 'replyText') {
      if (value !== null && typeof value !== 'string') throw new Error('scenario.replyText: expected a string or null');
      out.replyText = value;
    } else if (key === 'reasoningText') {
      if (value !== null && typeof value !== 'string')
        throw new Error('scenario.reasoningText: expected a string or null');
      out.reasoningText = value;
    } else if (key === 'toolCall') {
      const call = value as { name?: unknown; arguments?: unknown } | null;
      const isArgs = (a: unknown): a is Record<string, unknown> =>
        typeof a === 'object' && a !== null && !Array.isArray(a);
      if (call !== null && (typeof call !== 'object' || typeof call.name !== 'string' || !isArgs(call.arguments)))
        throw new Error('scenario.toolCall: expected { name: string, arguments: object } or null');
      out.toolCall =
        call === null ? null : { name: call.name as string, arguments: call.arguments as Record<string, unknown> };
    } else if (key === 'errorRates') {
      out.errorRates = parseErrorRates(value);
    } else {
      throw new Error(`scenario: unknown field "${key}"`);
    }
  }
  return out;
}

function parseErrorRates(value: unknown): Record<number, number> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('scenario.errorRates: expected an object of status → probability');
  }
  const rates: Record<number, number> = {};
  for (const [status, p] of Object.entries(value)) {
    const code = Number(status);
    if (!isStatus(code)) throw new Error(`scenario.errorRates: "${status}" is not an HTTP status`);
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new Error(`scenario.errorRates.${status}: expected a probability between 0 and 1`);
    }
    rates[code] = p;
  }
  return rates;
}
