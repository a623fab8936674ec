// Builds the adapter for one configured provider (the only providers/ module that reads config types).

import type { ProviderConfig } from '../config/types.js';
import { createAnthropicModel } from './anthropic/anthropic-model.js';
import { createDemoModel } from './demo/demo-model.js';
import { createOpenAIModel } from './openai/openai-model.js';
import { createOpenAIEmbeddingsModel, type EmbeddingProviderModel } from './openai/openai-embeddings.js';
import type { ProviderModel } from './provider-model.js';
import { withAnswerCeiling } from './answer-ceiling.js';

/**
 * Creates the ChatModel adapter for `p` (connect timeout from `p.resilience.timeouts.connectMs`, pool size
 * `p.maxConnections`, answer limits from `p.limits`), cut past its answer ceiling (answer-ceiling.ts).
 */
export function createProviderModel(p: ProviderConfig): ProviderModel {
  const model = createAdapter(p);
  return p.type === 'demo' ? model : withAnswerCeiling(model, p.limits?.maxAnswerTokens);
}

function createAdapter(p: ProviderConfig): ProviderModel {
  const connectTimeoutMs = p.resilience.timeouts.connectMs;
  const limits = p.limits === undefined ? undefined : { maxEventChars: p.limits.maxEventChars, maxBodyBytes: p.limits.maxBodyBytes };
  switch (p.type) {
    case 'openai':
      return createOpenAIModel({ id: p.id, baseUrl: p.baseUrl, headers: p.headers, connectTimeoutMs, maxConnections: p.maxConnections, limits });
    case 'anthropic':
      return createAnthropicModel({
        id: p.id,
        baseUrl: p.baseUrl,
        headers: p.headers,
        anthropicVersion: p.anthropicVersion,
        connectTimeoutMs,
        maxConnections: p.maxConnections,
        limits,
      });
    case 'demo':
      return createDemoModel({ id: p.id });
    default: {
      const unknownType: never = p.type;
      throw new Error(`Unknown provider type: ${String(unknownType)}`);
    }
  }
}

/**
 * Creates the embeddings adapter for `p`, or undefined when its type has no embeddings API (Anthropic's
 * Messages API has none; the demo provider has none). Its own connection pool, sized like the chat one.
 */
export function createEmbeddingsModel(p: ProviderConfig): EmbeddingProviderModel | undefined {
  if (p.type !== 'openai') return undefined;
  const limits = p.limits === undefined ? undefined : { maxEventChars: p.limits.maxEventChars, maxBodyBytes: p.limits.maxBodyBytes };
  return createOpenAIEmbeddingsModel({ id: p.id, baseUrl: p.baseUrl, headers: p.headers, connectTimeoutMs: p.resilience.timeouts.connectMs, maxConnections: p.maxConnections, limits });
}
