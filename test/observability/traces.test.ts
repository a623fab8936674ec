// Issue 4 §3 end to end: the spans a real Parley exports over OTLP/HTTP for chat and session requests.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { setTimeout as delay } from 'node:timers/promises';
import { attr, sseData, startTelemetryStack, type OtlpSpan, type TelemetryStack } from './stack.js';

const CANARY = 'CANARY-CONTENT-7f3a';
const REPLY_CANARY = 'CANARY-REPLY-19c4';
const EMAIL = 'canary.person@example.org';
const PARENT_ID = '00f067aa0ba902b7';
const traceparent = (traceId: string, flags = '01') => `00-${traceId}-${PARENT_ID}-${flags}`;

const YAML = `providers:
  - { id: main, type: openai, baseUrl: "\${MOCK}/v1", apiKeys: ["env:MAIN_KEY"], retry: { retries: 1, baseDelay: 1ms, maxDelay: 2ms } }
  - { id: backup, type: openai, baseUrl: "\${MOCK}/v1", apiKeys: ["env:BACKUP_KEY"], retry: { retries: 0 } }
models:
  - { name: fast, targets: [{ provider: main, model: gpt-4o-mini }] }
  - { name: chain, targets: [{ provider: main, model: gpt-4o-mini, retry: { retries: 0 } }, { provider: backup, model: gpt-4o }] }
cache: { mode: opt-in }
safety: { output: { rules: [{ category: test-words, action: redact, words: [verboten] }] } }
rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 }
`;
const ENV = { MAIN_KEY: 'sk-canary-main-0001', BACKUP_KEY: 'sk-canary-backup-0002' };

let s: TelemetryStack;
let user: string;

/** Waits until the receiver holds the server span of `traceId` (the batch exporter sends on its own clock). */
async function trace(
  traceId: string,
  serverName: string,
): Promise<{ server: OtlpSpan; all: OtlpSpan[]; children: OtlpSpan[] }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = s.receiver!.spans().filter((x) => x.traceId === traceId);
    const server = all.find((x) => x.name === serverName && x.kind === 2);
    if (server) {
      // The request span ends last; give children ended just before it one more export round.
      await delay(250);
      const again = s.receiver!.spans().filter((x) => x.traceId === traceId);
      return { server, all: again, children: again.filter((x) => x.parentSpanId === server.spanId) };
    }
    if (Date.now() > deadline)
      throw new Error(
        `no server span ${serverName} for trace ${traceId}; have ${s
          .receiver!.spans()
          .map((x) => x.name)
          .join(', ')}`,
      );
    await delay(50);
  }
}

function chat(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return s.call('POST', '/v1/chat/completions', user, body, headers);
}

beforeAll(async () => {
  s = await startTelemetryStack({ yaml: YAML, env: ENV, tracing: { sampleRatio: 1, exportDelayMs: 20 } });
  user = (await s.createKey('user')).secret;
});

afterAll(async () => {
  await s?.close();
});

