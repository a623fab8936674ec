// Builds the adapters of one configured provider (the only providers/ module that reads config types).

import type { ProviderConfig } from '../config/types.js';
import { createAnthropicModel } from './anthropic/anthropic-model.js';
import { createDemoModel } from './demo/demo-model.js';
import { createOpenAIModel } from './openai/openai-model.js';
import { createOpenAIEmbeddingsModel, type EmbeddingProviderModel } from './openai/openai-embeddings.js';
import type { ProviderModel } from './provider-model.js';
import { withAnswerCeiling } from './answer-ceiling.js';
import { createUpstreamAgent } from './upstream-http.js';

/** A provider's adapters: chat always, embeddings when its API has them. */
export interface ProviderAdapters {
  chat: ProviderModel;
  embeddings?: EmbeddingProviderModel;
}

/**
 * Creates the adapters for `p` over one keep-alive pool per provider (`p.maxConnections`, connect timeout from
 * `p.resilience.timeouts.connectMs`), answer limits from `p.limits`; chat is cut past its answer ceiling
 * (answer-ceiling.ts). Embeddings exist for OpenAI-compatible providers only (Anthropic's Messages API and the
 * demo provider have none). Closing the chat adapter closes the pool.
 */
export function createProviderAdapters(p: ProviderConfig): ProviderAdapters {
  if (p.type === 'demo') return { chat: createDemoModel({ id: p.id }) };
  if (p.type !== 'openai' && p.type !== 'anthropic') {
    const unknownType: never = p.type;
    throw new Error(`Unknown provider type: ${String(unknownType)}`);
  }
  const connectTimeoutMs = p.resilience.timeouts.connectMs;
  const pool = createUpstreamAgent({ connectTimeoutMs, maxConnections: p.maxConnections });
  const endpoint = {
    id: p.id,
    baseUrl: p.baseUrl,
    headers: p.headers,
    connectTimeoutMs,
    maxConnections: p.maxConnections,
    dispatcher: pool,
    limits:
      p.limits === undefined
        ? undefined
        : { maxEventChars: p.limits.maxEventChars, maxBodyBytes: p.limits.maxBodyBytes },
  };
  const inner =
    p.type === 'openai'
      ? createOpenAIModel(endpoint)
      : createAnthropicModel({ ...endpoint, anthropicVersion: p.anthropicVersion });
  const chat = withAnswerCeiling(inner, p.limits?.maxAnswerTokens);
  const adapters: ProviderAdapters = { chat: { ...chat, close: () => pool.close() } };
  if (p.type === 'openai') adapters.embeddings = createOpenAIEmbeddingsModel(endpoint);
  return adapters;
}
