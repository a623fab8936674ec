// One CacheStore conformance suite, run against every backend (memory and Redis).

import { describe, expect, it } from 'vitest';
import type { CacheStore, CachedAnswer } from '../../src/store/types.js';

export interface CacheStoreHarness {
  /** A fresh, empty cache bounded to `maxEntries`, on a clock the test controls. */
  make(clock: { now: number }, maxEntries: number): Promise<CacheStore>;
  /** A second handle on the same data, as another replica would hold it. */
  twin(store: CacheStore, clock: { now: number }, maxEntries: number): Promise<CacheStore>;
}

export const answer = (text: string): CachedAnswer => ({
  events: [
    { type: 'text-delta', text },
    { type: 'finish', finishReason: 'stop' },
  ],
  provider: 'p',
  model: 'm',
  createdAt: 0,
});

export function cacheStoreConformance(name: string, harness: CacheStoreHarness): void {
  describe(`CacheStore conformance: ${name}`, () => {
    it('stores and returns an answer', async () => {
      const cache = await harness.make({ now: 0 }, 10);
      await cache.set('k', answer('hello'), { ttlMs: 1_000 });
      expect(await cache.get('k')).toEqual(answer('hello'));
      expect(await cache.get('other')).toBeUndefined();
    });

    it('expires entries after their TTL', async () => {
      const clock = { now: 0 };
      const cache = await harness.make(clock, 10);
      await cache.set('k', answer('a'), { ttlMs: 100 });
      expect(await cache.get('k')).toBeDefined();
      clock.now = 100;
      expect(await cache.get('k')).toBeUndefined();
    });

    it('evicts the least recently used entry beyond the size bound', async () => {
      const clock = { now: 0 };
      const cache = await harness.make(clock, 2);
      await cache.set('a', answer('a'), { ttlMs: 1_000 });
      clock.now = 1;
      await cache.set('b', answer('b'), { ttlMs: 1_000 });
      clock.now = 2;
      await cache.get('a');
      clock.now = 3;
      await cache.set('c', answer('c'), { ttlMs: 1_000 });
      expect(await cache.get('b')).toBeUndefined();
      expect(await cache.get('a')).toBeDefined();
      expect(await cache.size()).toBe(2);
    });

    it('purges every entry carrying a tag', async () => {
      const cache = await harness.make({ now: 0 }, 10);
      await cache.set('a', answer('a'), { ttlMs: 1_000, tags: ['session-1'] });
      await cache.set('b', answer('b'), { ttlMs: 1_000, tags: ['session-1'] });
      await cache.set('c', answer('c'), { ttlMs: 1_000, tags: ['session-2'] });
      expect(await cache.deleteByTag('session-1')).toBe(2);
      expect(await cache.get('a')).toBeUndefined();
      expect(await cache.get('c')).toBeDefined();
      expect(await cache.deleteByTag('session-1')).toBe(0);
    });

    it('an answer cached by one replica is a hit on another, and a purge reaches both', async () => {
      const clock = { now: 0 };
      const a = await harness.make(clock, 10);
      const b = await harness.twin(a, clock, 10);
      await a.set('k', answer('shared'), { ttlMs: 1_000, tags: ['s'] });
      expect(await b.get('k')).toEqual(answer('shared'));
      await b.deleteByTag('s');
      expect(await a.get('k')).toBeUndefined();
    });
  });
}
