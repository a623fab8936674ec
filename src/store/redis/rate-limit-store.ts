// Redis RateLimitStore: fixed-window counters and concurrency slots, each admission one Lua script (one round trip).
// Counters are `<prefix>rl:<name>:<key>` integers expiring with their window; slots are a sorted set of leases timed
// by Redis's own clock, so replicas' clocks never disagree.

import { randomUUID } from 'node:crypto';
import type {
  Admission,
  AdmissionCounter,
  CounterLease,
  LeaseGrant,
  RateLimitStore,
  SlotLease,
  WindowCount,
} from '../types.js';
import type { RedisConnection } from './connection.js';

/** Adds ARGV[i] points to KEYS[k] (a window of ARGV[i+1] ms opens when none runs) or, for 0 points, only reads it. */
const COUNTER = `local function count(key, points, window)
  if points > 0 then
    redis.call('SET', key, 0, 'PX', window, 'NX')
    local consumed = redis.call('INCRBY', key, points)
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then redis.call('PEXPIRE', key, window) ttl = window end
    return consumed, ttl
  end
  local value = redis.call('GET', key)
  if not value then return -1, 0 end
  local ttl = redis.call('PTTL', key)
  if ttl < 0 then ttl = 0 end
  return tonumber(value), ttl
end`;

/** Takes a slot of `key` when fewer than `limit` unexpired leases are held; 1 when taken. */
const SLOT = `local function take(key, limit, lease, id)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  if redis.call('ZCARD', key) >= limit then return 0 end
  redis.call('ZADD', key, now + lease, id)
  if redis.call('PTTL', key) < lease then redis.call('PEXPIRE', key, lease) end
  return 1
end`;

/**
 * KEYS: the n counters, then the slot key (when ARGV[2] is 1). ARGV: n, slot wanted (0/1), slot limit, lease ms,
 * slot id, then per counter: points, window ms, max. Returns consumed, ttl per counter, then 1 when the slot was taken.
 */
const ADMIT = `${COUNTER}
${SLOT}
local n = tonumber(ARGV[1])
local out = {}
local within = true
for i = 1, n do
  local base = 5 + (i - 1) * 3
  local consumed, ttl = count(KEYS[i], tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]))
  out[#out + 1] = consumed
  out[#out + 1] = ttl
  if consumed > tonumber(ARGV[base + 3]) then within = false end
end
local taken = 0
if ARGV[2] == '1' and within then taken = take(KEYS[n + 1], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]) end
out[#out + 1] = taken
return out`;

/**
 * KEYS: the n counters, then the slot key (when ARGV[2] is 1). ARGV: n, slots (0/1), slot limit, lease ms, slots
 * wanted (w), slots released (r), the r released ids, the w new ids, then per counter: charge, take, extra, window
 * ms, max. Returns consumed, ttl, granted per counter, then how many of the new ids were taken (the first ones).
 */
const LEASE = `${COUNTER}
local n, want, nrel = tonumber(ARGV[1]), tonumber(ARGV[5]), tonumber(ARGV[6])
local base = 6 + nrel + want
local out = {}
local within = true
for i = 1, n do
  local b = base + (i - 1) * 5
  local charge, take, extra = tonumber(ARGV[b + 1]), tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3])
  local window, max = tonumber(ARGV[b + 4]), tonumber(ARGV[b + 5])
  if charge > 0 then count(KEYS[i], charge, window) end
  local granted = 0
  if take > 0 then
    local current = tonumber(redis.call('GET', KEYS[i]) or '0')
    granted = take
    if current + take <= max then granted = take + math.max(0, math.min(extra, max - current - take)) end
  end
  local consumed, ttl = count(KEYS[i], granted, window)
  if consumed > max then within = false end
  out[#out + 1] = consumed
  out[#out + 1] = ttl
  out[#out + 1] = granted
end
local taken = 0
if ARGV[2] == '1' then
  local key = KEYS[n + 1]
  for j = 1, nrel do redis.call('ZREM', key, ARGV[6 + j]) end
  if within and want > 0 then
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    local lease = tonumber(ARGV[4])
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
    taken = math.max(0, math.min(want, tonumber(ARGV[3]) - redis.call('ZCARD', key)))
    for j = 1, taken do redis.call('ZADD', key, now + lease, ARGV[6 + nrel + j]) end
    if taken > 0 and redis.call('PTTL', key) < lease then redis.call('PEXPIRE', key, lease) end
  end
end
out[#out + 1] = taken
return out`;

/** KEYS: slot key, counter key. ARGV: slot id ('' for none), points (0 for none), window ms. */
const FINISH = `${COUNTER}
if ARGV[1] ~= '' then redis.call('ZREM', KEYS[1], ARGV[1]) end
local points = tonumber(ARGV[2])
if points > 0 then count(KEYS[2], points, tonumber(ARGV[3])) end
return 1`;

