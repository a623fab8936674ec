import { describe, it, expect } from 'vitest';
import { register as globalRegister } from 'prom-client';
import { createMetrics, statusClass } from '../../src/observability/metrics.js';
import { LabelCache } from '../../src/observability/label-cache.js';
import { combineRouteObservers, createMetricsRouteObserver } from '../../src/observability/route-observer.js';

const CATALOGUE = [
  'parley_http_requests_total',
  'parley_http_request_duration_seconds',
  'parley_chat_requests_total',
  'parley_chat_duration_seconds',
  'parley_time_to_first_token_seconds',
  'parley_overhead_seconds',
  'parley_upstream_duration_seconds',
  'parley_tokens_total',
  'parley_inflight_requests',
  'parley_open_streams',
  'parley_cache_requests_total',
  'parley_upstream_attempts_total',
  'parley_retries_total',
  'parley_fallbacks_total',
  'parley_circuit_state',
  'parley_provider_key_healthy',
  'parley_rate_limited_total',
  'parley_privacy_protected_total',
  'parley_policy_blocks_total',
  'parley_sessions_live',
  'parley_feedback_total',
  'parley_conversations_total',
];

async function value(
  m: ReturnType<typeof createMetrics>,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const metric = m.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const data = await metric.get();
  const hit = data.values.find((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val));
  return hit?.value;
}

