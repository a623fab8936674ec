import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ResilienceSettings } from '../../src/domain/index.js';
import { KeyPool } from '../../src/routing/key-pool.js';
import { FakeModel, collect, fails, ok, opts, recordingObserver, req, textOf } from './fake-model.js';
import type { Step } from './fake-model.js';
import { buildRoute } from '../../src/routing/route.js';
import type { RouteTargetInput } from '../../src/routing/route.js';

const RES: ResilienceSettings = {
  timeouts: { connectMs: 1_000, firstByteMs: 3_000, idleMs: 1_000, totalMs: 60_000 },
  retry: { retries: 2, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 5_000 },
  breaker: { failureThreshold: 3, windowMs: 30_000, cooldownMs: 15_000, halfOpenProbes: 1 },
};

function target(label: string, adapter: FakeModel, extra: Partial<RouteTargetInput> = {}): RouteTargetInput {
  return {
    label,
    provider: adapter.provider,
    adapter,
    keys: [],
    resilience: RES,
    ...extra,
  };
}

const noWait = { sleep: async (): Promise<void> => undefined, random: () => 0 };

describe('buildRoute', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a client abort stops everything at once: no retry, no fallback, the adapter sees its signal aborted', async () => {
    const main = new FakeModel([[{ hang: true }]], 'openai');
    const backup = new FakeModel([ok('backup')], 'anthropic');
    const { model } = buildRoute({ modelName: 'chat', targets: [target('main/a', main), target('backup/b', backup)] });
    const controller = new AbortController();
    const run = collect(model.stream(req(), opts({ signal: controller.signal })));
    await vi.advanceTimersByTimeAsync(500);
    controller.abort();
    const { error } = await run;
    expect(error?.code).toBe('client_closed');
    expect(main.calls).toHaveLength(1);
    expect(main.calls[0].abortedAtEnd).toBe(true);
    expect(backup.calls).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('401 on key A then success on key B within one attempt, reported per upstream call', async () => {
    const adapter = new FakeModel(
      (_, o) => (o.credential?.id === 'A' ? fails('upstream_auth', { upstreamStatus: 401 }) : ok('hi')),
      'openai',
    );
    const keys = [
      { id: 'A', secret: () => 'sk-a' },
      { id: 'B', secret: () => 'sk-b' },
    ];
    const { model, pools } = buildRoute({
      modelName: 'chat',
      targets: [target('main/gpt-4o-mini', adapter, { keys, model: 'gpt-4o-mini' })],
      clock: () => 0,
    });
    const { observer, log } = recordingObserver();
    const { events, error } = await collect(model.stream(req('chat'), opts({ observer })));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('hi');
    expect(adapter.calls.map((c) => c.request.model)).toEqual(['gpt-4o-mini', 'gpt-4o-mini']);
    const info = (keyId: string) => ({ provider: 'openai', model: 'gpt-4o-mini', keyId, attempt: 1, fallbackIndex: 0 });
    expect(log).toEqual([
      ['attemptStart', info('A')],
      ['attemptEnd', info('A'), { ok: false, durationMs: 0, errorCode: 'upstream_auth', status: 401 }],
      ['keyDisabled', 'openai', 'A', 401],
      ['attemptStart', info('B')],
      ['attemptEnd', info('B'), { ok: true, durationMs: 0, errorCode: undefined, status: undefined }],
    ]);
    expect(pools[0].health().map((h) => h.state)).toEqual(['disabled', 'healthy']);
  });

  it('a first-byte timeout is retried with fresh timers on the next key', async () => {
    const adapter = new FakeModel([[{ hang: true }], ok('second try')], 'openai');
    const keys = [
      { id: 'A', secret: () => 'a' },
      { id: 'B', secret: () => 'b' },
    ];
    const { model } = buildRoute({
      modelName: 'chat',
      targets: [target('main/x', adapter, { keys })],
      retryDeps: { random: () => 0.5 },
    });
    const { observer, log } = recordingObserver();
    const run = collect(model.stream(req(), opts({ observer })));
    await vi.advanceTimersByTimeAsync(3_000 + 50);
    const { events, error } = await run;
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('second try');
    expect(adapter.calls.map((c) => [c.options.credential?.id, c.options.attempt])).toEqual([
      ['A', 1],
      ['B', 2],
    ]);
    expect(log.filter((l) => l[0] === 'retry')).toEqual([
      ['retry', { provider: 'openai', model: 'm', attempt: 1, fallbackIndex: 0 }, 50, 'upstream_timeout'],
    ]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('breakers are per deployment: a dead upstream model opens its own, skips to the fallback without retries, and never refuses another model of the provider', async () => {
    const openai = new FakeModel(
      (_i, _o, r) => (r.model === 'dead' ? fails('upstream_server_error') : ok(`from ${r.model}`)),
      'openai',
    );
    const backup = new FakeModel([ok('from backup')], 'anthropic');
    const shared = new KeyPool({ provider: 'openai', keys: [], breaker: RES.breaker });
    const deadRoute = buildRoute({
      modelName: 'a',
      targets: [target('main/dead', openai, { model: 'dead', keyPool: shared }), target('backup/z', backup)],
      retryDeps: noWait,
    });
    const goodRoute = buildRoute({
      modelName: 'b',
      targets: [target('main/good', openai, { model: 'good', keyPool: shared })],
      retryDeps: noWait,
    });
    const first = await collect(deadRoute.model.stream(req(), opts()));
    expect(textOf(first.events)).toBe('from backup');
    expect(openai.calls.map((c) => c.request.model)).toEqual(['dead', 'dead', 'dead']);
    expect(shared.breaker('dead').state).toBe('open');
    const { observer, log } = recordingObserver();
    const second = await collect(deadRoute.model.stream(req(), opts({ observer })));
    expect(textOf(second.events)).toBe('from backup');
    expect(openai.calls).toHaveLength(3); // the open deployment was skipped without a call
    expect(log.filter((l) => l[0] === 'fallback' || l[0] === 'retry')).toEqual([['fallback', 0, 1, 'circuit_open']]);
    for (let i = 0; i < 5; i++)
      expect(textOf((await collect(goodRoute.model.stream(req(), opts()))).events)).toBe('from good');
    expect(shared.breaker('good').state).toBe('closed');
  });

  it('an exhausted chain of timeouts ends as one 504, with no timers left', async () => {
    const hang: Step[] = [{ hang: true }];
    const a = new FakeModel([hang], 'openai');
    const b = new FakeModel([hang], 'anthropic');
    const res = { ...RES, retry: { ...RES.retry, retries: 0 } };
    const { model } = buildRoute({
      modelName: 'chat',
      targets: [target('main/a', a, { resilience: res }), target('backup/b', b, { resilience: res })],
    });
    const run = collect(model.stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(6_000);
    const { error } = await run;
    expect(error?.status).toBe(504);
    expect(error?.message).toMatch(/^All 2 targets for model "chat" failed: main\/a: Upstream sent no first byte/);
    expect(vi.getTimerCount()).toBe(0);
  });
});
