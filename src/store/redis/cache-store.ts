// Redis CacheStore: sealed answers with native TTLs, an entry bound with least-recently-used eviction, and tags.
//
// Keys (P = prefix): P cache:<key> ("<expires at>|<sealed answer>", PX ttl), P cache:lru (zset key → last use),
// P ctag:<tag> (set of keys, expiring with its longest-lived entry).

import { UnreadableRecordError, type Sealer } from '../sealing.js';
import type { CacheStore, CachedAnswer } from '../types.js';
import type { RedisConnection } from './connection.js';

const SET = `
local p, k, ttl = ARGV[1], ARGV[2], tonumber(ARGV[4])
redis.call('SET', p .. 'cache:' .. k, ARGV[3], 'PX', ARGV[4])
redis.call('ZADD', p .. 'cache:lru', ARGV[5], k)
for i = 7, #ARGV do
  local t = p .. 'ctag:' .. ARGV[i]
  redis.call('SADD', t, k)
  if redis.call('PTTL', t) < ttl then redis.call('PEXPIRE', t, ARGV[4]) end
end
local over = redis.call('ZCARD', p .. 'cache:lru') - tonumber(ARGV[6])
if over > 0 then
  local old = redis.call('ZPOPMIN', p .. 'cache:lru', over)
  for i = 1, #old, 2 do redis.call('DEL', p .. 'cache:' .. old[i]) end
end
return 1`;

const GET = `
local p, k, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local v = redis.call('GET', p .. 'cache:' .. k)
if not v then redis.call('ZREM', p .. 'cache:lru', k) return false end
local sep = string.find(v, '|', 1, true)
if now >= tonumber(string.sub(v, 1, sep - 1)) then
  redis.call('DEL', p .. 'cache:' .. k)
  redis.call('ZREM', p .. 'cache:lru', k)
  return false
end
redis.call('ZADD', p .. 'cache:lru', ARGV[3], k)
return string.sub(v, sep + 1)`;

const DELETE_TAG = `
local p = ARGV[1]
local t = p .. 'ctag:' .. ARGV[2]
local removed = 0
for _, k in ipairs(redis.call('SMEMBERS', t)) do
  removed = removed + redis.call('DEL', p .. 'cache:' .. k)
  redis.call('ZREM', p .. 'cache:lru', k)
end
redis.call('DEL', t)
return removed`;

export interface RedisCacheStoreOptions {
  /** Entries kept at most across every replica; the least recently used go first. */
  maxEntries: number;
  sealer: Sealer;
  clock?: () => number;
  /** Added to native TTLs (tests with a simulated clock). */
  ttlSlackMs?: number;
}

/**
 * The answer cache shared by every replica. An entry that cannot be opened (e.g. its key was rotated out) is a miss.
 */
export class RedisCacheStore implements CacheStore {
  private readonly now: () => number;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: RedisCacheStoreOptions,
  ) {
    this.now = options.clock ?? Date.now;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const sealed = (await this.redis.script('cache.get', GET, [], [this.redis.prefix, key, this.now()])) as
      string | null;
    if (!sealed) return undefined;
    try {
      return this.options.sealer.openJson<CachedAnswer>(sealed, `cache:${key}`);
    } catch (error) {
      if (error instanceof UnreadableRecordError) return undefined;
      throw error;
    }
  }

  async set(key: string, value: CachedAnswer, options: { ttlMs: number; tags?: string[] }): Promise<void> {
    if (this.options.maxEntries <= 0 || options.ttlMs <= 0) return;
    const now = this.now();
    const ttl = Math.ceil(options.ttlMs + (this.options.ttlSlackMs ?? 0));
    const record = `${now + options.ttlMs}|${this.options.sealer.sealJson(value, `cache:${key}`)}`;
    await this.redis.script(
      'cache.set',
      SET,
      [],
      [this.redis.prefix, key, record, ttl, now, this.options.maxEntries, ...(options.tags ?? [])],
    );
  }

  async deleteByTag(tag: string): Promise<number> {
    return Number(await this.redis.script('cache.delete_by_tag', DELETE_TAG, [], [this.redis.prefix, tag]));
  }

  async size(): Promise<number> {
    return this.redis.run('cache.size', (c) => c.zcard(`${this.redis.prefix}cache:lru`));
  }
}
