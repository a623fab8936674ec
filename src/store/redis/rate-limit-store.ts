// Redis RateLimitStore: fixed windows counted atomically by rate-limiter-flexible's Redis limiter (a Lua INCR with
// expiry), concurrency slots as a sorted set of leases timed by Redis's own clock, so replicas' clocks never disagree.

import { randomUUID } from 'node:crypto';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { COUNT_ONLY_POINTS } from '../memory/rate-limit-store.js';
import type { RateLimitStore, WindowCount } from '../types.js';
import type { RedisConnection } from './connection.js';

const NOW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', ARGV[1], '-inf', now)`;

const ACQUIRE = `${NOW}
if redis.call('ZCARD', ARGV[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', ARGV[1], now + tonumber(ARGV[3]), ARGV[4])
if redis.call('PTTL', ARGV[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', ARGV[1], ARGV[3]) end
return 1`;

const RENEW = `${NOW}
if not redis.call('ZSCORE', ARGV[1], ARGV[4]) then return 0 end
redis.call('ZADD', ARGV[1], 'XX', now + tonumber(ARGV[3]), ARGV[4])
if redis.call('PTTL', ARGV[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', ARGV[1], ARGV[3]) end
return 1`;

/** Rate-limit counters and slots shared by every replica. */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, RateLimiterRedis>();

  constructor(private readonly redis: RedisConnection) {}

  async add(name: string, key: string, points: number, windowMs: number): Promise<WindowCount> {
    const res = await this.redis.run(`rate_limit.add`, () => this.counter(name, windowMs).penalty(key, points));
    return { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext };
  }

  async peek(name: string, key: string, windowMs: number): Promise<WindowCount | undefined> {
    const res = await this.redis.run('rate_limit.peek', () => this.counter(name, windowMs).get(key));
    return res ? { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext } : undefined;
  }

  async acquireSlot(key: string, limit: number, leaseMs: number): Promise<string | undefined> {
    const slot = randomUUID();
    const taken = await this.redis.script('rate_limit.acquire_slot', ACQUIRE, [], [this.slotKey(key), limit, Math.ceil(leaseMs), slot]);
    return Number(taken) === 1 ? slot : undefined;
  }

  async renewSlot(key: string, slot: string, leaseMs: number): Promise<boolean> {
    return Number(await this.redis.script('rate_limit.renew_slot', RENEW, [], [this.slotKey(key), 0, Math.ceil(leaseMs), slot])) === 1;
  }

  async releaseSlot(key: string, slot: string): Promise<void> {
    await this.redis.run('rate_limit.release_slot', (c) => c.zrem(this.slotKey(key), slot));
  }

  private slotKey(key: string): string {
    return `${this.redis.prefix}slots:${key}`;
  }

  private counter(name: string, windowMs: number): RateLimiterRedis {
    const id = `${name}/${windowMs}`;
    let limiter = this.counters.get(id);
    if (!limiter) {
      const duration = Math.max(1, Math.round(windowMs / 1000));
      limiter = new RateLimiterRedis({ storeClient: this.redis.client, keyPrefix: `${this.redis.prefix}rl:${name}`, points: COUNT_ONLY_POINTS, duration, rejectIfRedisNotReady: true });
      this.counters.set(id, limiter);
    }
    return limiter;
  }
}
