// Shapes shared by the mock's two wire formats (OpenAI Chat Completions and Anthropic Messages).

import type { IncomingHttpHeaders } from 'node:http';
import type { MalformedKind } from './scenario.js';
import type { MockExtras } from './agent.js';

/** A refusal to render in the dialect's error envelope; unset fields take the status's defaults. */
export interface Failure {
  status: number;
  message?: string;
  param?: string | null;
  code?: string | null;
}

/** What the request asks for, read once from its body. */
export interface RequestShape {
  model: string;
  stream: boolean;
  /** max_tokens / max_completion_tokens, when given. */
  maxTokens: number | undefined;
  includeUsage: boolean;
  promptTokens: number;
  lastUserText: string;
  /** OpenAI `logprobs: true` (with `top_logprobs` alternatives per token); absent: none asked. */
  logprobs?: { top: number };
}

/** One reply to render. */
export interface Generation {
  id: string;
  model: string;
  created: number;
  tokens: string[];
  promptTokens: number;
  /** True when the reply was cut by the request's token limit. */
  truncated: boolean;
  includeUsage: boolean;
  /** Log probabilities asked for (OpenAI): every text token carries one, with `top` alternatives. */
  logprobs?: { top: number };
  /** Tool calls, reasoning and images (see agent.ts); absent or empty: a plain text reply. */
  extras?: MockExtras;
}

/**
 * A stream as strings: `head` goes out with the headers, `pre` after the TTFT wait, then one entry
 * of `tokens` per token (the unit for delays, resets and stalls), then `tail`.
 */
export interface StreamPlan {
  head: string;
  pre: string;
  tokens: string[];
  tail: string;
}

/** One wire format. */
export interface Dialect {
  readonly name: 'openai' | 'anthropic';
  /** Headers on every response of this dialect (beside content-type). */
  baseHeaders(requestId: string): Record<string, string>;
  /** The API key the request carries, if any. */
  apiKey(headers: IncomingHttpHeaders): string | undefined;
  /** Authentication and header checks; `validKeys` undefined means any key (or none, for OpenAI) passes. */
  checkAuth(headers: IncomingHttpHeaders, validKeys: ReadonlySet<string> | undefined): Failure | undefined;
  /** Validates the parsed body; returns the shape or a 400 failure. */
  readRequest(body: unknown): RequestShape | Failure;
  /** The error envelope as JSON text. */
  errorBody(failure: Failure, requestId: string): string;
  /** The whole stream for a generation, with the dialect-specific malformations applied. */
  streamPlan(generation: Generation, malformed: MalformedKind | null): StreamPlan;
  /** The non-streaming response body. */
  completionBody(generation: Generation, malformed: MalformedKind | null): string;
  /** Answer to GET /v1/models. */
  modelsBody(): string;
}

/** SSE content type used by both providers. */
export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';
/** JSON content type used by both providers. */
export const JSON_CONTENT_TYPE = 'application/json';

/** Applies the dialect-independent malformations (CRLF line endings, keep-alive comments) to a plan. */
export function finishPlan(plan: StreamPlan, malformed: MalformedKind | null): StreamPlan {
  if (malformed === 'crlf') {
    const crlf = (s: string): string => s.replaceAll('\n', '\r\n');
    return { head: crlf(plan.head), pre: crlf(plan.pre), tokens: plan.tokens.map(crlf), tail: crlf(plan.tail) };
  }
  if (malformed === 'keepalive-comments') {
    const comment = ': keep-alive\n\n';
    return {
      head: comment + plan.head,
      pre: ': processing\n\n' + plan.pre,
      tokens: plan.tokens.map((t) => comment + t),
      tail: comment + plan.tail,
    };
  }
  return plan;
}

/** Cuts a JSON text in half, producing an unparseable but plausible fragment. */
export function truncateJson(json: string): string {
  return json.slice(0, Math.max(1, Math.floor(json.length / 2)));
}

/** Masks a secret for error messages the way providers do (first 3 and last 4 characters). */
export function maskKey(key: string): string {
  if (key.length <= 8) return '*'.repeat(key.length);
  return `${key.slice(0, 3)}${'*'.repeat(Math.min(key.length - 7, 20))}${key.slice(-4)}`;
}
