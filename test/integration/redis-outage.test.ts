// Failure drills against a private redis-server that the test stops and starts: at start, while serving, recovery.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { cleanPrefix, startPrivateRedis, type PrivateRedis } from '../support/redis.js';
import { chatBody, KEYS, postJson, standardYaml, startStack, waitFor, type Stack } from './harness.js';

const STATE_KEY = Buffer.alloc(32, 3).toString('base64');

function stateYaml(failMode: 'open' | 'closed'): string {
  return `cache: { mode: deterministic, ttl: 1m }
state:
  redis: { url: "env:PARLEY_REDIS_URL", commandTimeout: 300ms, keyPrefix: "outage:" }
  encryptionKey: "env:PARLEY_STATE_KEY"
  rateLimitFailMode: ${failMode}`;
}

async function metric(stack: Stack, line: RegExp): Promise<string | undefined> {
  return (await stack.parley.metrics.render()).split('\n').find((l) => line.test(l));
}

describe('Redis outages', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('while serving: readiness 503, sessions 503 with a clear message, cache misses, rate limits open; then recovers by itself', async () => {
    const stack = await startStack({
      yaml: standardYaml({
        extra: stateYaml('open'),
        rateLimits: 'rateLimits: { requestsPerMinute: 1000, tokensPerMinute: 0, concurrentStreams: 4 }',
      }),
      env: { ...KEYS, PARLEY_REDIS_URL: redis.url, PARLEY_STATE_KEY: STATE_KEY },
      captureLogs: true,
    });
    try {
      expect((await fetch(`${stack.url}/readyz`)).status).toBe(200);
      const created = await postJson(`${stack.url}/v1/sessions`, { model: 'chat' });
      expect(created.status).toBe(201);
      const cached = await postJson(
        `${stack.url}/v1/chat/completions`,
        chatBody('chat', 'cache me', { temperature: 0 }),
      );
      expect(cached.status).toBe(200);

      await redis.stop();
      await waitFor(async () => (await fetch(`${stack.url}/readyz`)).status === 503, 'readiness to turn 503', 5_000);
      expect(await (await fetch(`${stack.url}/readyz`)).json()).toEqual({ status: 'shared state unavailable (redis)' });

      const refused = await postJson(`${stack.url}/v1/sessions`, { model: 'chat' });
      expect(refused.status).toBe(503);
      const body = (await refused.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('store_unavailable');
      expect(body.error.message).toMatch(/Shared state \(Redis\) is unreachable.*Retry shortly/);

      // The cache degrades to a miss (a second upstream call) and the rate limit to this replica's own limiter.
      const calls = stack.mock.requests.length;
      const degraded = await postJson(
        `${stack.url}/v1/chat/completions`,
        chatBody('chat', 'cache me', { temperature: 0 }),
      );
      expect(degraded.status).toBe(200);
      expect(stack.mock.requests.length).toBe(calls + 1);
      expect(await metric(stack, /^parley_rate_limit_degraded\{mode="open"\}/)).toMatch(/ 1$/);
      expect(await metric(stack, /^parley_store_up\{backend="redis"\}/)).toMatch(/ 0$/);
      expect(
        await metric(stack, /^parley_store_errors_total\{backend="redis",operation="session\.[a-z_]+"\}/),
      ).toBeDefined();
      expect(
        stack.logs.some(
          (l) => l.store === 'redis' && typeof l.reason === 'string' && /unreachable/.test(String(l.msg)),
        ),
      ).toBe(true);
      expect(stack.logs.some((l) => l.failMode === 'open' && /per-replica/.test(String(l.msg)))).toBe(true);

      await redis.start();
      await waitFor(async () => (await fetch(`${stack.url}/readyz`)).status === 200, 'readiness to recover', 10_000);
      expect((await postJson(`${stack.url}/v1/sessions`, { model: 'chat' })).status).toBe(201);
      expect(
        (await postJson(`${stack.url}/v1/chat/completions`, chatBody('chat', 'after', { temperature: 0 }))).status,
      ).toBe(200);
      expect(await metric(stack, /^parley_rate_limit_degraded\{mode="open"\}/)).toMatch(/ 0$/);
      expect(stack.logs.some((l) => l.store === 'redis' && /reachable again/.test(String(l.msg)))).toBe(true);
    } finally {
      await stack.close();
      await cleanPrefix(redis.url, 'outage:').catch(() => undefined);
    }
  });

  it('a Redis that stops answering never hangs a request: the command times out into a 503', async () => {
    const stack = await startStack({
      yaml: standardYaml({ extra: stateYaml('closed') }),
      env: { ...KEYS, PARLEY_REDIS_URL: redis.url, PARLEY_STATE_KEY: STATE_KEY },
    });
    const admin = new Redis(redis.url);
    try {
      const { id } = (await (await postJson(`${stack.url}/v1/sessions`, { model: 'chat' })).json()) as { id: string };
      await admin.call('CLIENT', 'PAUSE', '3000', 'ALL');
      const res = await fetch(`${stack.url}/v1/sessions/${id}`);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/timed out/);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => undefined);
      admin.disconnect();
      await stack.close();
      await cleanPrefix(redis.url, 'outage:').catch(() => undefined);
    }
  });

  it('at start: Parley serves with readiness 503 and a log line naming the store, then becomes ready when Redis appears', async () => {
    await redis.stop();
    const stack = await startStack({
      yaml: standardYaml({ extra: stateYaml('closed') }),
      env: { ...KEYS, PARLEY_REDIS_URL: redis.url, PARLEY_STATE_KEY: STATE_KEY },
      captureLogs: true,
    });
    try {
      expect((await fetch(`${stack.url}/readyz`)).status).toBe(503);
      expect(
        stack.logs.some(
          (l) =>
            l.store === 'redis' && /ECONNREFUSED/.test(String(l.reason)) && /retrying in \d+ ms/.test(String(l.reason)),
        ),
      ).toBe(true);
      expect(stack.logs.some((l) => l.store === 'redis' && /not reachable yet/.test(String(l.msg)))).toBe(true);
      await redis.start();
      await waitFor(
        async () => (await fetch(`${stack.url}/readyz`)).status === 200,
        'readiness once Redis is up',
        10_000,
      );
      expect((await postJson(`${stack.url}/v1/sessions`, { model: 'chat' })).status).toBe(201);
    } finally {
      await stack.close();
      await cleanPrefix(redis.url, 'outage:').catch(() => undefined);
    }
  });
});
