// Two Parley instances on one Redis: the same cacheable request sent to both while the first is in flight makes
// one upstream call; the second instance follows the first one's answer.

import { afterAll, describe, expect, it } from 'vitest';
import { cleanPrefix, randomPrefix, REDIS_URL } from '../support/redis.js';
import {
  chatBody,
  KEYS,
  modelRequests,
  postJson,
  standardYaml,
  startStack,
  waitFor,
  redisStateEnv,
  redisStateYaml,
} from './harness.js';

const prefix = randomPrefix();
afterAll(() => cleanPrefix(REDIS_URL, prefix));

describe('coalescing across replicas', () => {
  it('identical cacheable requests on two instances share one upstream call', async () => {
    const yaml = standardYaml({
      firstByte: '5s',
      extra: `cache: { mode: deterministic, ttl: 5m }
${redisStateYaml(prefix)}`,
    });
    const env = { ...KEYS, ...redisStateEnv(REDIS_URL, 8) };
    const a = await startStack({ yaml, env });
    const b = await startStack({ yaml, env });
    try {
      for (const s of [a, b]) s.mock.setScenario({ latencyMs: 400 });
      const body = chatBody('chat', 'the same question on two replicas', { temperature: 0 });
      const first = postJson(`${a.url}/v1/chat/completions`, body);
      await waitFor(() => modelRequests(a.mock).length === 1, 'replica A to call the upstream', 5_000);
      const second = await postJson(`${b.url}/v1/chat/completions`, body);
      const one = await first;
      expect(one.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.headers.get('x-parley-coalesced')).toBe('true');
      const text = (r: unknown) => (r as { choices: { message: { content: string } }[] }).choices[0].message.content;
      expect(text(await second.json())).toBe(text(await one.json()));
      expect(modelRequests(a.mock).length + modelRequests(b.mock).length).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
