// Honest figures and messages: overhead excludes provider waits, every catalogue code goes out with its own status,
// and a reply broken off mid-way says so.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE, ParleyError, type ErrorCode } from '../../src/domain/index.js';
import { startSecStack, type SecStack } from '../security-e2e/harness.js';

const UPSTREAM_STATUSES: [number, ErrorCode][] = [
  [400, 'upstream_bad_request'],
  [401, 'upstream_auth'],
  [404, 'upstream_not_found'],
  [408, 'upstream_timeout'],
  [409, 'upstream_conflict'],
  [429, 'upstream_rate_limited'],
  [500, 'upstream_server_error'],
  [503, 'upstream_overloaded'],
  [529, 'upstream_overloaded'],
];

let stack: SecStack;

beforeAll(async () => {
  const keyScenarios: Record<string, object> = {
    'k-retry-after-once': { failFirst: 1, failStatus: 429, retryAfterSeconds: 2 },
    'k-retry-after-always': { errorRates: { 429: 1 }, retryAfterSeconds: 2 },
    'k-reset': { resetAfterTokens: 3, tokens: 10 },
  };
  for (const [status] of UPSTREAM_STATUSES) keyScenarios[`k-${status}`] = { errorRates: { [status]: 1 } };
  const env: Record<string, string> = Object.fromEntries(
    Object.keys(keyScenarios).map((k) => [`KEY_${k.slice(2).replace(/-/g, '_').toUpperCase()}`, k]),
  );
  const provider = (id: string, key: string, extra = 'retry: { retries: 0 }'): string =>
    `  - { id: ${id}, type: openai, baseUrl: "MOCK/v1", apiKeys: ` +
    `["env:KEY_${key.replace(/-/g, '_').toUpperCase()}"], ${extra} }`;
  const providers = [
    provider('once', 'retry-after-once', 'retry: { retries: 1, maxRetryAfter: 5s }'),
    provider('always', 'retry-after-always', 'retry: { retries: 1, maxRetryAfter: 5s }'),
    provider('reset', 'reset'),
    ...UPSTREAM_STATUSES.map(([s]) => provider(`s${s}`, String(s))),
  ];
  const models = [
    '  - { name: once, targets: [{ provider: once, model: m }] }',
    '  - { name: always, targets: [{ provider: always, model: m }] }',
    '  - { name: reset, targets: [{ provider: reset, model: m }] }',
    ...UPSTREAM_STATUSES.map(([s]) => `  - { name: s${s}, targets: [{ provider: s${s}, model: m }] }`),
    '  - { name: chain, targets: [{ provider: s500, model: m }, { provider: s529, model: m }] }',
  ];
  stack = await startSecStack({
    env,
    mock: { keyScenarios, record: false },
    providers: (url) => `providers:\n${providers.join('\n').replaceAll('MOCK', url)}\nmodels:\n${models.join('\n')}\n`,
    plugins: [
      (app) => {
        app.get<{ Params: { code: string } }>(
          '/__test/fail/:code',
          { config: { public: true }, schema: { hide: true } },
          async (request) => {
            throw new ParleyError(request.params.code as ErrorCode, `test failure ${request.params.code}`);
          },
        );
      },
    ],
  });
});
afterAll(async () => {
  await stack?.close();
});

async function chat(
  model: string,
  stream = false,
): Promise<{ status: number; headers: Headers; text: string; ms: number }> {
  const t0 = performance.now();
  const res = await fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'hello there' }] }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, ms: performance.now() - t0 };
}

describe('x-parley-overhead-ms', () => {
  it('leaves out a 2 s retry-after wait before a success', async () => {
    const r = await chat('once');
    expect(r.status).toBe(200);
    expect(r.ms).toBeGreaterThanOrEqual(2000); // the wait happened...
    expect(Number(r.headers.get('x-parley-overhead-ms'))).toBeLessThan(1000); // ...and is not counted as Parley's
  });

  it('leaves out the wait when the run fails after it, and streams alike', async () => {
    const failed = await chat('always');
    expect(failed.status).toBe(503);
    expect(failed.ms).toBeGreaterThanOrEqual(2000);
    expect(Number(failed.headers.get('x-parley-overhead-ms'))).toBeLessThan(1000);
    const streamed = await chat('always', true);
    expect(streamed.status).toBe(503);
    expect(Number(streamed.headers.get('x-parley-overhead-ms'))).toBeLessThan(1000);
  });
});

describe('statuses follow the catalogue', () => {
  it.each(Object.keys(ERROR_CATALOGUE) as ErrorCode[])(
    '%s goes out with its catalogue status and type',
    async (code) => {
      const res = await fetch(`${stack.url}/__test/fail/${code}`);
      const body = (await res.json()) as { error: { code: string; type: string } };
      expect(res.status).toBe(ERROR_CATALOGUE[code].status);
      expect(body.error).toMatchObject({ code, type: ERROR_CATALOGUE[code].type });
    },
  );

  it.each(UPSTREAM_STATUSES)(
    'a provider answering %i gives %s with its catalogue status, plain and streamed',
    async (status, code) => {
      // A 401 disables the provider key, and the key pool then reports no_healthy_key: still with its own status.
      const expected = status === 401 ? 'no_healthy_key' : code;
      for (const stream of [false, true]) {
        const r = await chat(`s${status}`, stream);
        expect(JSON.parse(r.text).error.code).toBe(expected);
        expect(r.status).toBe(ERROR_CATALOGUE[expected].status);
      }
    },
  );

  it('a chain whose last target is overloaded after a server error is 503 upstream_overloaded', async () => {
    const r = await chat('chain');
    expect(JSON.parse(r.text).error.code).toBe('upstream_overloaded');
    expect(r.status).toBe(503);
  });
});

describe('a reply broken off', () => {
  it('says the provider broke the reply off, not that it could not be reached', async () => {
    const r = await chat('reset', true);
    expect(r.status).toBe(200);
    expect(r.text).toContain('broke the reply off');
    expect(r.text).not.toContain('Could not reach');
  });
});
