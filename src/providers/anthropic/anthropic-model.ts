// Anthropic Messages API adapter: request mapping (system, alternation) and SSE event parsing.

import { ParleyError } from '../../domain/index.js';
import type { ChatEvent, ErrorCode, Usage } from '../../domain/index.js';
import {
  AnthropicBlockMapper,
  foldUsage,
  type AnthropicBlock,
  type AnthropicBlockDelta,
  type AnthropicUsage,
} from './anthropic-events.js';
import { buildAnthropicBody } from './anthropic-request.js';
import type { ProviderModel } from '../provider-model.js';
import type { SseMessage } from '../sse-reader.js';
import { createUpstreamChatModel, incompleteStream, type SseAnswer } from '../upstream-stream.js';
import {
  callHeaders,
  createUpstreamEndpoint,
  parseProviderJson,
  providerErrorDetail,
  streamPayloadError,
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

interface AnthropicMessage {
  id?: string;
  model?: string;
  content?: AnthropicBlock[];
  stop_reason?: string | null;
  stop_sequence?: string | null;
  usage?: AnthropicUsage;
}

interface AnthropicEvent {
  type?: string;
  index?: number;
  message?: AnthropicMessage;
  content_block?: AnthropicBlock;
  delta?: AnthropicBlockDelta & { stop_reason?: string | null; stop_sequence?: string | null };
  usage?: AnthropicUsage;
  error?: unknown;
}

export {
  ANTHROPIC_DEFAULT_MAX_TOKENS,
  CONVERSATION_CONTINUES,
  buildAnthropicBody,
  toAnthropicMessages,
} from './anthropic-request.js';
export { mapAnthropicStopReason } from './anthropic-events.js';

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
function messageEvents(payload: unknown): ChatEvent[] {
  if (typeof payload !== 'object' || payload === null || (payload as AnthropicEvent).type === 'error') {
    throw anthropicStreamError(payload);
  }
  const m = payload as AnthropicMessage;
  if (!Array.isArray(m.content)) throw new ParleyError('upstream_protocol', 'The provider answered without content');
  const events: ChatEvent[] = [startEvent(m)];
  const blocks = new AnthropicBlockMapper();
  blocks.whole(m.content, events);
  const finish: ChatEvent = { type: 'finish', finishReason: blocks.finishReason(m.stop_reason) };
  if (typeof m.stop_sequence === 'string') finish.stopSequence = m.stop_sequence;
  if (m.usage) {
    const usage: Usage = { inputTokens: 0, outputTokens: 0 };
    foldUsage(usage, m.usage);
    finish.usage = usage;
  }
  events.push(finish);
  return events;
}

/** One streamed Message: `start` at the first event, content blocks mapped as they come, `finish` at `message_stop`. */
class AnthropicStreamAnswer implements SseAnswer {
  private started = false;
  private stopReason: string | null | undefined;
  private stopSequence: string | undefined;
  private readonly blocks = new AnthropicBlockMapper();
  private readonly usage: Usage = { inputTokens: 0, outputTokens: 0 };
  private sawUsage = false;

  message(msg: SseMessage, out: ChatEvent[]): boolean {
    const ev = parseProviderJson(msg.data) as AnthropicEvent;
    const kind = msg.event ?? ev.type;
    if (kind === 'ping') return false;
    if (kind === 'error' || ev.type === 'error') throw anthropicStreamError(ev);
    if (!this.started) {
      this.started = true;
      out.push(startEvent(ev.message));
    }
    const index = ev.index ?? 0;
    if (kind === 'content_block_delta') {
      if (ev.delta) this.blocks.delta(index, ev.delta, out);
    } else if (kind === 'content_block_start') {
      if (ev.content_block) this.blocks.start(index, ev.content_block, out);
    } else if (kind === 'content_block_stop') {
      this.blocks.stop(index, out);
    } else if (kind === 'message_start') {
      const u = ev.message?.usage;
      if (u) this.addUsage(u);
    } else if (kind === 'message_delta') {
      if (ev.delta?.stop_reason) this.stopReason = ev.delta.stop_reason;
      if (typeof ev.delta?.stop_sequence === 'string') this.stopSequence = ev.delta.stop_sequence;
      if (ev.usage) this.addUsage(ev.usage);
    }
    return kind === 'message_stop';
  }

  end(terminal: boolean): ChatEvent[] {
    if (!terminal) throw incompleteStream();
    const finish: ChatEvent = {
      type: 'finish',
      finishReason: this.stopReason === undefined ? 'other' : this.blocks.finishReason(this.stopReason),
    };
    if (this.sawUsage) finish.usage = this.usage;
    if (this.stopSequence !== undefined) finish.stopSequence = this.stopSequence;
    return [finish];
  }

  private addUsage(u: AnthropicUsage): void {
    foldUsage(this.usage, u);
    this.sawUsage = true;
  }
}

/**
 * Creates an adapter for Anthropic's `POST {baseUrl}/v1/messages`.
 * Events: `message_start` → `start`; `text_delta` → `text-delta` (other deltas ignored);
 * `message_delta` carries the stop reason and output tokens; `message_stop` → `finish`; `ping` and
 * unknown events are ignored; an `error` event throws (`overloaded_error` → `upstream_overloaded`,
 * otherwise `upstream_stream_error`). A stream that ends before `message_stop` throws `upstream_stream_error`.
 */
export function createAnthropicModel(cfg: AnthropicModelConfig): ProviderModel {
  const endpoint = createUpstreamEndpoint(cfg, '/v1/messages', { 'anthropic-version': cfg.anthropicVersion });
  return createUpstreamChatModel(cfg.id, endpoint, {
    headers(request, options) {
      const headers = callHeaders(
        endpoint.baseHeaders,
        'x-api-key',
        '',
        options.credential?.secret,
        options.traceHeaders,
      );
      const betas = request.params.anthropicBetas;
      if (betas !== undefined && betas.length > 0) headers['anthropic-beta'] = betas.join(',');
      return headers;
    },
    body: buildAnthropicBody,
    jsonEvents: messageEvents,
    sseAnswer: () => new AnthropicStreamAnswer(),
  });
}
