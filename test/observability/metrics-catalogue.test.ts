// Issue 4 §2 and §4 end to end: the /metrics catalogue after real traffic, its access rule and bounded labels.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { has, parseExposition, total, type Sample } from './exposition.js';
import type { TelemetryStack } from './stack.js';
import { driveTraffic, startTrafficStack, type TrafficIds } from './traffic.js';

const DOC = readFileSync(fileURLToPath(new URL('../../docs/observability.md', import.meta.url)), 'utf8');

let s: TelemetryStack;
let ids: TrafficIds;
let text = '';
let samples: Sample[] = [];

beforeAll(async () => {
  s = await startTrafficStack();
  ids = await driveTraffic(s);
  const res = await s.call('GET', '/metrics', ids.auditor.secret);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  text = res.text;
  samples = parseExposition(text);
}, 30_000);

afterAll(async () => {
  await s?.close();
});

describe('/metrics after real traffic', () => {
  it('exposes every metric of the catalogue in docs/observability.md', () => {
    const documented = [...DOC.matchAll(/^\| `(parley_[a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThanOrEqual(22);
    const families = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    expect(documented.filter((name) => !families.has(name))).toEqual([]);
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'nodejs_gc_duration_seconds',
      'process_resident_memory_bytes',
    ]) {
      expect(families.has(name), name).toBe(true);
    }
  });

  it('counts requests by route and status class, with duration and overhead histograms', () => {
    const chat = { route: '/v1/chat/completions', method: 'POST' };
    expect(total(samples, 'parley_http_requests_total', { ...chat, status_class: '2xx' })).toBe(8);
    expect(total(samples, 'parley_http_requests_total', { ...chat, status_class: '4xx' })).toBe(4);
    expect(total(samples, 'parley_http_requests_total', { ...chat, status_class: '5xx' })).toBe(
      ids.expect.fiveHundreds,
    );
    expect(total(samples, 'parley_http_requests_total', { route: '/metrics', status_class: '4xx' })).toBe(1);
    expect(total(samples, 'parley_http_request_duration_seconds_count', { route: '/v1/chat/completions' })).toBe(14);
    // The 300 ms first-token answer lands above the 0.25 s bucket.
    const le025 = total(samples, 'parley_http_request_duration_seconds_bucket', {
      route: '/v1/chat/completions',
      status_class: '2xx',
      le: '0.25',
    });
    expect(le025).toBeLessThan(8);
    expect(total(samples, 'parley_overhead_seconds_count', { route: '/v1/chat/completions' })).toBe(14);
    expect(total(samples, 'parley_overhead_seconds_bucket', { route: '/v1/chat/completions', le: '+Inf' })).toBe(14);
    expect(total(samples, 'parley_overhead_seconds_sum', { route: '/v1/chat/completions' })).toBeGreaterThan(0);
    expect(total(samples, 'parley_inflight_requests')).toBe(1); // this scrape
    expect(total(samples, 'parley_open_streams')).toBe(0);
  });

  it('measures chat answers: outcomes, time to first token, upstream latency and tokens', () => {
    expect(total(samples, 'parley_chat_requests_total', { api: 'openai', outcome: 'success' })).toBe(7);
    expect(total(samples, 'parley_chat_requests_total', { api: 'session', outcome: 'success' })).toBe(2);
    expect(total(samples, 'parley_chat_requests_total', { api: 'session', outcome: 'aborted' })).toBe(1);
    expect(total(samples, 'parley_chat_requests_total', { outcome: 'error' })).toBe(3);
    expect(total(samples, 'parley_time_to_first_token_seconds_count')).toBe(9);
    // The 300 ms first-token answer lands above the 0.25 s bucket (others normally below it).
    expect(total(samples, 'parley_time_to_first_token_seconds_bucket', { le: '0.25' })).toBeLessThanOrEqual(8);
    expect(total(samples, 'parley_time_to_first_token_seconds_bucket', { le: '0.05' })).toBeGreaterThan(0);
    expect(total(samples, 'parley_time_to_first_token_seconds_bucket', { le: '+Inf' })).toBe(9);
    expect(
      total(samples, 'parley_upstream_duration_seconds_count', { provider: 'main', outcome: 'success' }),
    ).toBeGreaterThanOrEqual(7);
    // 7 answers of 4 tokens, the cache hit not counted
    expect(total(samples, 'parley_tokens_total', { model: 'fast', direction: 'output' })).toBe(28);
    expect(total(samples, 'parley_tokens_total', { model: 'chain', provider: 'backup', direction: 'output' })).toBe(4);
  });

  it('counts cache results, retries, fallbacks, circuit and key states', () => {
    expect(total(samples, 'parley_cache_requests_total', { result: 'hit' })).toBe(ids.expect.cacheHits);
    expect(total(samples, 'parley_cache_requests_total', { result: 'miss' })).toBe(1);
    expect(has(samples, 'parley_cache_requests_total', { result: 'coalesced' })).toBe(true);
    expect(total(samples, 'parley_retries_total', { provider: 'main', reason: 'upstream_server_error' })).toBe(2);
    expect(
      total(samples, 'parley_fallbacks_total', { model: 'chain', from_provider: 'main', to_provider: 'backup' }),
    ).toBe(1);
    expect(
      total(samples, 'parley_upstream_attempts_total', {
        provider: 'main',
        key_id: 'main#0',
        outcome: 'upstream_server_error',
      }),
    ).toBe(3);
    expect(
      total(samples, 'parley_upstream_attempts_total', {
        provider: 'locked',
        key_id: 'locked#0',
        outcome: 'upstream_auth',
      }),
    ).toBe(1);
    // One breaker per deployment (provider, upstream model, key), each on the dashboard from the start.
    for (const provider of ['main', 'backup', 'locked'])
      expect(has(samples, 'parley_circuit_state', { provider }), provider).toBe(true);
    expect(total(samples, 'parley_circuit_state', { provider: 'main', key_id: 'main#0' })).toBe(0);
    expect(
      samples
        .filter((s) => s.name === 'parley_circuit_state')
        .every((s) => s.labels.model !== undefined && s.labels.key_id !== undefined),
    ).toBe(true);
    expect(total(samples, 'parley_provider_key_healthy', { provider: 'main', key_id: 'main#0' })).toBe(1);
    expect(total(samples, 'parley_provider_key_healthy', { provider: 'backup', key_id: 'backup#0' })).toBe(1);
    expect(total(samples, 'parley_provider_key_healthy', { provider: 'locked', key_id: 'locked#0' })).toBe(0);
  });

  it('counts rate-limit refusals, privacy protections and policy interventions', () => {
    expect(total(samples, 'parley_rate_limited_total', { limit: 'streams' })).toBe(1);
    expect(total(samples, 'parley_rate_limited_total', { limit: 'requests' })).toBe(0);
    expect(
      total(samples, 'parley_privacy_protected_total', { category: 'email', action: 'pseudonymise' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      total(samples, 'parley_policy_blocks_total', { category: 'test-words', mode: 'redact' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('tracks live sessions, feedback and conversations completed versus abandoned', () => {
    expect(total(samples, 'parley_sessions_live')).toBe(1); // two created, one deleted
    expect(total(samples, 'parley_feedback_total', { rating: 'up', reason: 'helpful' })).toBe(ids.expect.feedbackUp);
    expect(total(samples, 'parley_feedback_total', { rating: 'down', reason: 'too-slow' })).toBe(
      ids.expect.feedbackDown,
    );
    expect(total(samples, 'parley_conversations_total', { outcome: 'completed' })).toBe(ids.expect.completed);
    expect(total(samples, 'parley_conversations_total', { outcome: 'abandoned' })).toBe(ids.expect.abandoned);
  });

  it('reports event-loop lag and heap', () => {
    expect(total(samples, 'nodejs_eventloop_lag_seconds')).toBeGreaterThan(0);
    expect(total(samples, 'nodejs_eventloop_lag_seconds')).toBeLessThan(5);
    expect(total(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(1_000_000);
  });

  it('never uses a principal, session, message or request id as a label value', () => {
    const forbidden = new Set<string>(
      [
        ids.user.id,
        ids.auditor.id,
        ...ids.sessionIds,
        ...ids.messageIds,
        ...s.responses.map((r) => r.requestId ?? ''),
        ids.abandonedRequestId ?? '',
      ].filter((x) => x !== ''),
    );
    expect(forbidden.size).toBeGreaterThan(30);
    const values = samples.flatMap((x) => Object.values(x.labels));
    expect(values.filter((v) => forbidden.has(v) || [...forbidden].some((id) => v.includes(id)))).toEqual([]);
    const labelNames = new Set(samples.flatMap((x) => Object.keys(x.labels)));
    for (const name of ['principal', 'principal_id', 'session', 'session_id', 'request_id', 'user'])
      expect(labelNames.has(name), name).toBe(false);
    // Routes are templates, never raw paths.
    expect(values.filter((v) => v.startsWith('/v1/sessions/ses_'))).toEqual([]);
  });
});

describe('/metrics access', () => {
  it('refuses users and anonymous callers, admits auditors and admins', async () => {
    expect((await s.call('GET', '/metrics', ids.user.secret)).status).toBe(403);
    expect((await s.call('GET', '/metrics', undefined)).status).toBe(401);
    expect((await s.call('GET', '/metrics', ids.auditor.secret)).status).toBe(200);
    expect((await s.call('GET', '/metrics', s.adminKey)).status).toBe(200);
  });
});