describe('traces of a real Parley (OTLP/HTTP JSON receiver)', () => {
  it('continues the incoming traceparent with auth, privacy, cache, one span per attempt and output policy', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e0001';
    s.mock.clearRequests();
    s.mock.setScenario({ failFirst: 1, failStatus: 500, replyText: `${REPLY_CANARY} is the answer` });
    const res = await chat(
      { model: 'fast', messages: [{ role: 'user', content: `${CANARY} write to ${EMAIL}` }] },
      { traceparent: traceparent(traceId) },
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain(REPLY_CANARY);

    const { server, children } = await trace(traceId, 'POST /v1/chat/completions');
    expect(server.parentSpanId).toBe(PARENT_ID);
    expect(attr(server, 'http.route')).toBe('/v1/chat/completions');
    expect(attr(server, 'http.response.status_code')).toBe(200);
    expect(attr(server, 'gen_ai.operation.name')).toBe('chat');
    expect(attr(server, 'gen_ai.provider.name')).toBe('main');
    expect(attr(server, 'gen_ai.request.model')).toBe('fast');
    expect(attr(server, 'gen_ai.response.model')).toBe('gpt-4o-mini');
    expect(attr(server, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);
    expect(attr(server, 'gen_ai.usage.output_tokens')).toBe(4);
    expect(attr(server, 'gen_ai.response.finish_reasons')).toEqual(['stop']);
    expect(server.events?.map((e) => e.name)).toContain('parley.retry');

    expect(children.map((c) => c.name).sort()).toEqual([
      'chat gpt-4o-mini',
      'chat gpt-4o-mini',
      'parley.auth',
      'parley.cache',
      'parley.output_policy',
      'parley.privacy',
    ]);
    const privacy = children.find((c) => c.name === 'parley.privacy')!;
    expect(attr(privacy, 'parley.privacy.protected')).toBe(1);
    expect(
      attr(
        children.find((c) => c.name === 'parley.cache')!,
        'parley.cache.result',
      ),
    ).toBe('bypass');
    expect(
      attr(
        children.find((c) => c.name === 'parley.output_policy')!,
        'parley.outcome',
      ),
    ).toBe('success');

    const attempts = children
      .filter((c) => c.name === 'chat gpt-4o-mini')
      .sort((a, b) => Number(attr(a, 'parley.attempt')) - Number(attr(b, 'parley.attempt')));
    expect(
      attempts.map((a) => [attr(a, 'parley.attempt'), attr(a, 'parley.key_id'), attr(a, 'parley.fallback_index')]),
    ).toEqual([
      [1, 'main#0', 0],
      [2, 'main#0', 0],
    ]);
    expect(
      attempts.every(
        (a) =>
          a.kind === 3 &&
          attr(a, 'gen_ai.operation.name') === 'chat' &&
          attr(a, 'gen_ai.provider.name') === 'main' &&
          attr(a, 'gen_ai.request.model') === 'gpt-4o-mini',
      ),
    ).toBe(true);
    expect(attr(attempts[0], 'error.type')).toBe('upstream_server_error');
    expect(attr(attempts[0], 'http.response.status_code')).toBe(500);
    expect(attempts[0].status?.code).toBe(2);
    expect(attr(attempts[1], 'error.type')).toBeUndefined();

    // What reached the provider carries the same trace (and a parent inside Parley, not the caller's span).
    const upstream = s.mock.requests.filter((r) => r.path === '/v1/chat/completions');
    expect(upstream).toHaveLength(2);
    for (const r of upstream) {
      expect(r.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
      expect(r.headers.traceparent).not.toContain(PARENT_ID);
    }
  });

  it('gives each fallback target its own attempt span with its key and position', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e0002';
    s.mock.setScenario({ failFirst: 1, failStatus: 503, replyText: null });
    const res = await chat(
      { model: 'chain', stream: true, messages: [{ role: 'user', content: CANARY }] },
      { traceparent: traceparent(traceId) },
    );
    expect(res.status).toBe(200);
    expect(sseData(res.text).at(-1)).toBe('[DONE]');
    const { server, children } = await trace(traceId, 'POST /v1/chat/completions');
    const attempts = children.filter((c) => c.kind === 3);
    expect(
      attempts
        .map((a) => [
          a.name,
          attr(a, 'parley.attempt'),
          attr(a, 'parley.key_id'),
          attr(a, 'parley.fallback_index'),
          attr(a, 'gen_ai.provider.name'),
        ])
        .sort(),
    ).toEqual([
      ['chat gpt-4o', 1, 'backup#0', 1, 'backup'],
      ['chat gpt-4o-mini', 1, 'main#0', 0, 'main'],
    ]);
    expect(server.events?.map((e) => e.name)).toContain('parley.fallback');
    expect(attr(server, 'gen_ai.provider.name')).toBe('backup');
    expect(attr(server, 'gen_ai.response.finish_reasons')).toEqual(['stop']);
  });

  it('marks an upstream failure on the server span by catalogue code', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e0003';
    s.mock.setScenario({ failFirst: 5, failStatus: 502 });
    const res = await chat(
      { model: 'fast', messages: [{ role: 'user', content: CANARY }] },
      { traceparent: traceparent(traceId) },
    );
    expect(res.status).toBeGreaterThanOrEqual(500);
    const { server, children } = await trace(traceId, 'POST /v1/chat/completions');
    expect(server.status?.code).toBe(2);
    expect(attr(server, 'error.type')).toMatch(/^upstream_/);
    expect(children.filter((c) => c.kind === 3)).toHaveLength(2);
    s.mock.resetScenario();
  });

  it('traces session messages and cache hits through the same steps', async () => {
    s.mock.resetScenario();
    const created = await s.call('POST', '/v1/sessions', user, { model: 'fast' });
    expect(created.status).toBe(201);
    const sessionId = (JSON.parse(created.text) as { id: string }).id;
    const send = (traceId: string) =>
      s.call(
        'POST',
        `/v1/sessions/${sessionId}/messages`,
        user,
        { content: `${CANARY} again`, stream: true },
        { traceparent: traceparent(traceId), 'x-parley-cache': 'use' },
      );

    const first = '4bf92f3577b34da6a3ce929d0e0e0004';
    expect((await send(first)).status).toBe(200);
    const t1 = await trace(first, 'POST /v1/sessions/:id/messages');
    expect(t1.children.map((c) => c.name).sort()).toEqual([
      'chat gpt-4o-mini',
      'parley.auth',
      'parley.cache',
      'parley.output_policy',
      'parley.privacy',
    ]);
    expect(
      attr(
        t1.children.find((c) => c.name === 'parley.cache')!,
        'parley.cache.result',
      ),
    ).toBe('miss');
    expect(attr(t1.server, 'gen_ai.operation.name')).toBe('chat');
    expect(attr(t1.server, 'gen_ai.provider.name')).toBe('main');
    expect(attr(t1.server, 'gen_ai.response.model')).toBe('gpt-4o-mini');
    // (gen_ai.request.model is still '' here: the session route never sets request.parley.log.model; see the report.)

    // A cache hit: the same temperature-0 request twice through the stateless API.
    const body = { model: 'fast', temperature: 0, messages: [{ role: 'user', content: `${CANARY} cached` }] };
    expect((await chat(body, { 'x-parley-cache': 'use' })).status).toBe(200);
    const hitTrace = '4bf92f3577b34da6a3ce929d0e0e0005';
    const hit = await chat(body, { 'x-parley-cache': 'use', traceparent: traceparent(hitTrace) });
    expect(hit.headers.get('x-parley-cache')).toBe('hit');
    const t2 = await trace(hitTrace, 'POST /v1/chat/completions');
    expect(
      attr(
        t2.children.find((c) => c.name === 'parley.cache')!,
        'parley.cache.result',
      ),
    ).toBe('hit');
    expect(t2.children.filter((c) => c.kind === 3)).toHaveLength(0);
  });

  it('coalesces identical concurrent requests: one upstream attempt, a coalesced cache span and metric', async () => {
    s.mock.setScenario({ ttftMs: 200, failFirst: 0 });
    const before = s.mock.requests.length;
    const body = { model: 'fast', temperature: 0, messages: [{ role: 'user', content: `${CANARY} together` }] };
    const [a, b] = ['4bf92f3577b34da6a3ce929d0e0e0006', '4bf92f3577b34da6a3ce929d0e0e0007'];
    const first = chat(body, { 'x-parley-cache': 'use', traceparent: traceparent(a) });
    await delay(50);
    const second = await chat(body, { 'x-parley-cache': 'use', traceparent: traceparent(b) });
    expect((await first).status).toBe(200);
    expect(second.headers.get('x-parley-coalesced')).toBe('true');
    expect(s.mock.requests.length - before).toBe(1);
    const tb = await trace(b, 'POST /v1/chat/completions');
    expect(
      attr(
        tb.children.find((c) => c.name === 'parley.cache')!,
        'parley.cache.result',
      ),
    ).toBe('coalesced');
    expect(await s.parley.metrics.render()).toMatch(/parley_cache_requests_total\{result="coalesced"\} 1\n/);
    s.mock.resetScenario();
  });

  it('an embeddings request: operation embeddings, input tokens, privacy and cache steps, one attempt span', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e0e01';
    const res = await s.call(
      'POST',
      '/v1/embeddings',
      user,
      { model: 'fast', input: [`${CANARY} mail ${EMAIL}`] },
      { traceparent: traceparent(traceId) },
    );
    expect(res.status).toBe(200);
    const { server, children } = await trace(traceId, 'POST /v1/embeddings');
    expect(attr(server, 'gen_ai.operation.name')).toBe('embeddings');
    expect(attr(server, 'gen_ai.request.model')).toBe('fast');
    expect(attr(server, 'gen_ai.response.model')).toBe('gpt-4o-mini');
    expect(attr(server, 'gen_ai.usage.input_tokens')).toBeGreaterThan(0);
    expect(children.map((c) => c.name).sort()).toEqual([
      'chat gpt-4o-mini',
      'parley.auth',
      'parley.cache',
      'parley.privacy',
    ]);
    expect(
      attr(
        children.find((c) => c.name === 'parley.privacy')!,
        'parley.privacy.protected',
      ),
    ).toBe(1);
  });

  it('never exports content, keys or identities in any attribute', async () => {
    await delay(100);
    const exported = s.receiver!.bodies.join('\n');
    expect(exported.length).toBeGreaterThan(1000);
    for (const secret of [
      CANARY,
      REPLY_CANARY,
      EMAIL,
      'canary.person',
      ENV.MAIN_KEY,
      ENV.BACKUP_KEY,
      user,
      s.adminKey,
      'Mock reply',
    ]) {
      expect(exported, secret).not.toContain(secret);
    }
  });
});

