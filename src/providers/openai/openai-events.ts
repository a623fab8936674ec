// OpenAI chunks and completions to domain events: text, reasoning, tool calls by index, logprobs and usage details.

import type { ChatEvent, FinishReason, TokenLogprob, Usage } from '../../domain/index.js';

/** OpenAI's usage, with the details some targets report. */
export interface OpenAIUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
}

interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface WireLogprob {
  token?: string;
  logprob?: number;
  bytes?: number[] | null;
  top_logprobs?: { token?: string; logprob?: number; bytes?: number[] | null }[];
}

/** The part of a chunk's choice (or a completion's) this mapper reads. */
export interface OpenAIChoice {
  delta?: OpenAIMessageFields;
  message?: OpenAIMessageFields;
  finish_reason?: string | null;
  logprobs?: { content?: WireLogprob[] | null } | null;
}

interface OpenAIMessageFields {
  content?: string | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  tool_calls?: ToolCallDelta[] | null;
}

/** Maps OpenAI's `finish_reason` onto Parley's. */
export function mapOpenAIFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content-filter';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    default:
      return 'other';
  }
}

/** Parley's usage from OpenAI's (details only when the target reported a non-zero count). */
export function mapUsage(u: OpenAIUsage): Usage {
  const usage: Usage = { inputTokens: u.prompt_tokens ?? 0, outputTokens: u.completion_tokens ?? 0 };
  const cached = u.prompt_tokens_details?.cached_tokens;
  if (typeof cached === 'number' && cached > 0) usage.cachedInputTokens = cached;
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === 'number' && reasoning > 0) usage.reasoningTokens = reasoning;
  return usage;
}

function mapLogprobs(entries: WireLogprob[] | null | undefined): TokenLogprob[] | undefined {
  if (!Array.isArray(entries) || entries.length === 0) return undefined;
  return entries.map((e) => ({
    token: e.token ?? '',
    logprob: e.logprob ?? 0,
    bytes: e.bytes ?? null,
    topLogprobs: (e.top_logprobs ?? []).map((t) => ({
      token: t.token ?? '',
      logprob: t.logprob ?? 0,
      bytes: t.bytes ?? null,
    })),
  }));
}

interface OpenCall {
  id: string;
  name?: string;
  started: boolean;
  /** Whether any argument text arrived (a call without any gets `{}`). */
  hasArgs: boolean;
  /** Argument fragments that came before the name. */
  pending: string;
}

/**
 * Turns choices into events. Tool calls are keyed by OpenAI's `index`: the start is sent once the
 * call's name is known (arguments seen before it are held), fragments follow as they come, and every
 * open call ends when the answer finishes. Ids are passed through unchanged (made up only if absent).
 */
export class OpenAIChoiceMapper {
  private readonly calls = new Map<number, OpenCall>();

  /** Events of one streamed choice or one complete message. */
  map(choice: OpenAIChoice, out: ChatEvent[]): void {
    const m = choice.delta ?? choice.message;
    if (m !== undefined) {
      const reasoning = m.reasoning_content ?? m.reasoning;
      if (typeof reasoning === 'string' && reasoning.length > 0) out.push({ type: 'reasoning-delta', text: reasoning });
      const text = m.content;
      if (typeof text === 'string' && text.length > 0) {
        const logprobs = mapLogprobs(choice.logprobs?.content);
        out.push(logprobs === undefined ? { type: 'text-delta', text } : { type: 'text-delta', text, logprobs });
      }
      if (Array.isArray(m.tool_calls)) m.tool_calls.forEach((d, i) => this.toolDelta(d, i, out));
    }
  }

  private toolDelta(d: ToolCallDelta, position: number, out: ChatEvent[]): void {
    const index = typeof d.index === 'number' ? d.index : position;
    let call = this.calls.get(index);
    if (call === undefined) {
      call = {
        id: typeof d.id === 'string' && d.id !== '' ? d.id : `call_${index}`,
        started: false,
        hasArgs: false,
        pending: '',
      };
      this.calls.set(index, call);
    }
    if (call.name === undefined && typeof d.function?.name === 'string' && d.function.name !== '')
      call.name = d.function.name;
    const fragment = d.function?.arguments ?? '';
    if (!call.started && call.name !== undefined) {
      call.started = true;
      out.push({ type: 'tool-input-start', id: call.id, toolName: call.name });
      if (call.pending !== '') out.push({ type: 'tool-input-delta', id: call.id, delta: call.pending });
      call.pending = '';
    }
    if (fragment === '') return;
    call.hasArgs = true;
    if (call.started) out.push({ type: 'tool-input-delta', id: call.id, delta: fragment });
    else call.pending += fragment;
  }

  /** Ends every open call (at the end of the answer). */
  end(out: ChatEvent[]): void {
    for (const call of this.calls.values()) {
      if (!call.started) continue;
      if (!call.hasArgs) out.push({ type: 'tool-input-delta', id: call.id, delta: '{}' });
      out.push({ type: 'tool-input-end', id: call.id });
    }
    this.calls.clear();
  }
}
