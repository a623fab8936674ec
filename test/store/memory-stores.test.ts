import { describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../../src/store/memory/cache-store.js';
import { MemorySessionStore } from '../../src/store/memory/session-store.js';
import type { CachedAnswer } from '../../src/store/types.js';
import { sessionStoreConformance } from './session-store.cases.js';

sessionStoreConformance('memory', {
  make: async (clock) => new MemorySessionStore({ idleTtlMs: 1_000, clock: () => clock.now }),
});

const answer = (text: string): CachedAnswer => ({
  events: [{ type: 'text-delta', text }, { type: 'finish', finishReason: 'stop' }],
  provider: 'p',
  model: 'm',
  createdAt: 0,
});

describe('MemoryCacheStore', () => {
  it('expires entries after their TTL', async () => {
    const clock = { now: 0 };
    const cache = new MemoryCacheStore({ maxEntries: 10, clock: () => clock.now });
    await cache.set('k', answer('a'), { ttlMs: 100 });
    expect(await cache.get('k')).toBeDefined();
    clock.now = 100;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond the size bound', async () => {
    const cache = new MemoryCacheStore({ maxEntries: 2 });
    await cache.set('a', answer('a'), { ttlMs: 1_000 });
    await cache.set('b', answer('b'), { ttlMs: 1_000 });
    await cache.get('a');
    await cache.set('c', answer('c'), { ttlMs: 1_000 });
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBeDefined();
    expect(await cache.size()).toBe(2);
  });

  it('purges every entry carrying a tag', async () => {
    const cache = new MemoryCacheStore({ maxEntries: 10 });
    await cache.set('a', answer('a'), { ttlMs: 1_000, tags: ['session-1'] });
    await cache.set('b', answer('b'), { ttlMs: 1_000, tags: ['session-1'] });
    await cache.set('c', answer('c'), { ttlMs: 1_000, tags: ['session-2'] });
    expect(await cache.deleteByTag('session-1')).toBe(2);
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('c')).toBeDefined();
  });
});
