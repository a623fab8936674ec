// Embeddings cached in Redis: sealed like chat answers, and a hit on another replica sharing the store.

import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { mockEmbedding } from '../../src/mock-upstream/index.js';
import { cleanPrefix, keysUnder, randomPrefix, REDIS_URL } from '../support/redis.js';
import { until } from '../security-e2e/harness.js';
import { KEYS, postJson, standardYaml, startStack, type Stack, redisStateEnv, redisStateYaml } from './harness.js';

const prefix = randomPrefix();
const stacks: Stack[] = [];
afterAll(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  await cleanPrefix(REDIS_URL, prefix);
});

async function replica(): Promise<Stack> {
  const stack = await startStack({
    yaml: standardYaml({
      extra: `cache: { mode: deterministic, ttl: 5m }
${redisStateYaml(prefix)}`,
    }),
    env: { ...KEYS, ...redisStateEnv(REDIS_URL, 7) },
  });
  stacks.push(stack);
  return stack;
}

describe('embeddings in the Redis cache', () => {
  it('are sealed at rest, and another replica answers the same request from the cache', async () => {
    const [a, b] = [await replica(), await replica()];
    const body = { model: 'solo', input: ['the pangolin inventory', 'second'], encoding_format: 'float' };
    const first = await postJson(`${a.url}/v1/embeddings`, body);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-parley-cache')).toBe('miss');
    const firstBody = (await first.json()) as { data: { embedding: number[] }[] };
    expect(firstBody.data[0].embedding).toEqual(mockEmbedding('gpt-4o-mini', 'the pangolin inventory'));

    // The write is not awaited by the request: wait until the sealed entry is in Redis.
    const raw = new Redis(REDIS_URL);
    try {
      let keys: string[] = [];
      await until(
        async () => (keys = await keysUnder(REDIS_URL, prefix)).some((k) => k.includes('cache:emb:')),
        10_000,
        'the embeddings entry in Redis',
      );
      const entry = keys.find((k) => k.includes('cache:emb:'));
      expect(entry, 'no embeddings entry in Redis').toBeDefined();
      const stored = (await raw.get(entry!)) ?? '';
      expect(stored).not.toContain('pangolin');
      expect(stored).not.toContain(String(firstBody.data[0].embedding[0]));
    } finally {
      raw.disconnect();
    }

    const upstreamBefore = b.mock.requests.length + a.mock.requests.length;
    const second = await postJson(`${b.url}/v1/embeddings`, body);
    expect(second.headers.get('x-parley-cache')).toBe('hit');
    expect(await second.json()).toEqual(firstBody);
    expect(b.mock.requests.length + a.mock.requests.length).toBe(upstreamBefore);
  });
});
