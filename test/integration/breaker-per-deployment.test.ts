// Issue 15 point 1 in miniature: one dead upstream model beside healthy ones on the same provider and keys.
// Breakers are per deployment (provider, upstream model, key), so the healthy models never see a refusal,
// and a fallback within the same provider keeps working while the dead model's breakers are open.

import { describe, expect, it } from 'vitest';
import { KEYS, chatBody, chunkText, modelRequests, postJson, readSse } from './harness.js';
import { completionsUrl, useStackPerTest } from './helpers.js';

const stackWith = useStackPerTest();

const HEALTHY = ['alpha', 'beta', 'gamma', 'delta'];

/**
 * One OpenAI-format provider with two keys; four healthy models, one dead, and one alias that falls back within the
 * provider.
 */
const yaml = (mockUrl: string): string => `
server: { host: 127.0.0.1, port: 0 }
logging: { level: warn }
auth: { anonymous: true }
rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 }
providers:
  - id: main
    type: openai
    baseUrl: ${mockUrl}/v1
    apiKeys: ["env:MAIN_KEY_A", "env:MAIN_KEY_B"]
    timeouts: { connect: 1s, firstByte: 2s, idle: 2s, total: 10s }
    retry: { retries: 2, baseDelay: 1ms, maxDelay: 5ms, maxRetryAfter: 1s }
    breaker: { failureThreshold: 2, window: 30s, cooldown: 30s, halfOpenProbes: 1 }
models:
${HEALTHY.map((m) => `  - { name: ${m}, targets: [{ provider: main, model: upstream-${m} }] }`).join('\n')}
  - { name: doomed, targets: [{ provider: main, model: dead-model }] }
  - name: rescued
    targets:
      - { provider: main, model: dead-model }
      - { provider: main, model: upstream-alpha }
`;

interface Tally {
  ok: number;
  failed: string[];
}

async function send(url: string, model: string, stream: boolean, tally: Map<string, Tally>): Promise<void> {
  const entry = tally.get(model) ?? { ok: 0, failed: [] };
  tally.set(model, entry);
  const res = await postJson(url, chatBody(model, `hello ${model}`, stream ? { stream: true } : {}));
  if (res.status !== 200) {
    entry.failed.push(`${res.status} ${(await res.text()).slice(0, 200)}`);
    return;
  }
  const text = stream
    ? chunkText((await readSse(res)).events)
    : ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content;
  if (text.length > 0) entry.ok++;
  else entry.failed.push('empty answer');
}

describe('circuit breakers per deployment', () => {
  it(
    'a dead upstream model gives 0 failures on the healthy models of the same provider under concurrent load',
    { timeout: 90_000 },
    async () => {
      const s = await stackWith({
        yaml,
        env: { ...KEYS },
        mock: { modelScenarios: { 'dead-model': { errorRates: { 500: 1 } } } },
      });
      const url = completionsUrl(s);
      const models = [...HEALTHY, 'doomed', 'rescued'];
      const tally = new Map<string, Tally>();
      const total = 600;
      let next = 0;
      // 50 concurrent clients, mixed plain and streamed, every model in turn.
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          while (next < total) {
            const i = next++;
            await send(url, models[i % models.length], i % 2 === 0, tally);
          }
        }),
      );
      for (const model of [...HEALTHY, 'rescued']) {
        expect(tally.get(model)?.failed, model).toEqual([]);
        expect(tally.get(model)?.ok, model).toBe(total / models.length);
      }
      // The dead model fails, clearly: a 5xx in OpenAI's envelope, never a hang.
      const doomed = tally.get('doomed')!;
      expect(doomed.ok).toBe(0);
      expect(doomed.failed.every((f) => /^50[23] /.test(f))).toBe(true);
      // Both keys' breakers for the dead model opened, so most dead-model requests never reached the upstream.
      const deadCalls = modelRequests(s.mock).filter(
        (r) => (r.body as { model?: string }).model === 'dead-model',
      ).length;
      expect(deadCalls).toBeLessThan(40);
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      expect(metrics).toMatch(/parley_circuit_state\{provider="main",model="dead-model",key_id="main#0"\} 2/);
      expect(metrics).toMatch(/parley_circuit_state\{provider="main",model="upstream-alpha",key_id="main#0"\} 0/);
    },
  );

  it('skips an open deployment to the fallback at once, without retries, and says why when nothing is left', async () => {
    const s = await stackWith({
      yaml,
      env: { ...KEYS },
      mock: { modelScenarios: { 'dead-model': { errorRates: { 500: 1 } } } },
    });
    const url = completionsUrl(s);
    // Open both keys' breakers for the dead model: 2 failures each (one request = 3 attempts, alternating keys).
    for (let i = 0; i < 2; i++) await postJson(url, chatBody('doomed'));
    const before = modelRequests(s.mock).length;
    const rescued = await postJson(url, chatBody('rescued'));
    expect(rescued.status).toBe(200);
    const calls = modelRequests(s.mock).slice(before);
    expect(calls.map((r) => (r.body as { model?: string }).model)).toEqual(['upstream-alpha']);
    const refused = await postJson(url, chatBody('doomed'));
    expect(refused.status).toBe(503);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('circuit_open');
    expect(body.error.message).toMatch(/main\/dead-model/);
    expect(modelRequests(s.mock).length).toBe(before + 1);
  });
});
