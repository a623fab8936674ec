// The one provider interface: every adapter and every routing wrapper is a ChatModel (embeddings: an EmbeddingModel of the same shape).

import type { CallOptions, ChatEvent, ChatRequest, EmbeddingEvent, EmbeddingRequest } from '../domain/index.js';

/**
 * Something that answers a request with a typed event stream, the shape the routing engine runs
 * (`fusedRoute`, `buildRoute`): requests name their upstream `model`, events have a `type`, a stream
 * must end with `finish`, and failures are thrown from the iterator as ParleyError.
 */
export interface RoutableModel<Req extends { model: string }, Ev extends { type: string }> {
  /** Provider id used in logs and metric labels (for a fallback chain, the primary's). */
  readonly provider: string;
  stream(request: Req, options: CallOptions): AsyncIterable<Ev>;
  /**
   * Optional: the same events in groups, about one per network read, so a consumer pays one async step
   * per read instead of one per event (the fused route uses it). Flattened, the groups must be exactly
   * what `stream` yields, including what precedes a failure; groups are never empty. An adapter may
   * close a group early (the HTTP adapters close one at the first content, for time to first token; see sse-groups.ts).
   */
  streamGroups?(request: Req, options: CallOptions): AsyncIterable<readonly Ev[]>;
}

/**
 * Something that answers a chat request with a typed event stream. Adapters speak a wire format;
 * wrappers (retry, timeout, breaker, key pool, fallback) take a ChatModel and return one.
 * Failures are thrown from the iterator as ParleyError; a stream must end with `finish`.
 */
export type ChatModel = RoutableModel<ChatRequest, ChatEvent>;

/** Something that answers an embeddings request with one `finish` event carrying the vectors. */
export type EmbeddingModel = RoutableModel<EmbeddingRequest, EmbeddingEvent>;

/** A policy that wraps a model, e.g. `withRetry(settings)`. */
export type ModelWrapper = (inner: ChatModel) => ChatModel;
