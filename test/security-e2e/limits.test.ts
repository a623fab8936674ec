// Attacks issue 3 point 6: per-principal rate limits (requests, concurrent answers, tokens) and input limits.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_FILE_NAME } from '../../src/audit/audit-log.js';
import { chatBody, startSecStack, until, type SecStack } from './harness.js';

describe('requests per minute', () => {
  let stack: SecStack;
  beforeAll(async () => {
    stack = await startSecStack({
      yaml: () => 'rateLimits: { requestsPerMinute: 3, tokensPerMinute: 0, concurrentStreams: 0 }',
    });
  });
  afterAll(async () => stack?.close());

  it('the 4th request in a minute is a 429 with Retry-After and IETF RateLimit headers; another key is unaffected', async () => {
    const a = (await stack.createKey('user', { name: 'a' })).secret;
    const b = (await stack.createKey('user', { name: 'b' })).secret;
    for (let i = 0; i < 3; i++) {
      const r = await stack.call('GET', '/v1/models', { key: a });
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-policy')).toBe('"requests";q=3;w=60');
      expect(r.headers.get('ratelimit')).toMatch(new RegExp(`^"requests";r=${2 - i};t=\\d+$`));
    }
    const refused = await stack.call('GET', '/v1/models', { key: a });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.headers.get('ratelimit-policy')).toBe('"requests";q=3;w=60');
    expect(refused.headers.get('ratelimit')).toMatch(/^"requests";r=0;t=\d+$/);
    expect(refused.json.error.type).toBe('rate_limit_error');
    expect(refused.json.error.message).toMatch(/3 requests per minute/);
    expect(refused.json.error.message).toMatch(/[Rr]etry in \d+ s/);
    // Chat is refused the same way, before anything reaches the provider.
    const upstream = stack.mock.requests.length;
    expect((await stack.call('POST', '/v1/chat/completions', { key: a, body: chatBody('hi') })).status).toBe(429);
    expect(stack.mock.requests.length).toBe(upstream);
    // Another principal has its own budget.
    expect((await stack.call('GET', '/v1/models', { key: b })).status).toBe(200);
    // Bad credentials do not eat a principal's budget, and are refused as 401 (not 429).
    expect((await stack.call('GET', '/v1/models', { key: 'prl_bogus' })).status).toBe(401);
  });
});

describe('concurrent answers, tokens per minute and input limits', () => {
  let stack: SecStack;
  beforeAll(async () => {
    stack = await startSecStack({
      server: 'bodyLimit: 4kb',
      yaml: () => `rateLimits: { requestsPerMinute: 0, tokensPerMinute: 60, concurrentStreams: 1 }
limits: { maxMessages: 3, maxMessageChars: 200, maxTokens: 64 }`,
    });
  });
  afterAll(async () => stack?.close());

  it('a second concurrent answer of the same principal is a 429; another principal is unaffected', async () => {
    const a = (await stack.createKey('user', { name: 'streamer' })).secret;
    const b = (await stack.createKey('user', { name: 'other' })).secret;
    stack.mock.setScenario({ tokens: 3, ttftMs: 400 });
    const opened = stack.mock.stats.requests;
    const first = stack.call('POST', '/v1/chat/completions', { key: a, body: chatBody('slow one', { stream: true }) });
    await until(() => stack.mock.stats.requests > opened, 5_000, 'the first answer to reach the provider');
    const second = await stack.call('POST', '/v1/chat/completions', {
      key: a,
      body: chatBody('second', { stream: true }),
    });
    expect(second.status).toBe(429);
    expect(second.json.error.message).toMatch(/limit 1 at once/);
    expect(second.headers.get('retry-after')).toBe('1');
    const other = await stack.call('POST', '/v1/chat/completions', { key: b, body: chatBody('meanwhile') });
    expect(other.status).toBe(200);
    expect((await first).status).toBe(200);
    stack.mock.resetScenario();
    // The slot is released when the answer ends.
    expect((await stack.call('POST', '/v1/chat/completions', { key: a, body: chatBody('after') })).status).toBe(200);
  });

  it('tokens per minute: refused once the usage charged reaches the budget, per principal', async () => {
    const a = (await stack.createKey('user', { name: 'tokens-a' })).secret;
    const b = (await stack.createKey('user', { name: 'tokens-b' })).secret;
    stack.mock.setScenario({ tokens: 20 });
    let charged = 0;
    let refused: Awaited<ReturnType<SecStack['call']>> | undefined;
    for (let i = 0; i < 10 && !refused; i++) {
      const r = await stack.call('POST', '/v1/chat/completions', { key: a, body: chatBody(`count ${i}`) });
      if (r.status === 429) refused = r;
      else {
        expect(r.status).toBe(200);
        charged += r.json.usage.total_tokens;
      }
    }
    stack.mock.resetScenario();
    expect(refused, 'never refused').toBeDefined();
    expect(charged).toBeGreaterThanOrEqual(60);
    expect(refused!.json.error.message).toMatch(/60 tokens per minute/);
    expect(refused!.headers.get('ratelimit-policy')).toBe('"tokens";q=60;w=60');
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await stack.call('POST', '/v1/chat/completions', { key: b, body: chatBody('fresh budget') })).status).toBe(
      200,
    );
  });

  it('an oversized body is a 413 before anything runs', async () => {
    const a = (await stack.createKey('user')).secret;
    const r = await stack.call('POST', '/v1/chat/completions', {
      key: a,
      rawBody: JSON.stringify(chatBody('x'.repeat(5_000))),
    });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('payload_too_large');
  });

  it.each([
    [
      'too many messages',
      { model: 'chat', messages: Array.from({ length: 4 }, () => ({ role: 'user', content: 'hi' })) },
      /messages/,
    ],
    ['a too long message', chatBody('y'.repeat(201)), /messages\.0\.content/],
    ['max_tokens too large', chatBody('hi', { max_tokens: 65 }), /max_tokens/],
    ['max_completion_tokens too large', chatBody('hi', { max_completion_tokens: 100 }), /max_completion_tokens/],
  ])('%s is a 400 naming the field', async (_label, body, field) => {
    const a = (await stack.createKey('user')).secret;
    const upstream = stack.mock.requests.length;
    const r = await stack.call('POST', '/v1/chat/completions', { key: a, body });
    expect(r.status).toBe(400);
    expect(r.json.error.type).toBe('invalid_request_error');
    expect(r.json.error.message).toMatch(field);
    expect(stack.mock.requests.length).toBe(upstream);
  });

  it('session messages obey the same length limit', async () => {
    const a = (await stack.createKey('user')).secret;
    const s = await stack.call('POST', '/v1/sessions', { key: a, body: {} });
    const r = await stack.call('POST', `/v1/sessions/${s.json.id}/messages`, {
      key: a,
      body: { content: 'z'.repeat(201) },
    });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/content/);
  });
});