describe('createMetrics', () => {
  it('registers the whole catalogue and the Node defaults on its own registry', async () => {
    const m = createMetrics();
    const text = await m.render();
    for (const name of CATALOGUE) expect(text).toContain(`# TYPE ${name} `);
    for (const name of [
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'process_cpu_seconds_total',
      'nodejs_gc_duration_seconds',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await globalRegister.metrics()).not.toContain('parley_');
  });

  it('can skip default metrics and prefix them', async () => {
    expect(await createMetrics({ collectDefault: false }).render()).not.toContain('nodejs_');
    const text = await createMetrics({ prefix: 'x_' }).render();
    expect(text).toContain('x_nodejs_eventloop_lag_seconds');
    expect(text).toContain('parley_http_requests_total');
  });

  it('records HTTP requests by status class and duration', async () => {
    const m = createMetrics({ collectDefault: false });
    m.observeHttpRequest('/v1/chat/completions', 'POST', 200, 0.02);
    m.observeHttpRequest('/v1/chat/completions', 'POST', 201, 0.02);
    m.observeHttpRequest('/v1/chat/completions', 'POST', 503, 2);
    expect(await value(m, 'parley_http_requests_total', { status_class: '2xx' })).toBe(2);
    expect(await value(m, 'parley_http_requests_total', { status_class: '5xx' })).toBe(1);
    const text = await m.render();
    expect(text).toContain(
      'parley_http_request_duration_seconds_bucket{le="0.025",route="/v1/chat/completions",status_class="2xx"} 2',
    );
    expect(text).toContain(
      'parley_http_request_duration_seconds_bucket{le="1",route="/v1/chat/completions",status_class="5xx"} 0',
    );
  });

  it('records chat outcomes, TTFT, overhead buckets and tokens', async () => {
    const m = createMetrics({ collectDefault: false });
    m.observeChatRequest('openai', 'fast', 'main', 'success', true, 1.5);
    m.observeTimeToFirstToken('fast', 'main', 0.3);
    m.observeOverhead('/v1/chat/completions', 0.0003);
    m.addTokens('fast', 'main', 12, 34);
    expect(await value(m, 'parley_chat_requests_total', { api: 'openai', outcome: 'success', stream: 'true' })).toBe(1);
    expect(await value(m, 'parley_tokens_total', { direction: 'input' })).toBe(12);
    expect(await value(m, 'parley_tokens_total', { direction: 'output' })).toBe(34);
    const text = await m.render();
    expect(text).toContain('parley_overhead_seconds_bucket{le="0.00025",route="/v1/chat/completions"} 0');
    expect(text).toContain('parley_overhead_seconds_bucket{le="0.0005",route="/v1/chat/completions"} 1');
    expect(text).toContain('parley_time_to_first_token_seconds_bucket{le="0.5",model="fast",provider="main"} 1');
  });

  it('gauges: in-flight, streams, breaker state, key health, live sessions', async () => {
    const m = createMetrics({ collectDefault: false });
    m.incInflight();
    m.incInflight();
    m.decInflight();
    m.incOpenStreams();
    m.setCircuitState({ provider: 'main', model: 'gpt-x', keyId: 'main#0' }, 'open');
    m.setCircuitState({ provider: 'backup', model: 'claude' }, 'half-open');
    m.setKeyHealthy('main', 'main#0', false);
    m.setSessionsLive(7);
    expect(await value(m, 'parley_inflight_requests', {})).toBe(1);
    expect(await value(m, 'parley_open_streams', {})).toBe(1);
    expect(await value(m, 'parley_circuit_state', { provider: 'main', model: 'gpt-x', key_id: 'main#0' })).toBe(2);
    expect(await value(m, 'parley_circuit_state', { provider: 'backup', model: 'claude', key_id: 'none' })).toBe(1);
    expect(await value(m, 'parley_provider_key_healthy', { key_id: 'main#0' })).toBe(0);
    expect(await value(m, 'parley_sessions_live', {})).toBe(7);
  });

  it('pre-creates static label sets at zero and counts them', async () => {
    const m = createMetrics({ collectDefault: false });
    const text = await m.render();
    expect(text).toContain('parley_cache_requests_total{result="coalesced"} 0');
    expect(text).toContain('parley_rate_limited_total{limit="streams"} 0');
    m.countCache('hit');
    m.countRateLimited('tokens');
    m.countConversation('abandoned');
    m.countFeedback('down', 'wrong');
    m.countPrivacyProtected('email', 'redacted', 3);
    m.countPolicyBlock('self-harm', 'block');
    expect(await value(m, 'parley_cache_requests_total', { result: 'hit' })).toBe(1);
    expect(await value(m, 'parley_rate_limited_total', { limit: 'tokens' })).toBe(1);
    expect(await value(m, 'parley_conversations_total', { outcome: 'abandoned' })).toBe(1);
    expect(await value(m, 'parley_privacy_protected_total', { category: 'email' })).toBe(3);
    expect(await value(m, 'parley_policy_blocks_total', { mode: 'block' })).toBe(1);
    expect(await value(m, 'parley_feedback_total', { rating: 'down' })).toBe(1);
  });

  it('caps label cardinality with an overflow series', async () => {
    const m = createMetrics({ collectDefault: false, maxSeriesPerMetric: 2 });
    for (const model of ['a', 'b', 'c', 'd']) m.observeTimeToFirstToken(model, 'p', 0.1);
    const data = await m.handles.ttft.get();
    const models = new Set(data.values.map((v) => String(v.labels.model)));
    expect(models).toEqual(new Set(['a', 'b', 'other']));
  });

  it('maps statuses to classes', () => {
    expect([statusClass(200), statusClass(404), statusClass(499), statusClass(502), statusClass(700)]).toEqual([
      '2xx',
      '4xx',
      '4xx',
      '5xx',
      '5xx',
    ]);
  });
});

describe('LabelCache', () => {
  it('returns the same child for the same labels and builds each once', () => {
    const made: string[][] = [];
    const cache = new LabelCache<object>(3, (v) => {
      made.push(v);
      return {};
    });
    const a = cache.get('x', 'y', 'z');
    expect(cache.get('x', 'y', 'z')).toBe(a);
    expect(cache.get('x', 'y', 'w')).not.toBe(a);
    expect(made).toEqual([
      ['x', 'y', 'z'],
      ['x', 'y', 'w'],
    ]);
    expect(cache.size).toBe(2);
  });
});

describe('createMetricsRouteObserver', () => {
  it('records attempts, retries, fallbacks, breaker and key states', async () => {
    const m = createMetrics({ collectDefault: false });
    const seen: string[] = [];
    const obs = combineRouteObservers(
      createMetricsRouteObserver(m, 'fast', ['main', 'backup']),
      { retry: () => seen.push('retry') },
      undefined,
    );
    const info = { provider: 'main', model: 'gpt-x', keyId: 'main#0', attempt: 1, fallbackIndex: 0 };
    obs.attemptEnd?.(info, { ok: false, durationMs: 250, errorCode: 'upstream_rate_limited', status: 429 });
    obs.retry?.(info, 100, 'upstream_rate_limited');
    obs.keyDisabled?.('main', 'main#1', 401);
    obs.breakerChange?.({ provider: 'main', model: 'gpt-x', keyId: 'main#1' }, 'open');
    obs.fallback?.(0, 1, 'circuit_open');
    obs.attemptEnd?.(
      { ...info, provider: 'backup', keyId: 'backup#0', fallbackIndex: 1 },
      { ok: true, durationMs: 900 },
    );
    expect(seen).toEqual(['retry']);
    expect(
      await value(m, 'parley_upstream_attempts_total', { provider: 'main', outcome: 'upstream_rate_limited' }),
    ).toBe(1);
    expect(await value(m, 'parley_upstream_attempts_total', { provider: 'backup', outcome: 'success' })).toBe(1);
    expect(await value(m, 'parley_retries_total', { provider: 'main', reason: 'upstream_rate_limited' })).toBe(1);
    expect(
      await value(m, 'parley_fallbacks_total', { model: 'fast', from_provider: 'main', to_provider: 'backup' }),
    ).toBe(1);
    expect(await value(m, 'parley_circuit_state', { provider: 'main', model: 'gpt-x', key_id: 'main#1' })).toBe(2);
    expect(await value(m, 'parley_provider_key_healthy', { key_id: 'main#1' })).toBe(0);
    expect(await value(m, 'parley_provider_key_healthy', { key_id: 'backup#0' })).toBe(1);
    expect(await m.render()).toContain(
      'parley_upstream_duration_seconds_count{provider="main",model="gpt-x",outcome="upstream_rate_limited"} 1',
    );
  });
});
