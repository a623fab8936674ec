// What the Redis session store leaves in Redis: sealed content only, native TTLs, and nothing at all after erasure.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { RedisConnection } from '../../src/store/redis/connection.js';
import { RedisSessionStore } from '../../src/store/redis/session-store.js';
import { Sealer } from '../../src/store/sealing.js';
import { cleanPrefix, connect, keysUnder, randomPrefix, REDIS_URL } from '../support/redis.js';

const prefix = randomPrefix();
let redis: RedisConnection;
let raw: Redis;

beforeAll(async () => {
  redis = await connect(prefix);
  raw = new Redis(REDIS_URL);
});
afterAll(async () => {
  await cleanPrefix(REDIS_URL, prefix);
  await redis.close();
  raw.disconnect();
});

/** Every value under the prefix, as text. */
async function dump(): Promise<string> {
  const parts: string[] = [];
  for (const key of await keysUnder(REDIS_URL, prefix)) {
    const type = await raw.type(key);
    parts.push(key);
    if (type === 'string') parts.push((await raw.get(key)) ?? '');
    if (type === 'hash') parts.push(JSON.stringify(await raw.hgetall(key)));
    if (type === 'list') parts.push(...(await raw.lrange(key, 0, -1)));
    if (type === 'zset' || type === 'set')
      parts.push(...(type === 'zset' ? await raw.zrange(key, 0, -1) : await raw.smembers(key)));
  }
  return parts.join('\n');
}

describe('Redis session keys', () => {
  const store = (): RedisSessionStore =>
    new RedisSessionStore(redis, { idleTtlMs: 30 * 60_000, sealer: new Sealer(Buffer.alloc(32, 9)) });

  it('hold only sealed content, with native TTLs no longer than the idle time', async () => {
    const now = Date.now();
    const s = store();
    await s.create({
      id: 'ses_keys',
      ownerId: 'carol@example.com',
      model: 'chat',
      systemPrompt: 'You are Zebulon.',
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now + 3_600_000,
      messages: [],
    });
    await s.append(
      'ses_keys',
      [{ id: 'msg_1', role: 'user', content: 'my card is 4111 1111 1111 1111', createdAt: now }],
      { '[EMAIL_1]': 'dave@example.com' },
    );
    const text = await dump();
    for (const secret of ['4111', 'carol@example.com', 'dave@example.com', 'Zebulon', 'EMAIL_1'])
      expect(text).not.toContain(secret);
    for (const key of await keysUnder(REDIS_URL, prefix)) {
      if (key === `${prefix}sessions`) continue; // the id index outlives sessions until the sweep reports them
      const ttl = await raw.pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(30 * 60_000);
    }
  });

  it('erasure leaves no key and no index entry of the session', async () => {
    expect(await store().delete('ses_keys')).toBe(true);
    const text = await dump();
    expect(text).not.toContain('ses_keys');
  });

  it('a record tampered with in Redis is refused, not returned', async () => {
    const now = Date.now();
    const s = store();
    await s.create({
      id: 'ses_t',
      ownerId: 'o',
      model: 'chat',
      createdAt: now,
      lastActiveAt: now,
      expiresAt: now + 60_000,
      messages: [],
    });
    await s.append('ses_t', [{ id: 'msg_1', role: 'user', content: 'original', createdAt: now }]);
    const [entry] = await raw.lrange(`${prefix}ses:ses_t:msgs`, 0, 0);
    const other = new Sealer(Buffer.alloc(32, 9)).sealJson(
      { id: 'msg_1', role: 'user', content: 'forged', createdAt: now },
      'session:ses_other:msg',
    );
    await raw.lset(`${prefix}ses:ses_t:msgs`, 0, `msg_1|${other}`);
    expect(entry.startsWith('msg_1|s1:')).toBe(true);
    await expect(s.get('ses_t')).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});
