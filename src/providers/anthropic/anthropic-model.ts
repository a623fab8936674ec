// Anthropic Messages API adapter: request mapping (system, alternation) and SSE event parsing.

import { ParleyError } from '../../domain/index.js';
import type { CallOptions, ChatEvent, ChatMessage, ChatRequest, ErrorCode, FinishReason, Usage } from '../../domain/index.js';
import { eventsOfGroups, type ProviderModel } from '../provider-model.js';
import { SseEventReader } from '../sse-groups.js';
import {
  callHeaders,
  createUpstreamEndpoint,
  isJsonResponse,
  parseProviderJson,
  postUpstream,
  providerErrorDetail,
  readJsonBody,
  streamPayloadError,
  toParleyError,
  type UpstreamEndpointConfig,
} from '../upstream-http.js';

/** Settings of one Anthropic provider. */
export interface AnthropicModelConfig extends UpstreamEndpointConfig {
  id: string;
  /** Base URL without the version path, e.g. `https://api.anthropic.com`. */
  baseUrl: string;
  /** The `anthropic-version` header, e.g. `2023-06-01`. */
  anthropicVersion: string;
}

interface AnthropicUsage {
  input_tokens?: number;
  output_tokens?: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
}

interface AnthropicMessage {
  id?: string;
  model?: string;
  content?: { type?: string; text?: string }[];
  stop_reason?: string | null;
  usage?: AnthropicUsage;
}

interface AnthropicEvent {
  type?: string;
  message?: AnthropicMessage;
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: AnthropicUsage;
  error?: unknown;
}

/** Used when `params.maxTokens` is not set (Anthropic requires `max_tokens`). */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;
/** Inserted when a conversation does not start with a user turn (Anthropic requires it). */
export const CONVERSATION_CONTINUES = '(conversation continues)';

/** Maps Anthropic's `stop_reason` onto Parley's. */
export function mapAnthropicStopReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Input tokens including prompt-cache reads and writes (Anthropic reports them separately). */
function inputTokens(u: AnthropicUsage): number {
  return (u.input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0);
}

/**
 * Converts Parley messages to Anthropic's: system messages go to the top-level `system` field (joined
 * by a blank line); consecutive same-role turns are merged (blank line between) to respect the
 * alternation rule; if the first turn is not `user`, a user turn "(conversation continues)" is inserted.
 */
export function toAnthropicMessages(messages: ChatMessage[]): { system?: string; messages: { role: 'user' | 'assistant'; content: string }[] } {
  let system: string | undefined;
  const out: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const m of messages) {
    if (m.role === 'system') {
      system = system === undefined ? m.content : `${system}\n\n${m.content}`;
      continue;
    }
    const last = out[out.length - 1];
    if (last !== undefined && last.role === m.role) last.content = `${last.content}\n\n${m.content}`;
    else out.push({ role: m.role, content: m.content });
  }
  if (out.length === 0 || out[0].role !== 'user') out.unshift({ role: 'user', content: CONVERSATION_CONTINUES });
  return system === undefined ? { messages: out } : { system, messages: out };
}

/**
 * Serialises a ChatRequest as an Anthropic Messages body. `seed`, `presencePenalty` and
 * `frequencyPenalty` have no Anthropic equivalent and are dropped.
 */
export function buildAnthropicBody(request: ChatRequest): string {
  const p = request.params;
  const { system, messages } = toAnthropicMessages(request.messages);
  const body: Record<string, unknown> = {
    model: request.model,
    max_tokens: p.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS,
    messages,
  };
  if (system !== undefined) body.system = system;
  if (p.temperature !== undefined) body.temperature = p.temperature;
  if (p.topP !== undefined) body.top_p = p.topP;
  if (p.stop !== undefined && p.stop.length > 0) body.stop_sequences = p.stop;
  if (request.stream !== false) body.stream = true;
  return JSON.stringify(body);
}

function errorCodeForType(type: string | undefined): ErrorCode {
  if (type === 'overloaded_error') return 'upstream_overloaded';
  if (type === 'rate_limit_error') return 'upstream_rate_limited';
  return 'upstream_stream_error';
}

/** The ParleyError for an Anthropic `error` payload inside a 2xx answer. */
function anthropicStreamError(payload: unknown): ParleyError {
  return streamPayloadError(payload, errorCodeForType(providerErrorDetail(payload).type));
}

function startEvent(m: AnthropicMessage | undefined): ChatEvent {
  const ev: { type: 'start'; id?: string; model?: string } = { type: 'start' };
  if (typeof m?.id === 'string') ev.id = m.id;
  if (typeof m?.model === 'string') ev.model = m.model;
  return ev;
}

