// Anthropic Messages wire format for the mock: SSE events, message bodies, model list and error envelopes.

import type { IncomingHttpHeaders } from 'node:http';
import type { MalformedKind } from './scenario.js';
import { contentText, estimatePromptTokens, lastUserText } from './reply.js';
import { finishPlan, truncateJson } from './wire.js';
import type { Dialect, Failure, Generation, RequestShape, StreamPlan } from './wire.js';

const ERROR_TYPES: Record<number, [type: string, message: string]> = {
  400: ['invalid_request_error', 'There was an issue with the format or content of your request.'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'The requested resource could not be found.'],
  408: ['timeout_error', 'Request timed out.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: ['rate_limit_error', 'Number of requests has exceeded your rate limit (mock upstream).'],
  500: ['api_error', 'Internal server error'],
  503: ['overloaded_error', 'Overloaded'],
  504: ['timeout_error', 'Request timed out.'],
  529: ['overloaded_error', 'Overloaded'],
};

function errorDefaults(status: number): [string, string] {
  return (
    ERROR_TYPES[status] ??
    (status >= 500
      ? ['api_error', `Upstream error ${status}`]
      : ['invalid_request_error', `Request failed with status ${status}`])
  );
}

function event(type: string, json: string): string {
  return `event: ${type}\ndata: ${json}\n\n`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Content blocks beyond one text block: thinking first, then text, then tool_use blocks (streamed as frames). */
function blockFrames(gen: Generation, delta: (t: string) => string): string[] {
  const frames: string[] = [];
  let index = 0;
  const reasoning = gen.extras?.reasoning ?? [];
  if (reasoning.length > 0) {
    frames.push(
      event(
        'content_block_start',
        `{"type":"content_block_start","index":${index},"content_block":{"type":"thinking","thinking":"","signature":""}}`,
      ),
    );
    for (const t of reasoning)
      frames.push(
        event(
          'content_block_delta',
          `{"type":"content_block_delta","index":${index},"delta":{"type":"thinking_delta","thinking":${JSON.stringify(t)}}}`,
        ),
      );
    frames.push(
      event(
        'content_block_delta',
        `{"type":"content_block_delta","index":${index},"delta":{"type":"signature_delta","signature":"mock-signature"}}`,
      ),
    );
    frames.push(event('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
    index++;
  }
  if (gen.tokens.length > 0) {
    frames.push(
      event(
        'content_block_start',
        `{"type":"content_block_start","index":${index},"content_block":{"type":"text","text":""}}`,
      ),
    );
    for (const t of gen.tokens)
      frames.push(event('content_block_delta', delta(t).replace('"index":0', `"index":${index}`)));
    frames.push(event('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
    index++;
  }
  for (const call of gen.extras?.toolCalls ?? []) {
    frames.push(
      event(
        'content_block_start',
        `{"type":"content_block_start","index":${index},"content_block":{"type":"tool_use","id":${JSON.stringify(call.id)},"name":${JSON.stringify(call.name)},"input":{}}}`,
      ),
    );
    for (const f of call.fragments)
      frames.push(
        event(
          'content_block_delta',
          `{"type":"content_block_delta","index":${index},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(f)}}}`,
        ),
      );
    frames.push(event('content_block_stop', `{"type":"content_block_stop","index":${index}}`));
    index++;
  }
  return frames;
}

/** Output tokens beside the text: reasoning fragments and tool argument fragments. */
function extraTokens(gen: Generation): number {
  return (
    (gen.extras?.reasoning.length ?? 0) + (gen.extras?.toolCalls ?? []).reduce((n, c) => n + c.fragments.length + 1, 0)
  );
}

/** The message's content blocks (not streamed). */
function contentBlocks(gen: Generation): unknown[] {
  const blocks: unknown[] = [];
  const reasoning = gen.extras?.reasoning ?? [];
  if (reasoning.length > 0)
    blocks.push({ type: 'thinking', thinking: reasoning.join(''), signature: 'mock-signature' });
  if (gen.tokens.length > 0 || (gen.extras?.toolCalls.length ?? 0) === 0)
    blocks.push({ type: 'text', text: gen.tokens.join('') });
  for (const c of gen.extras?.toolCalls ?? [])
    blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: JSON.parse(c.arguments) as unknown });
  return blocks;
}

const STREAM_ERROR = event('error', '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');

/** Builds the Anthropic dialect; `models` are listed by GET /v1/models (when anthropic-version is sent). */
export function anthropicDialect(models: readonly string[]): Dialect {
  const ids = [...models];
  const modelsBody = JSON.stringify({
    data: ids.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' })),
    has_more: false,
    first_id: ids[0] ?? null,
    last_id: ids[ids.length - 1] ?? null,
  });

  return {
    name: 'anthropic',
    baseHeaders: (requestId) => ({ 'request-id': requestId, 'x-request-id': requestId }),
    apiKey: (headers) => header(headers, 'x-api-key'),
    checkAuth(headers, validKeys) {
      const key = header(headers, 'x-api-key');
      if (key === undefined) return { status: 401, message: 'x-api-key header is required' };
      if (validKeys !== undefined && !validKeys.has(key)) return { status: 401, message: 'invalid x-api-key' };
      if (header(headers, 'anthropic-version') === undefined)
        return { status: 400, message: 'anthropic-version: header is required' };
      return undefined;
    },
    readRequest(body): RequestShape | Failure {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return { status: 400, message: 'Invalid JSON in request body' };
      const b = body as Record<string, unknown>;
      if (typeof b.model !== 'string' || b.model === '') return { status: 400, message: 'model: Field required' };
      if (typeof b.max_tokens !== 'number' || b.max_tokens < 1)
        return { status: 400, message: 'max_tokens: Field required' };
      if (!Array.isArray(b.messages)) return { status: 400, message: 'messages: Field required' };
      if (b.messages.length === 0) return { status: 400, message: 'messages: at least one message is required' };
      return {
        model: b.model,
        stream: b.stream === true,
        maxTokens: b.max_tokens,
        includeUsage: false,
        promptTokens: estimatePromptTokens(b.messages, b.system),
        lastUserText: lastUserText(b.messages) || contentText(b.system),
      };
    },
    errorBody(failure: Failure, requestId: string): string {
      const [type, message] = errorDefaults(failure.status);
      return JSON.stringify({
        type: 'error',
        error: { type, message: failure.message ?? message },
        request_id: requestId,
      });
    },
    streamPlan(gen: Generation, malformed: MalformedKind | null): StreamPlan {
      const start =
        `{"type":"message_start","message":{"id":"${gen.id}","type":"message","role":"assistant","model":${JSON.stringify(gen.model)},` +
        '"content":[],"stop_reason":null,"stop_sequence":null,' +
        `"usage":{"input_tokens":${gen.promptTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`;
      const delta = (t: string): string =>
        `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(t)}}}`;
      if (malformed === 'only-error-200') return { head: '', pre: STREAM_ERROR, tokens: [], tail: '' };
      const calls = gen.extras?.toolCalls ?? [];
      if (calls.length > 0 || (gen.extras?.reasoning.length ?? 0) > 0) {
        const stop = calls.length > 0 ? 'tool_use' : gen.truncated ? 'max_tokens' : 'end_turn';
        const out = gen.tokens.length + extraTokens(gen);
        const end =
          event(
            'message_delta',
            `{"type":"message_delta","delta":{"stop_reason":"${stop}","stop_sequence":null},"usage":{"output_tokens":${out}}}`,
          ) + (malformed !== 'no-done' ? event('message_stop', '{"type":"message_stop"}') : '');
        return finishPlan(
          {
            head: event('message_start', start) + event('ping', '{"type": "ping"}'),
            pre: '',
            tokens: blockFrames(gen, delta),
            tail: end,
          },
          malformed,
        );
      }

      let head =
        event('message_start', start) +
        event(
          'content_block_start',
          '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
        ) +
        event('ping', '{"type": "ping"}');
      const tokens = gen.tokens.map((t) => event('content_block_delta', delta(t)));
      const stopReason = gen.truncated ? 'max_tokens' : 'end_turn';
      let tail =
        event('content_block_stop', '{"type":"content_block_stop","index":0}') +
        event(
          'message_delta',
          `{"type":"message_delta","delta":{"stop_reason":"${stopReason}","stop_sequence":null},"usage":{"output_tokens":${gen.tokens.length}}}`,
        );
      if (malformed !== 'no-done') tail += event('message_stop', '{"type":"message_stop"}');

      if (malformed === 'bad-json') {
        if (tokens.length > 0) tokens[0] = event('content_block_delta', truncateJson(delta(gen.tokens[0])));
        else head = event('message_start', truncateJson(start)) + head.slice(event('message_start', start).length);
      } else if (malformed === 'error-event') {
        tokens.length = Math.floor(tokens.length / 2);
        tail = STREAM_ERROR;
      }
      return finishPlan({ head, pre: '', tokens, tail }, malformed);
    },
    completionBody(gen: Generation, malformed: MalformedKind | null): string {
      if (malformed === 'only-error-200' || malformed === 'error-event') {
        return '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
      }
      const stop = (gen.extras?.toolCalls.length ?? 0) > 0 ? 'tool_use' : gen.truncated ? 'max_tokens' : 'end_turn';
      const body =
        `{"id":"${gen.id}","type":"message","role":"assistant","model":${JSON.stringify(gen.model)},` +
        `"content":${JSON.stringify(contentBlocks(gen))},` +
        `"stop_reason":"${stop}","stop_sequence":null,` +
        `"usage":{"input_tokens":${gen.promptTokens},"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":${gen.tokens.length + extraTokens(gen)}}}`;
      return malformed === 'bad-json' ? truncateJson(body) : body;
    },
    modelsBody: () => modelsBody,
  };
}