describe('sampling', () => {
  it('exports nothing for new traces at ratio 0, and follows a sampled parent', async () => {
    const z = await startTelemetryStack({ yaml: YAML, env: ENV, tracing: { sampleRatio: 0 } });
    try {
      const key = (await z.createKey('user')).secret;
      const body = { model: 'fast', messages: [{ role: 'user', content: 'hello' }] };
      expect((await z.call('POST', '/v1/chat/completions', key, body)).status).toBe(200);
      expect(
        (
          await z.call('POST', '/v1/chat/completions', key, body, {
            traceparent: traceparent('4bf92f3577b34da6a3ce929d0e0e00a0', '00'),
          })
        ).status,
      ).toBe(200);
      const sampled = '4bf92f3577b34da6a3ce929d0e0e00a1';
      expect(
        (await z.call('POST', '/v1/chat/completions', key, body, { traceparent: traceparent(sampled) })).status,
      ).toBe(200);
      // Unsampled requests still pass the caller's trace upstream.
      expect(z.mock.requests.at(-2)?.headers.traceparent).toMatch(
        /^00-4bf92f3577b34da6a3ce929d0e0e00a0-[0-9a-f]{16}-00$/,
      );
    } finally {
      await z.parley.shutdown(); // flushes the batch exporter
    }
    const spans = z.receiver!.spans();
    await z.close();
    expect(spans.length).toBeGreaterThanOrEqual(6);
    expect([...new Set(spans.map((x) => x.traceId))]).toEqual(['4bf92f3577b34da6a3ce929d0e0e00a1']);
    expect(spans.map((x) => x.name)).toEqual(
      expect.arrayContaining([
        'POST /v1/chat/completions',
        'parley.auth',
        'parley.privacy',
        'parley.cache',
        'parley.output_policy',
        'chat gpt-4o-mini',
      ]),
    );
  });
});
