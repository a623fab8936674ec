// The provider factory picks the adapter by type and passes the connection settings.

import { describe, expect, it } from 'vitest';
import type { ProviderConfig } from '../../src/config/types.js';
import { DEFAULT_RESILIENCE } from '../../src/domain/index.js';
import { createProviderModel } from '../../src/providers/factory.js';
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

describe('createProviderModel', () => {
  it.each(['openai', 'anthropic', 'demo'] as const)('creates a %s model named after the provider id', async (type) => {
    const model = createProviderModel({ ...base, id: `id-${type}`, type });
    expect(model.provider).toBe(`id-${type}`);
    await model.close();
  });

  it('the demo model answers offline', async () => {
    const model = createProviderModel(base);
    const { events, error } = await collect(model.stream({ model: 'x', messages: [{ role: 'user', content: 'hello' }], params: {} }, { signal: new AbortController().signal }));
    expect(error).toBeUndefined();
    expect(textOf(events)).toContain('"hello"');
  });

  it('an unknown type is refused', () => {
    expect(() => createProviderModel({ ...base, type: 'nope' as ProviderConfig['type'] })).toThrow(/Unknown provider type/);
  });
});
