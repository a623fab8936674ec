// Issue 4 §1 end to end: one structured line per request, start-up/shutdown lines, and no content or secret anywhere.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { TelemetryStack } from './stack.js';
import { BOGUS_KEY, CONTENT_CANARIES, ENV, driveTraffic, startTrafficStack, type TrafficIds } from './traffic.js';

let s: TelemetryStack;
let ids: TrafficIds;
let metricsText = '';
let logs: Record<string, unknown>[] = [];
let spansText = '';

beforeAll(async () => {
  s = await startTrafficStack({ sampleRatio: 1, exportDelayMs: 20 });
  try {
    ids = await driveTraffic(s);
    const res = await s.call('GET', '/metrics', ids.auditor.secret);
    expect(res.status).toBe(200);
    metricsText = res.text;
  } finally {
    await s.parley.shutdown(); // flushes the span exporter and writes the shutdown lines
  }
  logs = s.logs();
  spansText = s.receiver!.bodies.join('\n');
}, 30_000);

afterAll(async () => {
  await s?.close();
});

const requestLines = () => logs.filter((l) => l.msg === 'request');
const chatLines = () => requestLines().filter((l) => l.route === '/v1/chat/completions' && l.status === 200);

describe('request log lines', () => {
  it('writes exactly one line per answered request, with its request id, trace id and status', () => {
    const lines = requestLines();
    expect(s.responses.length).toBeGreaterThan(25);
    for (const r of s.responses) {
      const mine = lines.filter((l) => l.reqId === r.requestId);
      expect(mine, `${r.method} ${r.path}`).toHaveLength(1);
      expect(mine[0].status).toBe(r.status);
      expect(mine[0].method).toBe(r.method);
      expect(mine[0].route).toMatch(/^\/(v1|metrics)/);
      expect(typeof mine[0].latencyMs).toBe('number');
      expect(mine[0].traceId).toMatch(/^[0-9a-f]{32}$/);
    }
    // Every answered request has its line, plus exactly one for the turn whose client left mid-stream (status 499).
    expect(lines.length).toBe(s.responses.length + 1);
    const abandoned = lines.filter((l) => l.status === 499);
    expect(abandoned).toHaveLength(1);
    expect(abandoned[0].errorCode).toBe('client_closed');
  });

  it('names the principal on authenticated requests and nobody on a 401', () => {
    const lines = requestLines();
    const unauthorized = lines.filter((l) => l.status === 401);
    expect(unauthorized).toHaveLength(1);
    expect(unauthorized[0].principalId).toBeUndefined();
    expect(unauthorized[0].errorCode).toBe('unauthorized');
    const users = lines.filter((l) => l.principalId === ids.user.id);
    expect(users.length).toBeGreaterThan(20);
    expect(lines.find((l) => l.route === '/metrics' && l.status === 200)?.principalId).toBe(ids.auditor.id);
  });

  it('carries model, provider, key id, ttft, tokens, cache result, retries and fallbacks for chat answers', () => {
    const chats = chatLines();
    for (const l of chats) {
      expect(l.model).toMatch(/^(fast|chain)$/);
      expect(l.provider).toMatch(/^(main|backup)$/);
      expect(typeof l.ttftMs).toBe('number');
      expect(l.cache).toMatch(/^(hit|miss|bypass)$/);
      expect(typeof l.retries).toBe('number');
      expect(typeof l.fallbacks).toBe('number');
    }
    const plain = chats.find(
      (l) => l.cache === 'bypass' && l.retries === 0 && l.fallbacks === 0 && l.tokensOut !== undefined,
    )!;
    expect(plain).toMatchObject({ model: 'fast', provider: 'main', keyId: 'main#0', upstreamModel: 'gpt-4o-mini' });
    expect(plain.tokensIn).toBeGreaterThan(0);
    expect(plain.tokensOut).toBe(4);
    expect(chats.filter((l) => l.cache === 'miss')).toHaveLength(1);
    expect(chats.filter((l) => l.cache === 'hit')).toHaveLength(1);
    expect(chats.find((l) => l.retries === 1)).toMatchObject({ provider: 'main', attempts: 2, fallbacks: 0 });
    expect(chats.find((l) => l.fallbacks === 1)).toMatchObject({
      model: 'chain',
      provider: 'backup',
      keyId: 'backup#0',
      retries: 0,
    });
    const slow = chats.find((l) => Number(l.ttftMs) >= 250);
    expect(slow, 'the 300 ms first-token answer').toBeDefined();
  });

  it('logs failures by catalogue code', () => {
    const codes = requestLines()
      .filter((l) => Number(l.status) >= 400)
      .map((l) => `${String(l.status)} ${String(l.errorCode)}`)
      .sort();
    expect(codes).toEqual([
      '400 invalid_request',
      '401 unauthorized',
      '403 forbidden',
      '422 content_blocked',
      '429 rate_limited',
      '499 client_closed',
      '502 upstream_server_error',
      '503 no_healthy_key',
    ]);
    expect(logs.find((l) => l.msg === 'stream ended by upstream error')?.code).toBe('upstream_network');
    // 5xx at warn (an operator's alerting level), everything else at info.
    for (const line of requestLines())
      expect(line.level, `${String(line.status)} ${String(line.route)}`).toBe(
        Number(line.status) >= 500 ? 'warn' : 'info',
      );
  });

  it('links each line to its exported server span', () => {
    const retried = chatLines().find((l) => l.retries === 1)!;
    expect(spansText).toContain(`"traceId":"${String(retried.traceId)}"`);
    expect(spansText).toContain(`{"key":"parley.request_id","value":{"stringValue":"${String(retried.reqId)}"}}`);
  });
});

