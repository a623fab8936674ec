// After real traffic (sessions with personal data, cached answers), no Parley key in Redis holds message text,
// an e-mail address or a pseudonym mapping in clear; and deleting a session leaves nothing of it in Redis.

import { afterAll, describe, expect, it } from 'vitest';
import { cleanPrefix, dumpUnder, randomPrefix, REDIS_URL } from '../support/redis.js';
import { chatBody, KEYS, postJson, standardYaml, startStack, redisStateEnv, redisStateYaml } from './harness.js';

const prefix = randomPrefix();
afterAll(() => cleanPrefix(REDIS_URL, prefix));

const dump = (): Promise<string> => dumpUnder(REDIS_URL, prefix);

describe('content at rest in Redis', () => {
  it('is sealed: no message text, no e-mail address, no pseudonym mapping in clear; erasure removes every key', async () => {
    const stack = await startStack({
      yaml: standardYaml({
        extra: `cache: { mode: deterministic, ttl: 5m }
${redisStateYaml(prefix)}`,
      }),
      env: { ...KEYS, ...redisStateEnv(REDIS_URL, 5) },
    });
    const answers: string[] = [];
    try {
      const { id } = (await (
        await postJson(`${stack.url}/v1/sessions`, { model: 'chat', system: 'Zanzibar persona' })
      ).json()) as { id: string };
      const sent = await postJson(`${stack.url}/v1/sessions/${id}/messages`, {
        content: 'Please write to quentin.tarantula@example.org about the marmalade invoice',
      });
      expect(sent.status).toBe(200);
      const turn = (await sent.json()) as { message: { content: string } };
      answers.push(turn.message.content);
      const completion = await postJson(
        `${stack.url}/v1/chat/completions`,
        chatBody('chat', 'Describe the aubergine ledger of olga@example.net', { temperature: 0 }),
      );
      expect(completion.status).toBe(200);
      answers.push(
        ((await completion.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content,
      );
      // The same request again is a cache hit, so the answer is in Redis.
      expect(
        (
          await postJson(
            `${stack.url}/v1/chat/completions`,
            chatBody('chat', 'Describe the aubergine ledger of olga@example.net', { temperature: 0 }),
          )
        ).headers.get('x-parley-cache'),
      ).toBe('hit');

      const text = await dump();
      expect(text).toContain(`${prefix}co:`); // the coalescing log of the cacheable request is there, sealed too
      for (const clear of [
        'quentin',
        'tarantula',
        'example.org',
        'example.net',
        'olga',
        'marmalade',
        'aubergine',
        'Zanzibar',
        '[EMAIL_',
        'EMAIL_1',
        ...answers.filter((a) => a.length > 8),
      ]) {
        expect(text, `found "${clear}" in clear`).not.toContain(clear);
      }
      expect(text).not.toMatch(/[\w.-]+@[\w-]+\.[a-z]{2,}/); // no e-mail address at all

      expect((await fetch(`${stack.url}/v1/sessions/${id}`, { method: 'DELETE' })).status).toBe(204);
      expect(await dump()).not.toContain(id);
    } finally {
      await stack.close();
    }
  });
});