describe('refused credentials per client', () => {
  let stack: SecStack;
  beforeAll(async () => {
    stack = await startSecStack({
      yaml: () =>
        'rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0, failedAuthPerMinute: 3 }',
    });
  });
  afterAll(async () => stack?.close());

  it('after 3 refused credentials the client gets 429 before any credential is checked, audited and counted', async () => {
    // Created first: once the client is limited, even the admin key is not looked at from this address.
    const user = (await stack.createKey('user', { name: 'honest user' })).secret;
    for (const bad of ['prl_bogus', 'not-a-key', `prl_${'0'.repeat(38)}`])
      expect((await stack.call('GET', '/v1/models', { key: bad })).status).toBe(401);
    const limited = await stack.call('GET', '/v1/models', { key: user });
    expect(limited.status).toBe(429);
    expect(limited.json.error.type).toBe('rate_limit_error');
    expect(limited.json.error.message).toMatch(
      /Rate limit reached: 3 refused credentials per minute from one client\. Retry in \d+ s/,
    );
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers.get('ratelimit-policy')).toBe('"failed_auth";q=3;w=60');
    expect(limited.headers.get('ratelimit')).toMatch(/^"failed_auth";r=0;t=\d+$/);
    // Public probes stay open to the limited client.
    expect((await stack.call('GET', '/healthz')).status).toBe(200);
    // Counted in metrics (read in-process: over HTTP this address is limited too).
    const metrics = await stack.parley.metrics.render();
    expect(metrics).toMatch(/parley_rate_limited_total\{limit="failed_auth"\} [1-9]/);
    // Every decision is in the trail: the three refused credentials, then each refusal of the limited client.
    await stack.parley.audit.flush();
    const lines = (await readFile(join(stack.dataDir, DEFAULT_AUDIT_FILE_NAME), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; outcome: string; details?: { reason?: string } });
    const failures = lines.filter((l) => l.action === 'auth.failure');
    expect(failures.map((l) => l.details?.reason)).toEqual(['malformed', 'malformed', 'malformed', 'client_limited']);
    expect(failures.map((l) => l.outcome)).toEqual(['failure', 'failure', 'failure', 'denied']);
  });
});

describe('a chat admission whose request never reaches the chat service', () => {
  let stack: SecStack;
  beforeAll(async () => {
    stack = await startSecStack({
      yaml: () => 'rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 1 }',
    });
  });
  afterAll(async () => stack?.close());

  it('gives its concurrency slot back: refused requests (400, 404) leave the only slot free for the next answer', async () => {
    const key = (await stack.createKey('user', { name: 'refused-then-served' })).secret;
    // The admission starts when the request is authenticated; these are refused afterwards, before any answer.
    expect(
      (await stack.call('POST', '/v1/chat/completions', { key, body: { model: 'mock-a', messages: 'not a list' } }))
        .status,
    ).toBe(400);
    expect(
      (await stack.call('POST', '/v1/chat/completions', { key, body: { ...chatBody('hi'), model: 'no-such-model' } }))
        .status,
    ).toBe(404);
    // The slot is released when the refused response closes; a slot that leaked would be held (and renewed) for good.
    await until(
      async () => (await stack.call('POST', '/v1/chat/completions', { key, body: chatBody('served') })).status === 200,
      5_000,
      'the only slot to be free again',
    );
  });
});
