// OpenAI Chat Completions wire format for the mock: chunks, completions, model list and error envelopes.

import type { IncomingHttpHeaders } from 'node:http';
import type { MalformedKind } from './scenario.js';
import { estimatePromptTokens, lastUserText } from './reply.js';
import { finishPlan, maskKey, truncateJson } from './wire.js';
import type { Dialect, Failure, Generation, RequestShape, StreamPlan } from './wire.js';

interface ErrorDefaults {
  type: string;
  code: string | null;
  message: string;
}

const ERRORS: Record<number, ErrorDefaults> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request (mock upstream).' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: {
    type: 'invalid_request_error',
    code: 'permission_denied',
    message: 'You are not allowed to sample from this model.',
  },
  404: {
    type: 'invalid_request_error',
    code: 'model_not_found',
    message: 'The model does not exist or you do not have access to it.',
  },
  408: { type: 'server_error', code: 'timeout', message: 'Request timed out.' },
  409: { type: 'server_error', code: null, message: 'Conflict: the request could not be processed, please retry.' },
  413: { type: 'invalid_request_error', code: 'request_too_large', message: 'Request too large.' },
  422: { type: 'invalid_request_error', code: null, message: 'Unprocessable request.' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests (mock upstream). Please try again later.',
  },
  500: {
    type: 'server_error',
    code: null,
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  502: { type: 'server_error', code: null, message: 'Bad gateway.' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
  504: { type: 'server_error', code: 'timeout', message: 'Gateway timeout.' },
  529: { type: 'server_error', code: 'overloaded', message: 'The server is overloaded, please try again later.' },
};

function defaultsFor(status: number): ErrorDefaults {
  return (
    ERRORS[status] ??
    (status >= 500
      ? { type: 'server_error', code: null, message: `Upstream error ${status} (mock upstream).` }
      : { type: 'invalid_request_error', code: null, message: `Request failed with status ${status} (mock upstream).` })
  );
}

const UNPARSEABLE =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library " +
  'correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)';

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const value = headers.authorization;
  if (typeof value !== 'string') return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(value.trim());
  return match === null ? undefined : match[1];
}

function usage(prompt: number, completion: number, reasoning = 0): string {
  return JSON.stringify({
    prompt_tokens: prompt,
    completion_tokens: completion + reasoning,
    total_tokens: prompt + completion + reasoning,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  });
}

/** Output tokens of a generation beside its text: tool argument fragments. */
function extraTokens(gen: Generation): number {
  return (gen.extras?.toolCalls ?? []).reduce((n, c) => n + c.fragments.length + 1, 0);
}

/** Reasoning frames (before the text) and tool-call frames (after it), OpenAI's streamed shape. */
function extraFrames(gen: Generation, frame: (delta: string) => string): { before: string[]; after: string[] } {
  const before = (gen.extras?.reasoning ?? []).map((t) => frame(`{"reasoning_content":${JSON.stringify(t)}}`));
  const after: string[] = [];
  (gen.extras?.toolCalls ?? []).forEach((call, index) => {
    after.push(
      frame(
        `{"tool_calls":[{"index":${index},"id":${JSON.stringify(call.id)},"type":"function","function":{"name":${JSON.stringify(call.name)},"arguments":""}}]}`,
      ),
    );
    for (const f of call.fragments)
      after.push(frame(`{"tool_calls":[{"index":${index},"function":{"arguments":${JSON.stringify(f)}}}]}`));
  });
  return { before, after };
}