const RENEW = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', ARGV[1], '-inf', now)
if not redis.call('ZSCORE', ARGV[1], ARGV[4]) then return 0 end
redis.call('ZADD', ARGV[1], 'XX', now + tonumber(ARGV[3]), ARGV[4])
if redis.call('PTTL', ARGV[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', ARGV[1], ARGV[3]) end
return 1`;

/** Rate-limit counters and slots shared by every replica. */
export class RedisRateLimitStore implements RateLimitStore {
  constructor(private readonly redis: RedisConnection) {}

  async admit(
    counters: AdmissionCounter[],
    slot?: { key: string; limit: number; leaseMs: number },
  ): Promise<Admission> {
    const id = slot ? randomUUID() : '';
    const keys = counters.map((c) => this.counterKey(c.name, c.key));
    if (slot) keys.push(this.slotKey(slot.key));
    const args: (string | number)[] = [
      counters.length,
      slot ? 1 : 0,
      slot?.limit ?? 0,
      slot ? Math.ceil(slot.leaseMs) : 0,
      id,
    ];
    for (const c of counters) args.push(c.points, Math.ceil(c.windowMs), c.max);
    const out = (await this.redis.script('rate_limit.admit', ADMIT, keys, args)) as number[];
    const counts = counters.map((_, i) => windowCount(Number(out[2 * i]), Number(out[2 * i + 1])));
    return { counts, slot: Number(out[2 * counters.length]) === 1 ? id : undefined };
  }

  async lease(counters: CounterLease[], slots?: SlotLease): Promise<LeaseGrant> {
    const ids = Array.from({ length: slots?.want ?? 0 }, () => randomUUID());
    const keys = counters.map((c) => this.counterKey(c.name, c.key));
    if (slots) keys.push(this.slotKey(slots.key));
    const released = slots?.release ?? [];
    const args: (string | number)[] = [
      counters.length,
      slots ? 1 : 0,
      slots?.limit ?? 0,
      slots ? Math.ceil(slots.leaseMs) : 0,
      ids.length,
      released.length,
      ...released,
      ...ids,
    ];
    for (const c of counters) args.push(c.charge, c.take, c.extra, Math.ceil(c.windowMs), c.max);
    const out = (await this.redis.script('rate_limit.lease', LEASE, keys, args)) as number[];
    return {
      counts: counters.map((_, i) => windowCount(Number(out[3 * i]), Number(out[3 * i + 1]))),
      granted: counters.map((_, i) => Number(out[3 * i + 2])),
      slots: ids.slice(0, Number(out[3 * counters.length])),
    };
  }

  async finish(
    slot: { key: string; id: string } | undefined,
    charge?: { name: string; key: string; points: number; windowMs: number },
  ): Promise<void> {
    const points = charge && charge.points > 0 ? charge.points : 0;
    if (!slot && points === 0) return;
    const keys = [
      slot ? this.slotKey(slot.key) : this.slotKey(''),
      charge ? this.counterKey(charge.name, charge.key) : this.counterKey('', ''),
    ];
    await this.redis.script('rate_limit.finish', FINISH, keys, [
      slot?.id ?? '',
      points,
      Math.ceil(charge?.windowMs ?? 0),
    ]);
  }

  async add(name: string, key: string, points: number, windowMs: number): Promise<WindowCount> {
    const { counts } = await this.admit([{ name, key, points, windowMs, max: Number.MAX_SAFE_INTEGER }]);
    return counts[0]!;
  }

  async peek(name: string, key: string, windowMs: number): Promise<WindowCount | undefined> {
    const { counts } = await this.admit([{ name, key, points: 0, windowMs, max: Number.MAX_SAFE_INTEGER }]);
    return counts[0];
  }

  async acquireSlot(key: string, limit: number, leaseMs: number): Promise<string | undefined> {
    return (await this.admit([], { key, limit, leaseMs })).slot;
  }

  async renewSlot(key: string, slot: string, leaseMs: number): Promise<boolean> {
    return (
      Number(
        await this.redis.script('rate_limit.renew_slot', RENEW, [], [this.slotKey(key), 0, Math.ceil(leaseMs), slot]),
      ) === 1
    );
  }

  async releaseSlot(key: string, slot: string): Promise<void> {
    await this.finish({ key, id: slot });
  }

  private slotKey(key: string): string {
    return `${this.redis.prefix}slots:${key}`;
  }

  private counterKey(name: string, key: string): string {
    return `${this.redis.prefix}rl:${name}:${key}`;
  }
}

/** A counter's state from the script's pair; consumed -1 means no window was running (a read). */
function windowCount(consumed: number, ttl: number): WindowCount | undefined {
  return consumed < 0 ? undefined : { consumed, msBeforeNext: ttl };
}