describe('start-up and shutdown lines', () => {
  it('say what is configured and nothing secret', () => {
    const started = logs.find((l) => l.msg === 'Parley started')!;
    expect(started).toMatchObject({
      providers: ['main:openai', 'backup:openai', 'locked:openai'],
      models: ['fast', 'chain', 'locked'],
      stores: { sessions: 'memory', cache: 'memory', keys: 'file', audit: 'file' },
      auth: 'api-keys',
      tracing: true,
    });
    expect(logs.some((l) => l.msg === 'shutting down: draining')).toBe(true);
    expect(logs.at(-1)?.msg).toBe('shutdown complete');
  });
});

describe('canaries', () => {
  it('sent content and secrets through every path (so their absence below means something)', () => {
    const upstream = JSON.stringify(s.mock.requests.map((r) => [r.headers.authorization, r.body]));
    expect(upstream).toContain(`Bearer ${ENV.MAIN_KEY}`);
    expect(upstream).toContain(`Bearer ${ENV.LOCKED_KEY}`);
    expect(upstream).toContain(CONTENT_CANARIES[0]);
    expect(upstream).toContain(CONTENT_CANARIES[1]);
    expect(upstream).toContain(CONTENT_CANARIES[2]);
    expect(metricsText).toContain('parley_http_requests_total');
    expect(spansText.length).toBeGreaterThan(1000);
  });

  const secrets = () => [
    ...CONTENT_CANARIES,
    ...Object.values(ENV),
    'sk-canary',
    BOGUS_KEY,
    ids.user.secret,
    ids.auditor.secret,
    s.adminKey,
    'Mock reply',
    'PRIVATE KEY',
  ];

  it('finds none in any log line', () => {
    const all = s.logLines.join('');
    for (const secret of secrets()) expect(all, secret).not.toContain(secret);
  });

  it('finds none in /metrics', () => {
    for (const secret of secrets()) expect(metricsText, secret).not.toContain(secret);
  });

  it('finds none in exported spans', () => {
    for (const secret of secrets()) expect(spansText, secret).not.toContain(secret);
  });
});
