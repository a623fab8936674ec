// Anthropic Messages API adapter: request mapping (system, alternation) and SSE event parsing.

import { ParleyError } from '../../domain/index.js';
import type { CallOptions, ChatEvent, ChatRequest, ErrorCode, Usage } from '../../domain/index.js';
import { AnthropicBlockMapper, foldUsage, type AnthropicBlock, type AnthropicBlockDelta, type AnthropicUsage } from './anthropic-events.js';
import { buildAnthropicBody } from './anthropic-request.js';
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

export { ANTHROPIC_DEFAULT_MAX_TOKENS, CONVERSATION_CONTINUES, buildAnthropicBody, toAnthropicMessages } from './anthropic-request.js';
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
function* messageEvents(payload: unknown): Generator<ChatEvent> {
  if (typeof payload !== 'object' || payload === null || (payload as AnthropicEvent).type === 'error') {
    throw anthropicStreamError(payload);
  }
  const m = payload as AnthropicMessage;
  if (!Array.isArray(m.content)) throw new ParleyError('upstream_protocol', 'The provider answered without content');
  yield startEvent(m);
  const events: ChatEvent[] = [];
  const blocks = new AnthropicBlockMapper();
  blocks.whole(m.content, events);
  yield* events;
  const finish: ChatEvent = { type: 'finish', finishReason: blocks.finishReason(m.stop_reason) };
  if (typeof m.stop_sequence === 'string') finish.stopSequence = m.stop_sequence;
  if (m.usage) {
    const usage: Usage = { inputTokens: 0, outputTokens: 0 };
    foldUsage(usage, m.usage);
    finish.usage = usage;
  }
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
    const betas = request.params.anthropicBetas;
    if (betas !== undefined && betas.length > 0) headers['anthropic-beta'] = betas.join(',');
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
      let stopReason: string | null | undefined;
      let stopSequence: string | undefined;
      const blocks = new AnthropicBlockMapper();
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
        const index = ev.index ?? 0;
        if (kind === 'content_block_delta') {
          if (ev.delta) blocks.delta(index, ev.delta, out);
        } else if (kind === 'content_block_start') {
          if (ev.content_block) blocks.start(index, ev.content_block, out);
        } else if (kind === 'content_block_stop') {
          blocks.stop(index, out);
        } else if (kind === 'message_start') {
          const u = ev.message?.usage;
          if (u) {
            foldUsage(usage, u);
            sawUsage = true;
          }
        } else if (kind === 'message_delta') {
          if (ev.delta?.stop_reason) stopReason = ev.delta.stop_reason;
          if (typeof ev.delta?.stop_sequence === 'string') stopSequence = ev.delta.stop_sequence;
          if (ev.usage) {
            foldUsage(usage, ev.usage);
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
      const finish: ChatEvent = { type: 'finish', finishReason: stopReason === undefined ? 'other' : blocks.finishReason(stopReason) };
      if (sawUsage) finish.usage = usage;
      if (stopSequence !== undefined) finish.stopSequence = stopSequence;
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
