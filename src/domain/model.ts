// The one model interface: every provider adapter and every route is a ChatModel (embeddings: an EmbeddingModel
// of the same shape). Lives in domain so that chat, routing and providers all depend on it, not on each other.

import type { CallOptions, ChatEvent, ChatRequest } from './chat.js';
import type { EmbeddingEvent, EmbeddingRequest } from './embeddings.js';

/**
 * Something that answers a request with a typed event stream, the shape the routing engine runs
 * (`buildRoute`): requests name their upstream `model`, events have a `type`, a stream
 * must end with `finish`, and failures are thrown from the iterator as ParleyError.
 */
export interface RoutableModel<Req extends { model: string }, Ev extends { type: string }> {
  /** Provider id used in logs and metric labels (for a fallback chain, the primary's). */
  readonly provider: string;
  stream(request: Req, options: CallOptions): AsyncIterable<Ev>;
  /**
   * Optional: the same events in groups, about one per network read, so a consumer pays one async step
   * per read instead of one per event (the routing engine uses it). Flattened, the groups must be exactly
   * what `stream` yields, including what precedes a failure; groups are never empty. An adapter may
   * close a group early (the HTTP adapters close one at the first content, for time to first token; see sse-groups.ts).
   */
  streamGroups?(request: Req, options: CallOptions): AsyncIterable<readonly Ev[]>;
}

/**
 * Something that answers a chat request with a typed event stream. Adapters (src/providers/) speak a wire
 * format; the routing engine (src/routing/) is one too, over a model's targets.
 * Failures are thrown from the iterator as ParleyError; a stream must end with `finish`.
 */
export type ChatModel = RoutableModel<ChatRequest, ChatEvent>;

/** Something that answers an embeddings request with one `finish` event carrying the vectors. */
export type EmbeddingModel = RoutableModel<EmbeddingRequest, EmbeddingEvent>;
