// Error injection of the mock upstream: envelopes per status, retry-after, failFirst, seeded rates, overrides, keys.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream } from '../../src/mock-upstream/index.js';
import type { MockUpstream } from '../../src/mock-upstream/index.js';
import { ANTHROPIC_HEADERS, anthropicBody, openaiBody, post } from './helpers.js';

const STATUSES = [400, 401, 403, 404, 408, 409, 413, 422, 429, 500, 502, 503, 504, 529];
const RETRY_AFTER = new Set([429, 503, 529]);

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({
    keyScenarios: {
      'key-a': { errorRates: { 429: 1 }, retryAfterSeconds: 1 },
      'key-b': { errorRates: { 401: 1 } },
    },
    modelScenarios: { 'dead-model': { errorRates: { 500: 1 } } },
  });
});
afterAll(async () => {
  await mock.close();
});

/** Each distinct header value counts failFirst on its own, so `seed` keeps the dialects' tests apart. */
function failOnce(status: number, seed: number): Record<string, string> {
  return { 'x-mock-scenario': JSON.stringify({ failFirst: 1, failStatus: status, retryAfterSeconds: 3, seed }) };
}

describe('mock upstream: error envelopes', () => {
  it.each(STATUSES)('OpenAI %i has the error envelope and the right headers', async (status) => {
    const res = await post(`${mock.url}/v1/chat/completions`, openaiBody({ stream: true }), failOnce(status, 1));
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-request-id']).toMatch(/^req_/);
    const body = JSON.parse(res.text) as { error: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(['error']);
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.type).toBe(
      status === 429
        ? 'requests'
        : status >= 500 || status === 408 || status === 409
          ? 'server_error'
          : 'invalid_request_error',
    );
    if (status === 401) expect(body.error.code).toBe('invalid_api_key');
    if (status === 429) expect(body.error.code).toBe('rate_limit_exceeded');
    expect(res.headers['retry-after']).toBe(RETRY_AFTER.has(status) ? '3' : undefined);
    expect(res.headers['retry-after-ms']).toBe(RETRY_AFTER.has(status) ? '3000' : undefined);
  });

  const anthropicTypes: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    403: 'permission_error',
    404: 'not_found_error',
    408: 'timeout_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    500: 'api_error',
    502: 'api_error',
    503: 'overloaded_error',
    504: 'timeout_error',
    529: 'overloaded_error',
  };
  it.each(Object.keys(anthropicTypes).map(Number))(
    'Anthropic %i has the error envelope and the right headers',
    async (status) => {
      const res = await post(`${mock.url}/v1/messages`, anthropicBody(), {
        ...ANTHROPIC_HEADERS,
        ...failOnce(status, 2),
      });
      expect(res.status).toBe(status);
      const body = JSON.parse(res.text);
      expect(body).toEqual({
        type: 'error',
        error: { type: anthropicTypes[status], message: expect.any(String) },
        request_id: res.headers['request-id'],
      });
      expect(res.headers['retry-after']).toBe(RETRY_AFTER.has(status) ? '3' : undefined);
    },
  );

  it('rounds fractional retry-after up and keeps milliseconds in retry-after-ms', async () => {
    const headers = { 'x-mock-scenario': JSON.stringify({ failFirst: 1, failStatus: 503, retryAfterSeconds: 0.25 }) };
    const res = await post(`${mock.url}/v1/chat/completions`, openaiBody(), headers);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['retry-after-ms']).toBe('250');
  });
});

