import { describe, expect, it } from 'vitest';
import type { ChatEvent, ResilienceSettings } from '../domain/index.js';
import type { ChatModel as Model } from '../providers/types.js';
import type { KeyPool } from './key-pool.js';
import { FakeModel, GroupingFakeModel, fails, ok, opts, perr, recordingObserver, req } from './fake-model.test-helper.js';
import type { Scripts, Step } from './fake-model.test-helper.js';
import { buildRoute, composeRoute } from './route.js';
import type { BuildRouteInput, RouteTargetInput } from './route.js';

const RES: ResilienceSettings = {
  timeouts: { connectMs: 1_000, firstByteMs: 40, idleMs: 40, totalMs: 5_000 },
  retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 2, maxRetryAfterMs: 50 },
  breaker: { failureThreshold: 2, windowMs: 30_000, cooldownMs: 15_000, halfOpenProbes: 1 },
};

interface TargetSpec {
  provider: string;
  scripts: Scripts;
  keys?: string[];
  model?: string;
  resilience?: ResilienceSettings;
}

interface Outcome {
  events: ChatEvent[];
  error?: { code: string; status: number; message: string; retryAfterMs?: number; upstreamStatus?: number };
  log: unknown[][];
  calls: unknown[][];
  health: unknown[];
  breakers: string[];
}

type Build = (input: BuildRouteInput) => { model: Model; pools: KeyPool[] };

/** Runs one scenario on fresh fixtures through `build`; `stopAfter` makes the consumer stop after that many events. */
async function run(build: Build, specs: TargetSpec[], o: { stopAfter?: number; abortAfterMs?: number; abortAfterEvents?: number; observe?: boolean; grouped?: boolean } = {}): Promise<Outcome> {
  const adapters = specs.map((s) => (o.grouped ? new GroupingFakeModel(s.scripts, s.provider) : new FakeModel(s.scripts, s.provider)));
  const targets: RouteTargetInput[] = specs.map((s, i) => ({
    label: `${s.provider}/x`,
    provider: s.provider,
    adapter: adapters[i],
    model: s.model,
    keys: (s.keys ?? []).map((id) => ({ id, secret: () => `sk-${id}` })),
    resilience: s.resilience ?? RES,
  }));
  const { model, pools } = build({ modelName: 'chat', targets, clock: () => 0, retryDeps: { sleep: async () => undefined, random: () => 0.5 } });
  const { observer, log } = recordingObserver();
  const controller = new AbortController();
  if (o.abortAfterMs !== undefined) setTimeout(() => controller.abort(), o.abortAfterMs);
  const events: ChatEvent[] = [];
  let error: Outcome['error'];
  try {
    for await (const event of model.stream(req('chat'), opts({ signal: controller.signal, observer: o.observe === false ? undefined : observer }))) {
      events.push(event);
      if (o.stopAfter !== undefined && events.length >= o.stopAfter) break;
      if (o.abortAfterEvents !== undefined && events.length === o.abortAfterEvents) controller.abort();
    }
  } catch (e) {
    const p = e as { code: string; status: number; message: string; retryAfterMs?: number; upstreamStatus?: number };
    error = { code: p.code, status: p.status, message: p.message, retryAfterMs: p.retryAfterMs, upstreamStatus: p.upstreamStatus };
  }
  await new Promise((resolve) => setTimeout(resolve, 5)); // let iterator.return() settle the adapters
  const calls = adapters.map((a) => a.calls.map((c) => [c.request.model, c.options.credential?.id, c.options.attempt, c.options.fallbackIndex, c.ended, c.abortedAtEnd]));
  // Every deployment's breaker: one per key of each target (one for a keyless target), for the model it called.
  const breakers = pools.flatMap((p, i) => Array.from({ length: Math.max(1, p.size) }, (_, k) => p.breaker(specs[i].model ?? 'chat', k).state));
  return { events, error, log, calls, health: pools.map((p) => p.health()), breakers };
}

async function same(specs: () => TargetSpec[], o: Parameters<typeof run>[2] = {}): Promise<Outcome> {
  const reference = await run(composeRoute, specs(), o);
  const fused = await run(buildRoute, specs(), o);
  expect(fused).toEqual(reference);
  // Adapters that deliver events in groups (one per network read) must not change anything either.
  const grouped = await run(buildRoute, specs(), { ...o, grouped: true });
  // Except one fixture detail: when the consumer stops or aborts early, a grouping fake has already played its
  // whole group, so its script ends without seeing the abort (a real adapter has read that data too).
  const withoutAbortedAtEnd = (out: Outcome): Outcome => ({ ...out, calls: out.calls.map((c) => c.map((call) => (call as unknown[]).slice(0, 5))) });
  if (o.stopAfter === undefined && o.abortAfterEvents === undefined) expect(grouped).toEqual(reference);
  else expect(withoutAbortedAtEnd(grouped)).toEqual(withoutAbortedAtEnd(reference));
  return fused;
}

const start: Step = { type: 'start', id: 'c1' };
const text = (t: string): Step => ({ type: 'text-delta', text: t });
const finish: Step = { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } };

