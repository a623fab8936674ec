// OpenAI wire format at the edge: events to chat.completion.chunk frames and to one chat.completion.

import type { ChatEvent, FinishReason, TokenLogprob, ToolCall, Usage } from '../domain/index.js';

export { toDomainMessages, toParams } from './openai-request.js';

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

/** OpenAI's usage object; the details appear only when the target reported them. */
export interface OpenAIUsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_creation_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

/** OpenAI's usage object. */
export function openAIUsage(usage: Usage | undefined): OpenAIUsageBody {
  const input = usage?.inputTokens ?? 0;
  const output = usage?.outputTokens ?? 0;
  const out: OpenAIUsageBody = { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
  if (usage?.cachedInputTokens !== undefined || usage?.cacheWriteTokens !== undefined) {
    out.prompt_tokens_details = { cached_tokens: usage.cachedInputTokens ?? 0 };
    if (usage.cacheWriteTokens !== undefined) out.prompt_tokens_details.cache_creation_tokens = usage.cacheWriteTokens;
  }
  if (usage?.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return out;
}

/** OpenAI's logprob entries. */
export function openAILogprobs(entries: readonly TokenLogprob[]): unknown[] {
  return entries.map((e) => ({
    token: e.token,
    logprob: e.logprob,
    bytes: e.bytes ?? null,
    top_logprobs: (e.topLogprobs ?? []).map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes ?? null })),
  }));
}

/**
 * Serialises `chat.completion.chunk` frames. The constant part of every chunk is built once per
 * stream, so each token costs one JSON.stringify of its text. Tool calls are numbered (`index`) in
 * the order they start; the first frame of a call carries its id, type and name with empty arguments.
 */
export class ChunkWriter {
  private readonly head: string;
  private readonly usageField: string;
  private readonly toolIndex = new Map<string, number>();

  constructor(id: string, model: string, created: number, includeUsage: boolean) {
    this.head = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model)},"system_fingerprint":null,"choices":`;
    this.usageField = includeUsage ? ',"usage":null' : '';
  }

  private frame(delta: string, logprobs = 'null'): string {
    return `${this.head}[{"index":0,"delta":${delta},"logprobs":${logprobs},"finish_reason":null}]${this.usageField}}`;
  }

  role(): string {
    return this.frame('{"role":"assistant","content":""}');
  }

  delta(text: string, logprobs?: readonly TokenLogprob[]): string {
    const lp =
      logprobs === undefined ? undefined : `{"content":${JSON.stringify(openAILogprobs(logprobs))},"refusal":null}`;
    return this.frame(`{"content":${JSON.stringify(text)}}`, lp);
  }

  /** Reasoning text, in the `reasoning_content` field the openai-compatible ecosystem reads. */
  reasoning(text: string): string {
    return this.frame(`{"reasoning_content":${JSON.stringify(text)}}`);
  }

  toolStart(id: string, name: string): string {
    const index = this.toolIndex.size;
    this.toolIndex.set(id, index);
    return this.frame(
      `{"tool_calls":[{"index":${index},"id":${JSON.stringify(id)},"type":"function","function":{"name":${JSON.stringify(name)},"arguments":""}}]}`,
    );
  }

  toolDelta(id: string, fragment: string): string {
    return this.frame(
      `{"tool_calls":[{"index":${this.toolIndex.get(id) ?? 0},"function":{"arguments":${JSON.stringify(fragment)}}}]}`,
    );
  }

  finish(reason: FinishReason | undefined): string {
    return `${this.head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${openAIFinishReason(reason)}"}]${this.usageField}}`;
  }

  usage(usage: Usage | undefined): string {
    return `${this.head}[],"usage":${JSON.stringify(openAIUsage(usage))}}`;
  }
}

/** The message of a non-streamed completion, gathered from the events. */
export class CompletionCollector {
  private text = '';
  private reasoning = '';
  private readonly calls: ToolCall[] = [];
  private readonly byId = new Map<string, ToolCall>();
  private logprobs: TokenLogprob[] | undefined;

  add(event: ChatEvent): void {
    switch (event.type) {
      case 'text-delta':
        this.text += event.text;
        if (event.logprobs !== undefined) (this.logprobs ??= []).push(...event.logprobs);
        break;
      case 'reasoning-delta':
        this.reasoning += event.text;
        break;
      case 'tool-input-start': {
        const call = { id: event.id, name: event.toolName, arguments: '' };
        this.calls.push(call);
        this.byId.set(event.id, call);
        break;
      }
      case 'tool-input-delta': {
        const call = this.byId.get(event.id);
        if (call) call.arguments += event.delta;
        break;
      }
      default:
        break;
    }
  }

  /** OpenAI's `choices[0].message` and `logprobs`. */
  message(): { message: Record<string, unknown>; logprobs: { content: unknown[]; refusal: null } | null } {
    const hasCalls = this.calls.length > 0;
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: hasCalls && this.text === '' ? null : this.text,
      refusal: null,
    };
    if (hasCalls)
      message.tool_calls = this.calls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      }));
    if (this.reasoning !== '') message.reasoning_content = this.reasoning;
    const logprobs =
      this.logprobs === undefined ? null : { content: openAILogprobs(this.logprobs), refusal: null as null };
    return { message, logprobs };
  }
}
