// Integration: retries, retry-after, key rotation and cooldown, fallback across providers, and the circuit breaker.

import { describe, expect, it } from 'vitest';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import {
  KEYS,
  chatBody,
  chunkText,
  keyOf,
  modelRequests,
  postJson,
  readSse,
  standardYaml,
  waitFor,
} from './harness.js';
import {
  ANTHROPIC,
  OPENAI,
  completionsUrl as completions,
  upstreamPaths as paths,
  useStackPerTest,
  type Envelope,
} from './helpers.js';

const A = KEYS.MAIN_KEY_A;
const B = KEYS.MAIN_KEY_B;
const BACKUP = KEYS.BACKUP_KEY;
const stackWith = useStackPerTest();

describe('retries', () => {
  for (const status of [500, 503]) {
    it(`retries a ${status} and succeeds without the client seeing it`, async () => {
      const s = await stackWith({});
      s.mock.setScenario({ failFirst: 2, failStatus: status });
      const res = await postJson(completions(s), chatBody('solo', 'retry me'));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: { message: { content: string } }[] };
      expect(body.choices[0].message.content).toBe(mockReplyText('retry me', 16));
      expect(paths(s)).toEqual([OPENAI, OPENAI, OPENAI]);
    });
  }

  it('does not retry a 400 from upstream (the request itself is bad)', async () => {
    const s = await stackWith({});
    s.mock.setScenario({ failFirst: 5, failStatus: 400 });
    const res = await postJson(completions(s), chatBody('chat'));
    expect(res.status).toBe(400);
    expect(paths(s)).toEqual([OPENAI]);
  });

  it('honours a 429 retry-after within maxRetryAfter', async () => {
    const s = await stackWith({});
    s.mock.setScenario({ failFirst: 1, failStatus: 429, retryAfterSeconds: 0.3 });
    const res = await postJson(completions(s), chatBody('solo'));
    expect(res.status).toBe(200);
    const [first, second] = modelRequests(s.mock);
    expect(modelRequests(s.mock)).toHaveLength(2);
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(280);
  });

  it('skips to the fallback when retry-after exceeds maxRetryAfter', async () => {
    const s = await stackWith({
      mock: { keyScenarios: { [A]: { failFirst: 1, failStatus: 429, retryAfterSeconds: 30 } } },
    });
    const started = Date.now();
    const res = await postJson(completions(s), chatBody('chat', 'capped'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-parley-provider')).toBe('backup');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(paths(s)).toEqual([OPENAI, ANTHROPIC]);
  });
});

describe('key pool', () => {
  it('rotates past a refused key (401): the client never sees it and the key is never used again', async () => {
    const s = await stackWith({
      yaml: standardYaml({ mainKeys: ['env:MAIN_KEY_A', 'env:MAIN_KEY_B'] }),
      mock: { validKeys: [B, BACKUP] },
    });
    for (let i = 0; i < 4; i++) {
      const res = await postJson(completions(s), chatBody('solo', `turn ${i}`));
      expect(res.status).toBe(200);
      expect(res.headers.get('x-parley-provider')).toBe('main');
    }
    expect(modelRequests(s.mock).map(keyOf)).toEqual([A, B, B, B, B]);
  });

  it('logs the refused key by its id, never by its value', async () => {
    const s = await stackWith({
      yaml: standardYaml({ mainKeys: ['env:MAIN_KEY_A', 'env:MAIN_KEY_B'] }),
      mock: { validKeys: [B, BACKUP] },
      captureLogs: true,
    });
    expect((await postJson(completions(s), chatBody('solo'))).status).toBe(200);
    const lines = s.logs.map((l) => JSON.stringify(l));
    expect(lines.some((l) => l.includes(A) || l.includes(B))).toBe(false);
    expect(
      lines.filter((l) => l.includes('main#0')),
      'a log line naming the disabled key main#0',
    ).not.toHaveLength(0);
  });

  it('cools a rate-limited key (429) and sends the next requests to the other key', async () => {
    const s = await stackWith({
      yaml: standardYaml({ mainKeys: ['env:MAIN_KEY_A', 'env:MAIN_KEY_B'] }),
      mock: { keyScenarios: { [A]: { errorRates: { 429: 1 }, retryAfterSeconds: 5 } } },
    });
    for (let i = 0; i < 4; i++) {
      const res = await postJson(completions(s), chatBody('solo', `turn ${i}`));
      expect(res.status).toBe(200);
    }
    expect(modelRequests(s.mock).map(keyOf)).toEqual([A, B, B, B, B]);
  });

  it('returns a cooled key to the rotation once its retry-after has passed', async () => {
    const s = await stackWith({
      yaml: standardYaml({ mainKeys: ['env:MAIN_KEY_A', 'env:MAIN_KEY_B'] }),
      mock: { keyScenarios: { [A]: { failFirst: 1, failStatus: 429, retryAfterSeconds: 0.3 } } },
    });
    const started = Date.now();
    expect((await postJson(completions(s), chatBody('solo'))).status).toBe(200);
    await waitFor(
      async () => {
        expect((await postJson(completions(s), chatBody('solo'))).status).toBe(200);
        return keyOf(modelRequests(s.mock).at(-1)!) === A;
      },
      'key A to serve again',
      3_000,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(modelRequests(s.mock).map(keyOf).slice(0, 2)).toEqual([A, B]);
  });

  it('answers 503 with a clear message when every key is refused, and stops calling upstream', async () => {
    const s = await stackWith({
      yaml: standardYaml({ mainKeys: ['env:MAIN_KEY_A', 'env:MAIN_KEY_B'] }),
      mock: { validKeys: [BACKUP] },
    });
    const res = await postJson(completions(s), chatBody('solo'));
    expect(res.status).toBe(503);
    const body = (await res.json()) as Envelope;
    expect(body.error.code).toBe('no_healthy_key');
    expect(body.error.message).toMatch(/key/i);
    expect(body.error.message).toMatch(/refused|401/);
    expect(body.error.message).not.toContain(A);
    expect(modelRequests(s.mock).map(keyOf)).toEqual([A, B]);
    const again = await postJson(completions(s), chatBody('solo'));
    expect(again.status).toBe(503);
    expect(modelRequests(s.mock)).toHaveLength(2);
  });
});

describe('fallback', () => {
  it('falls back to the anthropic provider when the first is down (non-stream and stream)', async () => {
    const s = await stackWith({ mock: { keyScenarios: { [A]: { errorRates: { 503: 1 } } } } });
    const res = await postJson(completions(s), chatBody('chat', 'fall back'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-parley-provider')).toBe('backup');
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0].message.content).toBe(mockReplyText('fall back', 16));
    expect(paths(s)).toEqual([OPENAI, OPENAI, OPENAI, ANTHROPIC]);
    const anthropicCall = modelRequests(s.mock)[3];
    expect(anthropicCall.headers['x-api-key']).toBe(BACKUP);
    expect((anthropicCall.body as { model: string }).model).toBe('claude-haiku-4-5');

    s.mock.clearRequests();
    const streamed = await postJson(completions(s), chatBody('chat', 'fall back', { stream: true }));
    expect(streamed.status).toBe(200);
    const { events } = await readSse(streamed);
    expect(events.at(-1)!.data).toBe('[DONE]');
    expect(chunkText(events)).toBe(mockReplyText('fall back', 16));
    expect(paths(s).at(-1)).toBe(ANTHROPIC);
  });

  it('falls back when the first provider is unreachable (connection refused)', async () => {
    const s = await stackWith({
      yaml: (mockUrl) => standardYaml()(mockUrl).replace(`baseUrl: ${mockUrl}/v1`, 'baseUrl: http://127.0.0.1:9/v1'),
    });
    const res = await postJson(completions(s), chatBody('chat', 'unreachable'));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-parley-provider')).toBe('backup');
    expect(paths(s)).toEqual([ANTHROPIC]);
  });

  it('falls back on an HTTP 200 stream that carries only an error', async () => {
    const s = await stackWith({ mock: { keyScenarios: { [A]: { malformed: 'only-error-200' } } } });
    const res = await postJson(completions(s), chatBody('chat', 'error only', { stream: true }));
    expect(res.status).toBe(200);
    const { events, text } = await readSse(res);
    expect(text).not.toContain('"error"');
    expect(events.at(-1)!.data).toBe('[DONE]');
    expect(chunkText(events)).toBe(mockReplyText('error only', 16));
    expect(res.headers.get('x-parley-provider')).toBe('backup');
    expect(paths(s).at(-1)).toBe(ANTHROPIC);
  });

  it('reports 502 naming every target when all fail', async () => {
    const s = await stackWith({});
    s.mock.setScenario({ errorRates: { 500: 1 } });
    const res = await postJson(completions(s), chatBody('chat'));
    expect(res.status).toBe(502);
    const body = (await res.json()) as Envelope;
    expect(body.error.message).toContain('main/gpt-4o-mini');
    expect(body.error.message).toContain('backup/claude-haiku-4-5');
    expect(body.error.message).toMatch(/All 2 targets/);
  });

  it('reports 503 when every target is overloaded (503 / 529)', async () => {
    const s = await stackWith({ yaml: standardYaml({ retries: 0 }) });
    s.mock.setScenario({ errorRates: { 503: 1 } });
    const res = await postJson(completions(s), chatBody('chat'));
    expect(res.status).toBe(503);
    expect(((await res.json()) as Envelope).error.type).toBe('api_error');
  });
});

describe('circuit breaker', () => {
  it('opens after N failures, fails fast with 503 without calling upstream, then recovers through a half-open probe', async () => {
    const breaker = '    breaker: { failureThreshold: 3, window: 10s, cooldown: 400ms, halfOpenProbes: 1 }';
    const s = await stackWith({ yaml: standardYaml({ retries: 0, mainExtra: breaker }) });
    s.mock.setScenario({ errorRates: { 500: 1 } });
    for (let i = 0; i < 3; i++) expect((await postJson(completions(s), chatBody('solo'))).status).toBe(502);
    expect(modelRequests(s.mock)).toHaveLength(3);

    const open = await postJson(completions(s), chatBody('solo'));
    expect(open.status).toBe(503);
    const body = (await open.json()) as Envelope;
    expect(body.error.code).toBe('circuit_open');
    expect(body.error.message).toMatch(/circuit/i);
    expect(open.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(modelRequests(s.mock)).toHaveLength(3);

    s.mock.setScenario({ errorRates: {} });
    let recovered = false;
    await waitFor(
      async () => {
        const res = await postJson(completions(s), chatBody('solo'));
        await res.arrayBuffer();
        if (res.status === 200) recovered = true;
        else expect(res.status).toBe(503);
        return recovered;
      },
      'the breaker to let a probe through',
      3_000,
    );
    // Only the probe reached the upstream while the circuit was open.
    expect(modelRequests(s.mock)).toHaveLength(4);
    const after = await postJson(completions(s), chatBody('solo'));
    expect(after.status).toBe(200);
  });
});
