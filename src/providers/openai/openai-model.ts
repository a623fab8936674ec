// OpenAI (and OpenAI-compatible) Chat Completions adapter: request mapping and SSE stream parsing.

import { ParleyError } from '../../domain/index.js';
import type { CallOptions, ChatEvent, ChatRequest, FinishReason, Usage } from '../../domain/index.js';
import { mapOpenAIFinishReason, mapUsage, OpenAIChoiceMapper, type OpenAIChoice, type OpenAIUsage } from './openai-events.js';
import { buildOpenAIBody } from './openai-request.js';
import { eventsOfGroups, type ProviderModel } from '../provider-model.js';
import { SseEventReader } from '../sse-groups.js';
import {
  callHeaders,
  createUpstreamEndpoint,
  isJsonResponse,
  parseProviderJson,
  postUpstream,
  readJsonBody,
  streamPayloadError,
  toParleyError,
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
function* completionEvents(payload: unknown): Generator<ChatEvent> {
  if (hasError(payload) || typeof payload !== 'object' || payload === null) throw streamPayloadError(payload);
  const c = payload as OpenAIChunk;
  const choice = c.choices?.[0];
  if (choice === undefined) throw new ParleyError('upstream_protocol', 'The provider answered without choices');
  yield startEvent(c);
  const events: ChatEvent[] = [];
  const mapper = new OpenAIChoiceMapper();
  mapper.map(choice, events);
  mapper.end(events);
  yield* events;
  const finish: ChatEvent = { type: 'finish', finishReason: mapOpenAIFinishReason(choice.finish_reason ?? 'stop') };
  if (c.usage) finish.usage = mapUsage(c.usage);
  yield finish;
}

/**
 * Creates an adapter for OpenAI's `POST {baseUrl}/chat/completions`.
 * Event contract: `start` only once the first data message arrived (never on headers alone), no
 * empty deltas, exactly one `finish` (sent at `[DONE]`, so a usage chunk after `finish_reason` is
 * included). A stream that ends after a `finish_reason` but without `[DONE]` is accepted as complete;
 * one that ends with neither throws `upstream_stream_error`.
 */
export function createOpenAIModel(cfg: OpenAIModelConfig): ProviderModel {
  const { origin, path, dispatcher, baseHeaders, close, limits } = createUpstreamEndpoint(cfg, '/chat/completions');

  /** The events, grouped per network read (see ChatModel.streamGroups); `stream` flattens them. */
  async function* streamGroups(request: ChatRequest, options: CallOptions): AsyncGenerator<ChatEvent[]> {
    const { signal } = options;
    const headers = callHeaders(baseHeaders, 'authorization', 'Bearer ', options.credential?.secret, options.traceHeaders);
    const res = await postUpstream(dispatcher, origin, path, headers, buildOpenAIBody(request), signal);
    let completed = false;
    try {
      if (request.stream === false || isJsonResponse(res.headers)) {
        const payload = await readJsonBody(res.body, limits.maxBodyBytes);
        completed = true;
        yield [...completionEvents(payload)];
        return;
      }
      let started = false;
      let finishReason: FinishReason | undefined;
      let usage: Usage | undefined;
      const mapper = new OpenAIChoiceMapper();
      const reader = new SseEventReader((msg, out) => {
        if (msg.data === '[DONE]') return true;
        if (msg.event === 'error') throw streamPayloadError(safeParse(msg.data));
        const chunk = parseProviderJson(msg.data) as OpenAIChunk;
        if (hasError(chunk)) throw streamPayloadError(chunk);
        if (!started) {
          started = true;
          out.push(startEvent(chunk));
        }
        if (chunk.usage) usage = mapUsage(chunk.usage);
        const choice = chunk.choices?.[0];
        if (choice !== undefined) {
          mapper.map(choice, out);
          if (choice.finish_reason) finishReason = mapOpenAIFinishReason(choice.finish_reason);
        }
        return false;
      }, limits.maxEventChars);
      // The body is released in `finally` below (drained when complete, else aborted), never by this loop.
      const chunks = res.body.chunks();
      while (!reader.terminal) {
        const next = await chunks.next();
        for (const group of reader.groups(next.done === true ? undefined : next.value, signal)) yield group;
        if (next.done === true) break;
      }
      if (!reader.terminal && finishReason === undefined) {
        throw new ParleyError('upstream_stream_error', 'The provider stream ended before completion');
      }
      completed = true;
      const finish: ChatEvent = { type: 'finish', finishReason: finishReason ?? 'other' };
      if (usage !== undefined) finish.usage = usage;
      const last: ChatEvent[] = started ? [] : [{ type: 'start' }];
      mapper.end(last);
      last.push(finish);
      yield last;
    } catch (err) {
      throw toParleyError(err, signal);
    } finally {
      res.body.release(completed);
    }
  }

  const stream = (request: ChatRequest, options: CallOptions): AsyncGenerator<ChatEvent> => eventsOfGroups(streamGroups(request, options), options.signal);

  return { provider: cfg.id, stream, streamGroups, close };
}

function safeParse(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return { error: { message: data } };
  }
}
