// The provider factory picks the adapters by type and passes the connection settings; chat and embeddings share a pool.

import { describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../../src/config/types.js';
import { DEFAULT_RESILIENCE } from '../../src/domain/index.js';
import { createProviderAdapters } from '../../src/providers/factory.js';
import { collect, textOf } from './replay-server.js';

const base: ProviderConfig = {
  id: 'p',
  type: 'demo',
  baseUrl: 'http://127.0.0.1:1/v1',
  apiKeys: [],
  headers: {},
  anthropicVersion: '2023-06-01',
  maxConnections: 2,
  resilience: DEFAULT_RESILIENCE,
};

describe('createProviderAdapters', () => {
  it.each(['openai', 'anthropic', 'demo'] as const)('creates a %s model named after the provider id', async (type) => {
    const { chat, embeddings } = createProviderAdapters({ ...base, id: `id-${type}`, type });
    expect(chat.provider).toBe(`id-${type}`);
    expect(embeddings?.provider).toBe(type === 'openai' ? `id-${type}` : undefined);
    await chat.close();
    await embeddings?.close();
  });

  it('the demo model answers offline', async () => {
    const model = createProviderAdapters(base).chat;
    const { events, error } = await collect(
      model.stream(
        { model: 'x', messages: [{ role: 'user', content: 'hello' }], params: {} },
        { signal: new AbortController().signal },
      ),
    );
    expect(error).toBeUndefined();
    expect(textOf(events)).toContain('"hello"');
  });

  it('an unknown type is refused', () => {
    expect(() => createProviderAdapters({ ...base, type: 'nope' as ProviderConfig['type'] })).toThrow(
      /Unknown provider type/,
    );
  });
});
