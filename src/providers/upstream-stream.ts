// The stream skeleton the HTTP chat adapters share: one POST, a JSON or SSE answer as event groups, release and errors.

import { ParleyError } from '../domain/index.js';
import type { CallOptions, ChatEvent, ChatRequest } from '../domain/index.js';
import { eventsOfGroups, type ProviderModel } from './provider-model.js';
import { SseEventReader, type SseMessageHandler } from './sse-groups.js';
import { isJsonResponse, postUpstream, readJsonAnswer, toParleyError, type UpstreamEndpoint } from './upstream-http.js';

/** One SSE answer's own state, fresh per call: what each message maps to (`message`), and how the stream ends. */
export interface SseAnswer extends SseMessageHandler {
  /**
   * The last events, once the stream stopped (`terminal`: at its terminal message; otherwise the body ended).
   * Throws (`incompleteStream()`) when the answer is not complete; never returns an empty list.
   */
  end(terminal: boolean): ChatEvent[];
}

/** What one provider's chat adapter adds to the skeleton. */
export interface UpstreamChatProtocol {
  /** The call's headers: the endpoint's, the credential, trace context and what the request adds. */
  headers(request: ChatRequest, options: CallOptions): Record<string, string>;
  /** The JSON request body. */
  body(request: ChatRequest): string;
  /** The events of a JSON (non-streamed) answer; throws on an error payload. */
  jsonEvents(payload: unknown): ChatEvent[];
  /** A fresh state for one SSE answer. */
  sseAnswer(): SseAnswer;
}

/** The error of a stream that stopped before its answer was complete. */
export function incompleteStream(): ParleyError {
  return new ParleyError('upstream_stream_error', 'The provider stream ended before completion');
}

/**
 * A chat adapter from its protocol: `streamGroups` yields the events grouped per network read (see
 * ChatModel.streamGroups), and `stream` flattens them.
 */
export function createUpstreamChatModel(
  provider: string,
  endpoint: UpstreamEndpoint,
  protocol: UpstreamChatProtocol,
): ProviderModel {
  const streamGroups = (request: ChatRequest, options: CallOptions): AsyncGenerator<ChatEvent[]> =>
    upstreamEventGroups(endpoint, protocol, request, options);
  const stream = (request: ChatRequest, options: CallOptions): AsyncGenerator<ChatEvent> =>
    eventsOfGroups(streamGroups(request, options), options.signal);
  return { provider, stream, streamGroups, close: endpoint.close };
}

/**
 * One call: a JSON answer (asked for with `stream: false`, or sent as JSON anyway) is one group; an SSE
 * answer is read until its terminal message or its end, one group per read (SseEventReader), then `end`.
 * Failures are thrown as `toParleyError` gives them; the body is drained when the answer completed, else
 * aborted (closing the connection), also when the caller stops early.
 */
async function* upstreamEventGroups(
  endpoint: UpstreamEndpoint,
  protocol: UpstreamChatProtocol,
  request: ChatRequest,
  options: CallOptions,
): AsyncGenerator<ChatEvent[]> {
  const { signal } = options;
  const { limits } = endpoint;
  const res = await postUpstream(
    endpoint.dispatcher,
    endpoint.origin,
    endpoint.path,
    protocol.headers(request, options),
    protocol.body(request),
    signal,
  );
  if (request.stream === false || isJsonResponse(res.headers)) {
    yield await readJsonAnswer(res, limits.maxBodyBytes, signal, protocol.jsonEvents);
    return;
  }
  let completed = false;
  try {
    const answer = protocol.sseAnswer();
    const reader = new SseEventReader(answer, limits.maxEventChars);
    // The body is released in `finally` below (drained when complete, else aborted), never by this loop.
    const chunks = res.body.chunks();
    while (!reader.terminal) {
      const next = await chunks.next();
      for (const group of reader.groups(next.done === true ? undefined : next.value, signal)) yield group;
      if (next.done === true) break;
    }
    const last = answer.end(reader.terminal);
    completed = true;
    yield last;
  } catch (err) {
    throw toParleyError(err, signal);
  } finally {
    res.body.release(completed);
  }
}
