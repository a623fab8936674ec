// OpenAI wire format at the edge: request bodies to domain messages, events to chunks and completions.

import { ParleyError } from '../domain/index.js';
import type { ChatMessage, ChatParams, FinishReason, Usage } from '../domain/index.js';
import type { ChatCompletionBody } from './schemas.js';

const FINISH: Record<FinishReason, string> = {
  stop: 'stop',
  length: 'length',
  'content-filter': 'content_filter',
  'tool-calls': 'tool_calls',
  other: 'stop',
};

/** OpenAI's `finish_reason` for ours. */
export function openAIFinishReason(reason: FinishReason | undefined): string {
  return FINISH[reason ?? 'stop'];
}

/** Request messages as domain messages (`developer` is treated as `system`, text parts are joined). */
export function toDomainMessages(messages: ChatCompletionBody['messages']): ChatMessage[] {
  return messages.map((m, i) => {
    let content: string;
    if (typeof m.content === 'string') content = m.content;
    else if (m.content === null) content = '';
    else content = m.content.map((part) => part.text).join('');
    if (m.content !== null && typeof m.content !== 'string' && m.content.some((p) => p.type !== 'text')) {
      throw new ParleyError('invalid_request', `messages.${i}.content has a part that is not text; only text is supported.`, { param: `messages.${i}.content` });
    }
    return { role: m.role === 'developer' ? 'system' : m.role, content };
  });
}

/** Sampling parameters from the request body (nulls mean "not set"). */
export function toParams(body: ChatCompletionBody): ChatParams {
  const params: ChatParams = {};
  if (body.temperature != null) params.temperature = body.temperature;
  if (body.top_p != null) params.topP = body.top_p;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) params.maxTokens = maxTokens;
  if (body.stop != null) params.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.seed != null) params.seed = body.seed;
  if (body.presence_penalty != null) params.presencePenalty = body.presence_penalty;
  if (body.frequency_penalty != null) params.frequencyPenalty = body.frequency_penalty;
  return params;
}

/** OpenAI's usage object. */
export function openAIUsage(usage: Usage | undefined): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  const input = usage?.inputTokens ?? 0;
  const output = usage?.outputTokens ?? 0;
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

/**
 * Serialises `chat.completion.chunk` frames. The constant part of every chunk is built once per
 * stream, so each token costs one JSON.stringify of its text.
 */
export class ChunkWriter {
  private readonly head: string;
  private readonly usageField: string;

  constructor(id: string, model: string, created: number, includeUsage: boolean) {
    this.head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":`;
    this.usageField = includeUsage ? ',"usage":null' : '';
  }

  role(): string {
    return `${this.head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${this.usageField}}`;
  }

  delta(text: string): string {
    return `${this.head}[{"index":0,"delta":{"content":${JSON.stringify(text)}},"logprobs":null,"finish_reason":null}]${this.usageField}}`;
  }

  finish(reason: FinishReason | undefined): string {
    return `${this.head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${openAIFinishReason(reason)}"}]${this.usageField}}`;
  }

  usage(usage: Usage | undefined): string {
    return `${this.head}[],"usage":${JSON.stringify(openAIUsage(usage))}}`;
  }
}