/** Events of a non-streamed Message. */
function* messageEvents(payload: unknown): Generator<ChatEvent> {
  if (typeof payload !== 'object' || payload === null || (payload as AnthropicEvent).type === 'error') {
    throw anthropicStreamError(payload);
  }
  const m = payload as AnthropicMessage;
  if (!Array.isArray(m.content)) throw new ParleyError('upstream_protocol', 'The provider answered without content');
  yield startEvent(m);
  for (const block of m.content) {
    if (block.type === 'text' && typeof block.text === 'string' && block.text.length > 0) {
      yield { type: 'text-delta', text: block.text };
    }
  }
  const finish: ChatEvent = { type: 'finish', finishReason: mapAnthropicStopReason(m.stop_reason) };
  if (m.usage) finish.usage = { inputTokens: inputTokens(m.usage), outputTokens: m.usage.output_tokens ?? 0 };
  yield finish;
}

/**
 * Creates an adapter for Anthropic's `POST {baseUrl}/v1/messages`.
 * Events: `message_start` → `start`; `text_delta` → `text-delta` (other deltas ignored);
 * `message_delta` carries the stop reason and output tokens; `message_stop` → `finish`; `ping` and
 * unknown events are ignored; an `error` event throws (`overloaded_error` → `upstream_overloaded`,
 * otherwise `upstream_stream_error`). A stream that ends before `message_stop` throws `upstream_stream_error`.
 */
export function createAnthropicModel(cfg: AnthropicModelConfig): ProviderModel {
  const { origin, path, dispatcher, baseHeaders, close, limits } = createUpstreamEndpoint(cfg, '/v1/messages', { 'anthropic-version': cfg.anthropicVersion });

  /** The events, grouped per network read (see ChatModel.streamGroups); `stream` flattens them. */
  async function* streamGroups(request: ChatRequest, options: CallOptions): AsyncGenerator<ChatEvent[]> {
    const { signal } = options;
    const headers = callHeaders(baseHeaders, 'x-api-key', '', options.credential?.secret, options.traceHeaders);
    const res = await postUpstream(dispatcher, origin, path, headers, buildAnthropicBody(request), signal);
    let completed = false;
    try {
      if (request.stream === false || isJsonResponse(res.headers)) {
        const payload = await readJsonBody(res.body, limits.maxBodyBytes);
        completed = true;
        yield [...messageEvents(payload)];
        return;
      }
      let started = false;
      let finishReason: FinishReason = 'other';
      const usage: Usage = { inputTokens: 0, outputTokens: 0 };
      let sawUsage = false;
      const reader = new SseEventReader((msg, out) => {
        const ev = parseProviderJson(msg.data) as AnthropicEvent;
        const kind = msg.event ?? ev.type;
        if (kind === 'ping') return false;
        if (kind === 'error' || ev.type === 'error') throw anthropicStreamError(ev);
        if (!started) {
          started = true;
          out.push(startEvent(ev.message));
        }
        if (kind === 'content_block_delta') {
          const d = ev.delta;
          if (d?.type === 'text_delta' && typeof d.text === 'string' && d.text.length > 0) out.push({ type: 'text-delta', text: d.text });
        } else if (kind === 'message_start') {
          const u = ev.message?.usage;
          if (u) {
            usage.inputTokens = inputTokens(u);
            usage.outputTokens = u.output_tokens ?? 0;
            sawUsage = true;
          }
        } else if (kind === 'message_delta') {
          if (ev.delta?.stop_reason) finishReason = mapAnthropicStopReason(ev.delta.stop_reason);
          const u = ev.usage;
          if (u) {
            if (u.output_tokens !== undefined) usage.outputTokens = u.output_tokens;
            if (u.input_tokens !== undefined) usage.inputTokens = inputTokens(u);
            sawUsage = true;
          }
        }
        return kind === 'message_stop';
      }, limits.maxEventChars);
      // The body is released in `finally` below (drained when complete, else aborted), never by this loop.
      const chunks = res.body.chunks();
      while (!reader.terminal) {
        const next = await chunks.next();
        for (const group of reader.groups(next.done === true ? undefined : next.value, signal)) yield group;
        if (next.done === true) break;
      }
      if (!reader.terminal) throw new ParleyError('upstream_stream_error', 'The provider stream ended before completion');
      completed = true;
      const finish: ChatEvent = { type: 'finish', finishReason };
      if (sawUsage) finish.usage = usage;
      yield [finish];
    } catch (err) {
      throw toParleyError(err, signal);
    } finally {
      res.body.release(completed);
    }
  }

  const stream = (request: ChatRequest, options: CallOptions): AsyncGenerator<ChatEvent> => eventsOfGroups(streamGroups(request, options), options.signal);

  return { provider: cfg.id, stream, streamGroups, close };
}
