// OpenAI (and OpenAI-compatible) Chat Completions adapter: request mapping and SSE stream parsing.

import { ParleyError } from '../../domain/index.js';
import type { ChatEvent, FinishReason, Usage } from '../../domain/index.js';
import {
  mapOpenAIFinishReason,
  mapUsage,
  OpenAIChoiceMapper,
  type OpenAIChoice,
  type OpenAIUsage,
} from './openai-events.js';
import { buildOpenAIBody } from './openai-request.js';
import type { ProviderModel } from '../provider-model.js';
import type { SseMessage } from '../sse-reader.js';
import { createUpstreamChatModel, incompleteStream, type SseAnswer } from '../upstream-stream.js';
import {
  callHeaders,
  createUpstreamEndpoint,
  parseProviderJson,
  streamPayloadError,
  type UpstreamEndpointConfig,
} from '../upstream-http.js';

/** Settings of one OpenAI-compatible provider. */
export interface OpenAIModelConfig extends UpstreamEndpointConfig {
  id: string;
  /** Base URL including the version path, e.g. `https://api.openai.com/v1`. */
  baseUrl: string;
}

interface OpenAIChunk {
  id?: string;
  model?: string;
  choices?: OpenAIChoice[];
  usage?: OpenAIUsage | null;
  error?: unknown;
}

export { buildOpenAIBody } from './openai-request.js';
export { mapOpenAIFinishReason } from './openai-events.js';

function hasError(payload: unknown): boolean {
  return typeof payload === 'object' && payload !== null && (payload as { error?: unknown }).error != null;
}

function startEvent(chunk: OpenAIChunk): ChatEvent {
  const ev: { type: 'start'; id?: string; model?: string } = { type: 'start' };
  if (typeof chunk.id === 'string') ev.id = chunk.id;
  if (typeof chunk.model === 'string') ev.model = chunk.model;
  return ev;
}

/** Events of a non-streamed chat completion. */
function completionEvents(payload: unknown): ChatEvent[] {
  if (hasError(payload) || typeof payload !== 'object' || payload === null) throw streamPayloadError(payload);
  const c = payload as OpenAIChunk;
  const choice = c.choices?.[0];
  if (choice === undefined) throw new ParleyError('upstream_protocol', 'The provider answered without choices');
  const events: ChatEvent[] = [startEvent(c)];
  const mapper = new OpenAIChoiceMapper();
  mapper.map(choice, events);
  mapper.end(events);
  const finish: ChatEvent = { type: 'finish', finishReason: mapOpenAIFinishReason(choice.finish_reason ?? 'stop') };
  if (c.usage) finish.usage = mapUsage(c.usage);
  events.push(finish);
  return events;
}

/** One streamed chat completion: `start` at the first chunk, choices mapped as they come, `finish` at the end. */
class OpenAIStreamAnswer implements SseAnswer {
  private started = false;
  private finishReason: FinishReason | undefined;
  private usage: Usage | undefined;
  private readonly mapper = new OpenAIChoiceMapper();

  message(msg: SseMessage, out: ChatEvent[]): boolean {
    if (msg.data === '[DONE]') return true;
    if (msg.event === 'error') throw streamPayloadError(safeParse(msg.data));
    const chunk = parseProviderJson(msg.data) as OpenAIChunk;
    if (hasError(chunk)) throw streamPayloadError(chunk);
    if (!this.started) {
      this.started = true;
      out.push(startEvent(chunk));
    }
    if (chunk.usage) this.usage = mapUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (choice !== undefined) {
      this.mapper.map(choice, out);
      if (choice.finish_reason) this.finishReason = mapOpenAIFinishReason(choice.finish_reason);
    }
    return false;
  }

  end(terminal: boolean): ChatEvent[] {
    if (!terminal && this.finishReason === undefined) throw incompleteStream();
    const finish: ChatEvent = { type: 'finish', finishReason: this.finishReason ?? 'other' };
    if (this.usage !== undefined) finish.usage = this.usage;
    const last: ChatEvent[] = this.started ? [] : [{ type: 'start' }];
    this.mapper.end(last);
    last.push(finish);
    return last;
  }
}

/**
 * Creates an adapter for OpenAI's `POST {baseUrl}/chat/completions`.
 * Event contract: `start` only once the first data message arrived (never on headers alone), no
 * empty deltas, exactly one `finish` (sent at `[DONE]`, so a usage chunk after `finish_reason` is
 * included). A stream that ends after a `finish_reason` but without `[DONE]` is accepted as complete;
 * one that ends with neither throws `upstream_stream_error`.
 */
export function createOpenAIModel(cfg: OpenAIModelConfig): ProviderModel {
  const endpoint = createUpstreamEndpoint(cfg, '/chat/completions');
  return createUpstreamChatModel(cfg.id, endpoint, {
    headers: (_request, options) =>
      callHeaders(endpoint.baseHeaders, 'authorization', 'Bearer ', options.credential?.secret, options.traceHeaders),
    body: buildOpenAIBody,
    jsonEvents: completionEvents,
    sseAnswer: () => new OpenAIStreamAnswer(),
  });
}

function safeParse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return { error: { message: data } };
  }
}
