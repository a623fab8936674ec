// The conformance suites against the Redis backends, on the Redis the test command starts; each test has its own
// key prefix, and every key it wrote is deleted afterwards.

import { afterEach, describe, expect, it } from 'vitest';
import { RedisCacheStore } from '../../src/store/redis/cache-store.js';
import { RedisChangeNotices } from '../../src/store/redis/change-notices.js';
import { RedisCoalescingBus } from '../../src/store/redis/coalescing-bus.js';
import type { RedisConnection } from '../../src/store/redis/connection.js';
import { RedisOneTimeTokens } from '../../src/store/redis/one-time-tokens.js';
import { RedisRateLimitStore } from '../../src/store/redis/rate-limit-store.js';
import { LeasedAdmissions } from '../../src/security/leased-admissions.js';
import { RedisSessionStore } from '../../src/store/redis/session-store.js';
import { Sealer } from '../../src/store/sealing.js';
import { cleanPrefix, connect, randomPrefix, REDIS_URL } from '../support/redis.js';
import { cacheStoreConformance } from './cache-store.cases.js';
import { changeNoticesConformance } from './change-notices.cases.js';
import { coalescingBusConformance } from './coalescing-bus.cases.js';
import { oneTimeTokensConformance } from './one-time-tokens.cases.js';
import { rateLimitStoreConformance } from './rate-limit-store.cases.js';
import { sessionStoreConformance } from './session-store.cases.js';

const sealer = new Sealer(Buffer.alloc(32, 7));
/** Native TTLs get a minute of slack so Redis never expires a key before the simulated clock says so. */
const ttlSlackMs = 60_000;

let opened: { prefix: string; connections: RedisConnection[]; closers: (() => Promise<void>)[] }[] = [];

/**
 * A connection on a fresh prefix (a new test group) or, with `like`, another one on the same prefix (a second
 * replica).
 */
async function open(like?: { redis: RedisConnection }): Promise<RedisConnection> {
  const prefix = like ? like.redis.prefix : randomPrefix();
  const redis = await connect(prefix, REDIS_URL);
  let group = opened.find((g) => g.prefix === prefix);
  if (!group) opened.push((group = { prefix, connections: [], closers: [] }));
  group.connections.push(redis);
  return redis;
}

afterEach(async () => {
  const groups = opened;
  opened = [];
  for (const group of groups) {
    for (const close of group.closers) await close();
    await cleanPrefix(REDIS_URL, group.prefix);
    for (const redis of group.connections) await redis.close();
  }
});

const handles = new WeakMap<object, RedisConnection>();
function made<T extends object>(store: T, redis: RedisConnection): T {
  handles.set(store, redis);
  return store;
}
const redisOf = (store: object): { redis: RedisConnection } => ({ redis: handles.get(store)! });

sessionStoreConformance('redis', {
  make: async (clock) => {
    const redis = await open();
    return made(new RedisSessionStore(redis, { idleTtlMs: 1_000, sealer, clock: () => clock.now, ttlSlackMs }), redis);
  },
  twin: async (store, clock) => {
    const redis = await open(redisOf(store));
    return made(new RedisSessionStore(redis, { idleTtlMs: 1_000, sealer, clock: () => clock.now, ttlSlackMs }), redis);
  },
});

cacheStoreConformance('redis', {
  make: async (clock, maxEntries) => {
    const redis = await open();
    return made(new RedisCacheStore(redis, { maxEntries, sealer, clock: () => clock.now, ttlSlackMs }), redis);
  },
  twin: async (store, clock, maxEntries) => {
    const redis = await open(redisOf(store));
    return made(new RedisCacheStore(redis, { maxEntries, sealer, clock: () => clock.now, ttlSlackMs }), redis);
  },
});

/** Real time passes for Redis leases and TTLs: wait for it (a lease is only ever 100–200 ms here). */
const lapse = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms + 50));

rateLimitStoreConformance('redis', {
  make: async () => {
    const redis = await open();
    return made(new RedisRateLimitStore(redis), redis);
  },
  twin: async (store) => {
    const redis = await open(redisOf(store));
    return made(new RedisRateLimitStore(redis), redis);
  },
  lapse,
});

oneTimeTokensConformance('redis', {
  make: async () => {
    const redis = await open();
    return made(new RedisOneTimeTokens(redis), redis);
  },
  twin: async (store) => {
    const redis = await open(redisOf(store));
    return made(new RedisOneTimeTokens(redis), redis);
  },
  lapse,
});

changeNoticesConformance('redis', {
  make: async () => {
    const redis = await open();
    const notices = new RedisChangeNotices(redis);
    opened.find((g) => g.prefix === redis.prefix)!.closers.push(() => notices.close());
    return made(notices, redis);
  },
  twin: async (store) => {
    const redis = await open(redisOf(store));
    const notices = new RedisChangeNotices(redis);
    opened.find((g) => g.prefix === redis.prefix)!.closers.push(() => notices.close());
    return made(notices, redis);
  },
  settled: (notices) => (notices as RedisChangeNotices).ready(),
});

coalescingBusConformance('redis', {
  make: async () => {
    const redis = await open();
    return made(new RedisCoalescingBus(redis, sealer), redis);
  },
  twin: async (bus) => {
    const redis = await open(redisOf(bus));
    return made(new RedisCoalescingBus(redis, sealer), redis);
  },
  lapse,
});

describe('leased admissions on Redis (two replicas)', () => {
  it('admit exactly the limit together, concurrently, with a fraction of the round trips', async () => {
    const redisA = await open();
    const redisB = await open({ redis: redisA });
    const a = new LeasedAdmissions(new RedisRateLimitStore(redisA));
    const b = new LeasedAdmissions(new RedisRateLimitStore(redisB));
    const counter = { name: 'requests', key: 'k', points: 1, windowMs: 60_000, max: 1_000 };
    try {
      let yes = 0;
      for (let round = 0; round < 40; round++) {
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? a : b).admit([counter])));
        yes += results.filter((r) => r.counts[0]!.consumed <= 1_000).length;
      }
      expect(yes).toBe(1_000); // 1,200 asked for
    } finally {
      await a.close();
      await b.close();
    }
  });
});
