// Provider-side names of the domain's model interface (src/domain/model.ts).

export type { ChatModel, EmbeddingModel, RoutableModel } from '../domain/index.js';
import type { ChatModel } from '../domain/index.js';

/** A policy that wraps a model, e.g. `withRetry(settings)`. */
export type ModelWrapper = (inner: ChatModel) => ChatModel;