describe('buildRoute (fused) behaves exactly like the composed wrappers', () => {
  it('a plain success', async () => {
    const out = await same(() => [{ provider: 'a', scripts: [ok('hi', ' there')], keys: ['k1'], model: 'up' }]);
    expect(out.events.map((e) => e.type)).toEqual(['start', 'text-delta', 'text-delta', 'finish']);
    expect(out.log.map((l) => l[0])).toEqual(['attemptStart', 'attemptEnd']);
  });

  it('retries a 500, then succeeds, with one start reaching the consumer', async () => {
    const out = await same(() => [{ provider: 'a', scripts: [[start, { fail: perr('upstream_server_error', { upstreamStatus: 500 }) }], ok('x')], keys: ['k1', 'k2'] }]);
    expect(out.events.filter((e) => e.type === 'start')).toHaveLength(1);
    expect(out.log.map((l) => l[0])).toContain('retry');
  });

  it('swaps a refused key within the attempt', async () => {
    const out = await same(() => [{ provider: 'a', keys: ['A', 'B'], scripts: (_i, o) => (o.credential?.id === 'A' ? fails('upstream_auth', { upstreamStatus: 401 }) : ok('hi')) }]);
    expect(out.log.map((l) => l[0])).toEqual(['attemptStart', 'attemptEnd', 'keyDisabled', 'attemptStart', 'attemptEnd']);
  });

  it('cools a rate-limited key and retries on the next', async () => {
    await same(() => [{ provider: 'a', keys: ['A', 'B'], scripts: (_i, o) => (o.credential?.id === 'A' ? fails('upstream_rate_limited', { upstreamStatus: 429, retryAfterMs: 30 }) : ok('hi')) }]);
  });

  it('falls back after retries and summarises when every target fails', async () => {
    const out = await same(() => [
      { provider: 'a', scripts: [fails('upstream_server_error', { upstreamStatus: 503 })] },
      { provider: 'b', scripts: [fails('upstream_overloaded', { upstreamStatus: 529 })], keys: ['b1'] },
    ]);
    expect(out.error?.status).toBe(503);
    expect(out.breakers).toEqual(['open', 'open']);
  });

  it('an open breaker refuses and the chain moves on', async () => {
    await same(() => [
      { provider: 'a', scripts: [fails('upstream_network')], resilience: { ...RES, breaker: { ...RES.breaker, failureThreshold: 1 } } },
      { provider: 'b', scripts: [ok('b')] },
    ]);
  });

  it('a bad request is neither retried nor sent to the next target', async () => {
    const out = await same(() => [{ provider: 'a', scripts: [fails('upstream_bad_request', { upstreamStatus: 400 })] }, { provider: 'b', scripts: [ok('b')] }]);
    expect(out.error?.code).toBe('upstream_bad_request');
  });

  it('a first-byte timeout is retried; an idle timeout after content ends the stream', async () => {
    await same(() => [{ provider: 'a', keys: ['k'], scripts: [[{ hang: true }], ok('late')] }]);
    const out = await same(() => [{ provider: 'a', scripts: [[start, text('a'), { hang: true }]] }]);
    expect(out.error?.code).toBe('upstream_timeout');
  });

  it('a failure after content is not retried', async () => {
    await same(() => [{ provider: 'a', keys: ['k'], scripts: [[start, text('a'), { fail: perr('upstream_network') }], ok('b')] }, { provider: 'b', scripts: [ok('c')] }]);
  });

  it('a stream that ends without content releases its start; one without finish is reported', async () => {
    await same(() => [{ provider: 'a', keys: ['k'], scripts: [[start]] }]);
    await same(() => [{ provider: 'a', scripts: [[start, text('a')]] }]);
  });

  it('a consumer that stops early ends the attempt as client_closed and aborts the adapter', async () => {
    const out = await same(() => [{ provider: 'a', keys: ['k'], scripts: [[start, text('a'), text('b'), finish]] }], { stopAfter: 2 });
    expect(out.log.at(-1)?.[2]).toMatchObject({ ok: false, errorCode: 'client_closed', status: 499 });
  });

  it('nothing more reaches the consumer after a client abort, even events already read', async () => {
    const out = await same(() => [{ provider: 'a', keys: ['k'], scripts: [[start, text('a'), text('b'), finish]] }], { abortAfterEvents: 2 });
    expect(out.events.map((e) => e.type)).toEqual(['start', 'text-delta']);
    expect(out.error?.code).toBe('client_closed');
  });

  it('a client abort stops everything, with and without an observer', async () => {
    const specs = (): TargetSpec[] => [{ provider: 'a', keys: ['k'], scripts: [[start, { hang: true }]], resilience: { ...RES, timeouts: { ...RES.timeouts, firstByteMs: 0, idleMs: 0 } } }, { provider: 'b', scripts: [ok('b')] }];
    const out = await same(specs, { abortAfterMs: 10 });
    expect(out.error?.code).toBe('client_closed');
    await same(specs, { abortAfterMs: 10, observe: false });
  });
});