/** Builds the OpenAI dialect; `models` are listed by GET /v1/models. */
export function openaiDialect(models: readonly string[]): Dialect {
  const created = 1_700_000_000;
  const modelsBody = JSON.stringify({
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created, owned_by: 'mock-upstream' })),
  });

  const errorBody = (failure: Failure): string => {
    const d = defaultsFor(failure.status);
    return JSON.stringify({
      error: {
        message: failure.message ?? d.message,
        type: d.type,
        param: failure.param ?? null,
        code: failure.code === undefined ? d.code : failure.code,
      },
    });
  };

  return {
    name: 'openai',
    baseHeaders: (requestId) => ({
      'x-request-id': requestId,
      'openai-version': '2020-10-01',
      'openai-processing-ms': '1',
    }),
    apiKey: bearer,
    checkAuth(headers, validKeys) {
      if (validKeys === undefined) return undefined;
      const key = bearer(headers);
      if (key === undefined) {
        return {
          status: 401,
          code: null,
          message:
            "You didn't provide an API key. You need to provide your API key in an Authorization " +
            'header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).',
        };
      }
      if (!validKeys.has(key)) return { status: 401, message: `Incorrect API key provided: ${maskKey(key)}.` };
      return undefined;
    },
    readRequest(body): RequestShape | Failure {
      if (typeof body !== 'object' || body === null || Array.isArray(body))
        return { status: 400, message: UNPARSEABLE };
      const b = body as Record<string, unknown>;
      if (typeof b.model !== 'string' || b.model === '')
        return { status: 400, message: 'you must provide a model parameter' };
      if (!Array.isArray(b.messages)) {
        return {
          status: 400,
          message: "Missing required parameter: 'messages'.",
          param: 'messages',
          code: 'missing_required_parameter',
        };
      }
      if (b.messages.length === 0) return { status: 400, message: "[] is too short - 'messages'", param: 'messages' };
      const limit = typeof b.max_completion_tokens === 'number' ? b.max_completion_tokens : b.max_tokens;
      const options = b.stream_options as { include_usage?: unknown } | null | undefined;
      return {
        model: b.model,
        stream: b.stream === true,
        maxTokens: typeof limit === 'number' && limit >= 0 ? limit : undefined,
        includeUsage: b.stream === true && options?.include_usage === true,
        promptTokens: estimatePromptTokens(b.messages),
        lastUserText: lastUserText(b.messages),
        ...(b.logprobs === true ? { logprobs: { top: typeof b.top_logprobs === 'number' ? b.top_logprobs : 0 } } : {}),
      };
    },
    errorBody,
    streamPlan(gen: Generation, malformed: MalformedKind | null): StreamPlan {
      const u = gen.includeUsage ? ',"usage":null' : '';
      const open =
        `{"id":"${gen.id}","object":"chat.completion.chunk","created":${gen.created},"model":${JSON.stringify(gen.model)},` +
        '"service_tier":"default","system_fingerprint":"fp_mock","choices":[';
      const roleChunk = `${open}{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]${u}}`;
      const tokenChunk = (t: string, i = 0): string =>
        `${open}{"index":0,"delta":{"content":${JSON.stringify(t)}},"logprobs":${gen.logprobs ? JSON.stringify({ content: [tokenLogprob(t, i, gen.logprobs.top)], refusal: null }) : 'null'},"finish_reason":null}]${u}}`;
      const calls = gen.extras?.toolCalls ?? [];
      const finishReason = calls.length > 0 ? 'tool_calls' : gen.truncated ? 'length' : 'stop';
      const extra = extraFrames(
        gen,
        (d) => `data: ${open}{"index":0,"delta":${d},"logprobs":null,"finish_reason":null}]${u}}\n\n`,
      );
      const reasoningCount = gen.extras?.reasoning.length ?? 0;
      const finishChunk = `${open}{"index":0,"delta":{},"logprobs":null,"finish_reason":"${finishReason}"}]${u}}`;
      const errorFrame = `data: ${errorBody({ status: 500, message: 'The server had an error while processing ' + 'your request (mid-stream, mock upstream).' })}\n\n`;

      const tokens = gen.tokens.map((t, i) => `data: ${tokenChunk(t, i)}\n\n`);
      if (extra.before.length + extra.after.length > 0)
        tokens.splice(0, tokens.length, ...extra.before, ...tokens, ...extra.after);
      let tail = `data: ${finishChunk}\n\n`;
      if (gen.includeUsage)
        tail += `data: ${open}]${`,"usage":${usage(gen.promptTokens, gen.tokens.length + extraTokens(gen), reasoningCount)}`}}\n\n`;
      if (malformed !== 'no-done') tail += 'data: [DONE]\n\n';
      let pre = `data: ${roleChunk}\n\n`;

      if (malformed === 'bad-json') {
        if (tokens.length > 0) tokens[0] = `data: ${truncateJson(tokenChunk(gen.tokens[0]))}\n\n`;
        else pre = `data: ${truncateJson(roleChunk)}\n\n`;
      } else if (malformed === 'error-event') {
        tokens.length = Math.floor(tokens.length / 2);
        tail = errorFrame;
      } else if (malformed === 'only-error-200') {
        return { head: '', pre: errorFrame, tokens: [], tail: '' };
      }
      return finishPlan({ head: '', pre, tokens, tail }, malformed);
    },
    completionBody(gen: Generation, malformed: MalformedKind | null): string {
      if (malformed === 'only-error-200' || malformed === 'error-event') return errorBody({ status: 500 });
      const calls = gen.extras?.toolCalls ?? [];
      const reasoning = gen.extras?.reasoning ?? [];
      const message: Record<string, unknown> = {
        role: 'assistant',
        content: calls.length > 0 ? null : gen.tokens.join(''),
        refusal: null,
        annotations: [],
      };
      if (calls.length > 0)
        message.tool_calls = calls.map((c) => ({
          id: c.id,
          type: 'function',
          function: { name: c.name, arguments: c.arguments },
        }));
      if (reasoning.length > 0) message.reasoning_content = reasoning.join('');
      const finish = calls.length > 0 ? 'tool_calls' : gen.truncated ? 'length' : 'stop';
      const body =
        `{"id":"${gen.id}","object":"chat.completion","created":${gen.created},"model":${JSON.stringify(gen.model)},` +
        `"choices":[{"index":0,"message":${JSON.stringify(message)},` +
        `"logprobs":${gen.logprobs && calls.length === 0 ? JSON.stringify({ content: gen.tokens.map((t, i) => tokenLogprob(t, i, gen.logprobs?.top ?? 0)), refusal: null }) : 'null'},"finish_reason":"${finish}"}],` +
        `"usage":${usage(gen.promptTokens, gen.tokens.length + extraTokens(gen), reasoning.length)},"service_tier":"default","system_fingerprint":"fp_mock"}`;
      return malformed === 'bad-json' ? truncateJson(body) : body;
    },
    modelsBody: () => modelsBody,
  };
}

/** A deterministic log probability for token `i` of a reply, with `top` alternatives (OpenAI's shape). */
function tokenLogprob(token: string, i: number, top: number): Record<string, unknown> {
  const logprob = -0.01 - (i % 7) / 10;
  const bytes = [...Buffer.from(token, 'utf8')];
  const alternatives = Array.from({ length: top }, (_, j) => ({
    token: j === 0 ? token : `${token}~${j}`,
    logprob: j === 0 ? logprob : logprob - j,
    bytes: j === 0 ? bytes : [...Buffer.from(`${token}~${j}`, 'utf8')],
  }));
  return { token, logprob, bytes, top_logprobs: alternatives };
}