describe('mock upstream: deterministic and random failures', () => {
  it('fails exactly the first N requests, and setScenario restarts the count', async () => {
    const local = await startMockUpstream({ scenario: { failFirst: 2, failStatus: 503 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await post(`${local.url}/v1/chat/completions`, openaiBody())).status);
      expect(statuses).toEqual([503, 503, 200, 200]);
      local.setScenario({ failFirst: 1, failStatus: 500 });
      expect((await post(`${local.url}/v1/chat/completions`, openaiBody())).status).toBe(500);
      expect((await post(`${local.url}/v1/chat/completions`, openaiBody())).status).toBe(200);
      local.resetScenario();
      expect((await post(`${local.url}/v1/chat/completions`, openaiBody())).status).toBe(503);
    } finally {
      await local.close();
    }
  });

  it('draws error rates from a seeded RNG: same seed, same sequence', async () => {
    const run = async (): Promise<number[]> => {
      const local = await startMockUpstream({ scenario: { errorRates: { 500: 0.3, 429: 0.2 }, seed: 42, tokens: 1 } });
      try {
        const out: number[] = [];
        for (let i = 0; i < 30; i++) out.push((await post(`${local.url}/v1/chat/completions`, openaiBody())).status);
        return out;
      } finally {
        await local.close();
      }
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 429, 500]));
  });

  it('applies x-mock-scenario to that request only, with its own failFirst counter', async () => {
    const header = { 'x-mock-scenario': JSON.stringify({ failFirst: 1, failStatus: 502 }) };
    expect((await post(`${mock.url}/v1/chat/completions`, openaiBody(), header)).status).toBe(502);
    expect((await post(`${mock.url}/v1/chat/completions`, openaiBody())).status).toBe(200);
    expect((await post(`${mock.url}/v1/chat/completions`, openaiBody(), header)).status).toBe(200);
    const [short, long] = await Promise.all([
      post(`${mock.url}/v1/chat/completions`, openaiBody(), { 'x-mock-scenario': '{"tokens":2,"tokenDelayMs":5}' }),
      post(`${mock.url}/v1/chat/completions`, openaiBody(), { 'x-mock-scenario': '{"tokens":6}' }),
    ]);
    expect(JSON.parse(short.text).usage.completion_tokens).toBe(2);
    expect(JSON.parse(long.text).usage.completion_tokens).toBe(6);
  });

  it('rejects an invalid x-mock-scenario header with a 400 naming the field', async () => {
    const res = await post(`${mock.url}/v1/chat/completions`, openaiBody(), { 'x-mock-scenario': '{"tokenz":3}' });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).error).toMatchObject({
      code: 'mock_bad_scenario',
      message: expect.stringContaining('tokenz'),
    });
  });

  it('applies keyScenarios per API key (OpenAI bearer and Anthropic x-api-key)', async () => {
    const a = await post(`${mock.url}/v1/chat/completions`, openaiBody(), { authorization: 'Bearer key-a' });
    expect(a.status).toBe(429);
    expect(a.headers['retry-after']).toBe('1');
    const b = await post(`${mock.url}/v1/chat/completions`, openaiBody(), { authorization: 'Bearer key-b' });
    expect(b.status).toBe(401);
    expect(JSON.parse(b.text).error.code).toBe('invalid_api_key');
    expect(
      (await post(`${mock.url}/v1/chat/completions`, openaiBody(), { authorization: 'Bearer key-c' })).status,
    ).toBe(200);
    const anthropic = await post(`${mock.url}/v1/messages`, anthropicBody(), {
      ...ANTHROPIC_HEADERS,
      'x-api-key': 'key-a',
    });
    expect(anthropic.status).toBe(429);
    expect(JSON.parse(anthropic.text).error.type).toBe('rate_limit_error');
  });
});

describe('mock upstream: modelScenarios', () => {
  it('applies a scenario per requested model, in both dialects, leaving other models alone', async () => {
    const dead = await post(`${mock.url}/v1/chat/completions`, { ...openaiBody(), model: 'dead-model' });
    expect(dead.status).toBe(500);
    expect((await post(`${mock.url}/v1/chat/completions`, { ...openaiBody(), model: 'alive-model' })).status).toBe(200);
    const anthropic = await post(
      `${mock.url}/v1/messages`,
      { ...anthropicBody(), model: 'dead-model' },
      { ...ANTHROPIC_HEADERS, 'x-api-key': 'key-c' },
    );
    expect(anthropic.status).toBe(500);
    expect(JSON.parse(anthropic.text).error.type).toBe('api_error');
  });
});

describe('mock upstream: validKeys', () => {
  it('accepts only the configured keys, without echoing a rejected key', async () => {
    const local = await startMockUpstream({ validKeys: ['sk-good-0123456789'] });
    try {
      const ok = await post(`${local.url}/v1/chat/completions`, openaiBody(), {
        authorization: 'Bearer sk-good-0123456789',
      });
      expect(ok.status).toBe(200);
      const wrong = await post(`${local.url}/v1/chat/completions`, openaiBody(), {
        authorization: 'Bearer sk-wrong-0123456789',
      });
      expect(wrong.status).toBe(401);
      const error = JSON.parse(wrong.text).error;
      expect(error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
      expect(error.message).not.toContain('sk-wrong-0123456789');
      const missing = await post(`${local.url}/v1/chat/completions`, openaiBody());
      expect(missing.status).toBe(401);
      const anthropic = await post(`${local.url}/v1/messages`, anthropicBody(), {
        ...ANTHROPIC_HEADERS,
        'x-api-key': 'nope',
      });
      expect(anthropic.status).toBe(401);
      expect(JSON.parse(anthropic.text).error.type).toBe('authentication_error');
      const anthropicOk = await post(`${local.url}/v1/messages`, anthropicBody(), {
        ...ANTHROPIC_HEADERS,
        'x-api-key': 'sk-good-0123456789',
      });
      expect(anthropicOk.status).toBe(200);
    } finally {
      await local.close();
    }
  });
});
