// Builds the adapter for one configured provider (the only providers/ module that reads config types).

import type { ProviderConfig } from '../config/types.js';
import { createAnthropicModel } from './anthropic/anthropic-model.js';
import { createDemoModel } from './demo/demo-model.js';
import { createOpenAIModel } from './openai/openai-model.js';
import type { ProviderModel } from './provider-model.js';

/** Creates the ChatModel adapter for `p` (connect timeout from `p.resilience.timeouts.connectMs`, pool size `p.maxConnections`). */
export function createProviderModel(p: ProviderConfig): ProviderModel {
  const connectTimeoutMs = p.resilience.timeouts.connectMs;
  switch (p.type) {
    case 'openai':
      return createOpenAIModel({ id: p.id, baseUrl: p.baseUrl, headers: p.headers, connectTimeoutMs, maxConnections: p.maxConnections });
    case 'anthropic':
      return createAnthropicModel({
        id: p.id,
        baseUrl: p.baseUrl,
        headers: p.headers,
        anthropicVersion: p.anthropicVersion,
        connectTimeoutMs,
        maxConnections: p.maxConnections,
      });
    case 'demo':
      return createDemoModel({ id: p.id });
    default: {
      const unknownType: never = p.type;
      throw new Error(`Unknown provider type: ${String(unknownType)}`);
    }
  }
}
