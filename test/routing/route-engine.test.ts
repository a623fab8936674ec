// The route engine across its policies at once (retry, key pool, breakers, timeouts, attempt reports, fallback),
// through buildRoute: each scenario states its events, error, observer calls, adapter calls, key health and
// breaker states, and must come out the same when the adapter delivers its events grouped per network read.

import { describe, expect, it } from 'vitest';
import type { AttemptInfo, ChatEvent, Deployment, ResilienceSettings } from '../../src/domain/index.js';
import { FakeModel, GroupingFakeModel, fails, ok, opts, perr, recordingObserver, req } from './fake-model.js';
import type { Scripts, Step } from './fake-model.js';
import { buildRoute } from '../../src/routing/route.js';
import type { RouteTargetInput } from '../../src/routing/route.js';

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

/**
 * Runs one scenario on fresh fixtures through buildRoute; `stopAfter` makes the consumer stop after that many events.
 */
async function run(
  specs: TargetSpec[],
  o: {
    stopAfter?: number;
    abortAfterMs?: number;
    abortAfterEvents?: number;
    observe?: boolean;
    grouped?: boolean;
  } = {},
): Promise<Outcome> {
  const adapters = specs.map((s) =>
    o.grouped ? new GroupingFakeModel(s.scripts, s.provider) : new FakeModel(s.scripts, s.provider),
  );
  const targets: RouteTargetInput[] = specs.map((s, i) => ({
    label: `${s.provider}/x`,
    provider: s.provider,
    adapter: adapters[i],
    model: s.model,
    keys: (s.keys ?? []).map((id) => ({ id, secret: () => `sk-${id}` })),
    resilience: s.resilience ?? RES,
  }));
  const { model, pools } = buildRoute({
    modelName: 'chat',
    targets,
    clock: () => 0,
    retryDeps: { sleep: async () => undefined, random: () => 0.5 },
  });
  const { observer, log } = recordingObserver();
  const controller = new AbortController();
  if (o.abortAfterMs !== undefined) setTimeout(() => controller.abort(), o.abortAfterMs);
  const events: ChatEvent[] = [];
  let error: Outcome['error'];
  try {
    for await (const event of model.stream(
      req('chat'),
      opts({ signal: controller.signal, observer: o.observe === false ? undefined : observer }),
    )) {
      events.push(event);
      if (o.stopAfter !== undefined && events.length >= o.stopAfter) break;
      if (o.abortAfterEvents !== undefined && events.length === o.abortAfterEvents) controller.abort();
    }
  } catch (e) {
    const p = e as { code: string; status: number; message: string; retryAfterMs?: number; upstreamStatus?: number };
    error = {
      code: p.code,
      status: p.status,
      message: p.message,
      retryAfterMs: p.retryAfterMs,
      upstreamStatus: p.upstreamStatus,
    };
  }
  await new Promise((resolve) => setTimeout(resolve, 5)); // let iterator.return() settle the adapters
  const calls = adapters.map((a) =>
    a.calls.map((c) => [
      c.request.model,
      c.options.credential?.id,
      c.options.attempt,
      c.options.fallbackIndex,
      c.ended,
      c.abortedAtEnd,
    ]),
  );
  // Every deployment's breaker: one per key of each target (one for a keyless target), for the model it called.
  const breakers = pools.flatMap((p, i) =>
    Array.from({ length: Math.max(1, p.size) }, (_, k) => p.breaker(specs[i].model ?? 'chat', k).state),
  );
  return { events, error, log, calls, health: pools.map((p) => p.health()), breakers };
}

/**
 * Runs a scenario with an adapter that yields events one by one and with one that groups them per
 * network read (RoutableModel.streamGroups), requires the same outcome, and returns it.
 */
async function runBoth(specs: () => TargetSpec[], o: Parameters<typeof run>[1] = {}): Promise<Outcome> {
  const single = await run(specs(), o);
  const grouped = await run(specs(), { ...o, grouped: true });
  // Except one fixture detail: when the consumer stops or aborts early, a grouping fake has already played its
  // whole group, so its script ends without seeing the abort (a real adapter has read that data too).
  const withoutAbortedAtEnd = (out: Outcome): Outcome => ({
    ...out,
    calls: out.calls.map((c) => c.map((call) => (call as unknown[]).slice(0, 5))),
  });
  if (o.stopAfter === undefined && o.abortAfterEvents === undefined) expect(grouped).toEqual(single);
  else expect(withoutAbortedAtEnd(grouped)).toEqual(withoutAbortedAtEnd(single));
  return single;
}

/** The observer calls of a run, one line each (durations are 0 on the test clock). */
function trace(log: unknown[][]): string[] {
  return log.map(([name, a, b, c]) => {
    switch (name) {
      case 'attemptStart': {
        const i = a as AttemptInfo;
        return (
          `start ${i.provider}/${i.model}${i.keyId === undefined ? '' : ` key ${i.keyId}`} attempt ` +
          `${i.attempt} target ${i.fallbackIndex}`
        );
      }
      case 'attemptEnd': {
        const outcome = b as { ok: boolean; durationMs: number; errorCode?: string; status?: number };
        return outcome.ok ? 'end ok' : `end ${outcome.errorCode} ${outcome.status}`;
      }
      case 'retry':
        return `retry after attempt ${(a as AttemptInfo).attempt} in ${b} ms: ${c}`;
      case 'keyDisabled':
        return `key ${b} disabled: ${c}`;
      case 'keyCooldown':
        return `key ${b} cools ${c} ms`;
      case 'breakerChange': {
        const d = a as Deployment;
        return `breaker ${d.provider}/${d.model}${d.keyId === undefined ? '' : ` key ${d.keyId}`} ${b}`;
      }
      case 'fallback':
        return `fallback ${a} -> ${b}: ${c}`;
      default:
        return String(name);
    }
  });
}

const types = (events: ChatEvent[]): string[] => events.map((e) => e.type);
const healthy = (id: string) => ({ id, state: 'healthy' });

const start: Step = { type: 'start', id: 'c1' };
const text = (t: string): Step => ({ type: 'text-delta', text: t });
const finish: Step = { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 2 } };

describe('route engine: every policy at once, events one by one or grouped per read', () => {
  it('a plain success', async () => {
    const out = await runBoth(() => [{ provider: 'a', scripts: [ok('hi', ' there')], keys: ['k1'], model: 'up' }]);
    expect(types(out.events)).toEqual(['start', 'text-delta', 'text-delta', 'finish']);
    expect(out.error).toBeUndefined();
    expect(trace(out.log)).toEqual(['start a/up key k1 attempt 1 target 0', 'end ok']);
    expect(out.calls).toEqual([[['up', 'k1', 1, 0, true, false]]]);
    expect(out.health).toEqual([[healthy('k1')]]);
    expect(out.breakers).toEqual(['closed']);
  });

  it('retries a 500, then succeeds, with one start reaching the consumer', async () => {
    const out = await runBoth(() => [
      {
        provider: 'a',
        scripts: [[start, { fail: perr('upstream_server_error', { upstreamStatus: 500 }) }], ok('x')],
        keys: ['k1', 'k2'],
      },
    ]);
    expect(types(out.events)).toEqual(['start', 'text-delta', 'finish']);
    expect(trace(out.log)).toEqual([
      'start a/chat key k1 attempt 1 target 0',
      'end upstream_server_error 500',
      'retry after attempt 1 in 0 ms: upstream_server_error',
      'start a/chat key k2 attempt 2 target 0',
      'end ok',
    ]);
    expect(out.calls).toEqual([
      [
        ['chat', 'k1', 1, 0, true, false],
        ['chat', 'k2', 2, 0, true, false],
      ],
    ]);
    expect(out.breakers).toEqual(['closed', 'closed']);
  });

  it('swaps a refused key within the attempt', async () => {
    const out = await runBoth(() => [
      {
        provider: 'a',
        keys: ['A', 'B'],
        scripts: (_i, o) => (o.credential?.id === 'A' ? fails('upstream_auth', { upstreamStatus: 401 }) : ok('hi')),
      },
    ]);
    expect(types(out.events)).toEqual(['start', 'text-delta', 'finish']);
    expect(trace(out.log)).toEqual([
      'start a/chat key A attempt 1 target 0',
      'end upstream_auth 401',
      'key A disabled: 401',
      'start a/chat key B attempt 1 target 0',
      'end ok',
    ]);
    expect(out.calls).toEqual([
      [
        ['chat', 'A', 1, 0, true, false],
        ['chat', 'B', 1, 0, true, false],
      ],
    ]);
    expect(out.health).toEqual([[{ id: 'A', state: 'disabled' }, healthy('B')]]);
  });

  it('cools a rate-limited key and retries on the next', async () => {
    const out = await runBoth(() => [
      {
        provider: 'a',
        keys: ['A', 'B'],
        scripts: (_i, o) =>
          o.credential?.id === 'A'
            ? fails('upstream_rate_limited', { upstreamStatus: 429, retryAfterMs: 30 })
            : ok('hi'),
      },
    ]);
    expect(out.error).toBeUndefined();
    // B is ready at once, so the retry does not wait for A's 30 ms.
    expect(trace(out.log)).toEqual([
      'start a/chat key A attempt 1 target 0',
      'end upstream_rate_limited 429',
      'key A cools 30 ms',
      'retry after attempt 1 in 0 ms: upstream_rate_limited',
      'start a/chat key B attempt 2 target 0',
      'end ok',
    ]);
    expect(out.health).toEqual([[{ id: 'A', state: 'cooling' }, healthy('B')]]);
  });

  it('falls back after retries and summarises when every target fails', async () => {
    const out = await runBoth(() => [
      { provider: 'a', scripts: [fails('upstream_server_error', { upstreamStatus: 503 })] },
      { provider: 'b', scripts: [fails('upstream_overloaded', { upstreamStatus: 529 })], keys: ['b1'] },
    ]);
    expect(out.events).toEqual([]);
    expect(out.error).toEqual({
      code: 'circuit_open',
      status: 503,
      message:
        'All 2 targets for model "chat" failed: a/x: The circuit of a/chat is open; retry in 15 s; ' +
        'b/x: The circuit of every usable API key of b/chat is open; retry in 15 s',
      retryAfterMs: 15_000,
      upstreamStatus: undefined,
    });
    // The second failure opens each breaker (threshold 2), so the last retry meets circuit_open and the chain moves on.
    expect(trace(out.log)).toEqual([
      'start a/chat attempt 1 target 0',
      'end upstream_server_error 503',
      'retry after attempt 1 in 0 ms: upstream_server_error',
      'start a/chat attempt 2 target 0',
      'end upstream_server_error 503',
      'breaker a/chat open',
      'retry after attempt 2 in 1 ms: upstream_server_error',
      'fallback 0 -> 1: circuit_open',
      'start b/chat key b1 attempt 1 target 1',
      'end upstream_overloaded 529',
      'retry after attempt 1 in 0 ms: upstream_overloaded',
      'start b/chat key b1 attempt 2 target 1',
      'end upstream_overloaded 529',
      'breaker b/chat key b1 open',
      'retry after attempt 2 in 1 ms: upstream_overloaded',
    ]);
    expect(out.calls).toEqual([
      [
        ['chat', undefined, 1, 0, true, false],
        ['chat', undefined, 2, 0, true, false],
      ],
      [
        ['chat', 'b1', 1, 1, true, false],
        ['chat', 'b1', 2, 1, true, false],
      ],
    ]);
    expect(out.breakers).toEqual(['open', 'open']);
  });

  it('an open breaker refuses and the chain moves on', async () => {
    const out = await runBoth(() => [
      {
        provider: 'a',
        scripts: [fails('upstream_network')],
        resilience: { ...RES, breaker: { ...RES.breaker, failureThreshold: 1 } },
      },
      { provider: 'b', scripts: [ok('b')] },
    ]);
    expect(types(out.events)).toEqual(['start', 'text-delta', 'finish']);
    expect(trace(out.log)).toEqual([
      'start a/chat attempt 1 target 0',
      'end upstream_network 502',
      'breaker a/chat open',
      'retry after attempt 1 in 0 ms: upstream_network',
      'fallback 0 -> 1: circuit_open',
      'start b/chat attempt 1 target 1',
      'end ok',
    ]);
    expect(out.calls).toEqual([[['chat', undefined, 1, 0, true, false]], [['chat', undefined, 1, 1, true, false]]]);
    expect(out.breakers).toEqual(['open', 'closed']);
  });

  it('a bad request is neither retried nor sent to the next target', async () => {
    const out = await runBoth(() => [
      { provider: 'a', scripts: [fails('upstream_bad_request', { upstreamStatus: 400 })] },
      { provider: 'b', scripts: [ok('b')] },
    ]);
    expect(out.error).toEqual({
      code: 'upstream_bad_request',
      status: 400,
      message: 'fake upstream_bad_request',
      retryAfterMs: undefined,
      upstreamStatus: 400,
    });
    expect(trace(out.log)).toEqual(['start a/chat attempt 1 target 0', 'end upstream_bad_request 400']);
    expect(out.calls).toEqual([[['chat', undefined, 1, 0, true, false]], []]);
    expect(out.breakers).toEqual(['closed', 'closed']);
  });

  it('a first-byte timeout is retried; an idle timeout after content ends the stream', async () => {
    const retried = await runBoth(() => [{ provider: 'a', keys: ['k'], scripts: [[{ hang: true }], ok('late')] }]);
    expect(types(retried.events)).toEqual(['start', 'text-delta', 'finish']);
    expect(trace(retried.log)).toEqual([
      'start a/chat key k attempt 1 target 0',
      'end upstream_timeout 504',
      'retry after attempt 1 in 0 ms: upstream_timeout',
      'start a/chat key k attempt 2 target 0',
      'end ok',
    ]);
    expect(retried.calls).toEqual([
      [
        ['chat', 'k', 1, 0, true, true],
        ['chat', 'k', 2, 0, true, false],
      ],
    ]);
    const out = await runBoth(() => [{ provider: 'a', scripts: [[start, text('a'), { hang: true }]] }]);
    expect(types(out.events)).toEqual(['start', 'text-delta']);
    expect(out.error).toEqual({
      code: 'upstream_timeout',
      status: 504,
      message: 'Upstream was silent for more than 40 ms (idle timeout)',
      retryAfterMs: undefined,
      upstreamStatus: undefined,
    });
    expect(trace(out.log)).toEqual(['start a/chat attempt 1 target 0', 'end upstream_timeout 504']);
    expect(out.calls).toEqual([[['chat', undefined, 1, 0, true, true]]]);
  });

  it('a failure after content is not retried', async () => {
    const out = await runBoth(() => [
      { provider: 'a', keys: ['k'], scripts: [[start, text('a'), { fail: perr('upstream_network') }], ok('b')] },
      { provider: 'b', scripts: [ok('c')] },
    ]);
    expect(types(out.events)).toEqual(['start', 'text-delta']);
    expect(out.error).toEqual({
      code: 'upstream_network',
      status: 502,
      message: 'fake upstream_network',
      retryAfterMs: undefined,
      upstreamStatus: undefined,
    });
    expect(trace(out.log)).toEqual(['start a/chat key k attempt 1 target 0', 'end upstream_network 502']);
    expect(out.calls).toEqual([[['chat', 'k', 1, 0, true, false]], []]);
  });

  it('a stream that ends without content releases its start; one without finish is reported', async () => {
    const startOnly = await runBoth(() => [{ provider: 'a', keys: ['k'], scripts: [[start]] }]);
    expect(startOnly.events).toEqual([start]);
    expect(startOnly.error).toBeUndefined();
    expect(trace(startOnly.log)).toEqual(['start a/chat key k attempt 1 target 0', 'end upstream_protocol 502']);
    const noFinish = await runBoth(() => [{ provider: 'a', scripts: [[start, text('a')]] }]);
    expect(noFinish.events).toEqual([start, text('a')]);
    expect(noFinish.error).toBeUndefined();
    expect(trace(noFinish.log)).toEqual(['start a/chat attempt 1 target 0', 'end upstream_protocol 502']);
  });

  it('a consumer that stops early ends the attempt as client_closed and aborts the adapter', async () => {
    const out = await runBoth(
      () => [{ provider: 'a', keys: ['k'], scripts: [[start, text('a'), text('b'), finish]] }],
      { stopAfter: 2 },
    );
    expect(out.log.at(-1)?.[2]).toMatchObject({ ok: false, errorCode: 'client_closed', status: 499 });
    expect(trace(out.log)).toEqual(['start a/chat key k attempt 1 target 0', 'end client_closed 499']);
    expect(out.calls).toEqual([[['chat', 'k', 1, 0, true, true]]]);
    expect(out.health).toEqual([[healthy('k')]]);
    expect(out.breakers).toEqual(['closed']);
  });

  it('nothing more reaches the consumer after a client abort, even events already read', async () => {
    const out = await runBoth(
      () => [{ provider: 'a', keys: ['k'], scripts: [[start, text('a'), text('b'), finish]] }],
      { abortAfterEvents: 2 },
    );
    expect(out.events.map((e) => e.type)).toEqual(['start', 'text-delta']);
    expect(out.error?.code).toBe('client_closed');
    expect(trace(out.log)).toEqual(['start a/chat key k attempt 1 target 0', 'end client_closed 499']);
  });

  it('a client abort stops everything, with and without an observer', async () => {
    const specs = (): TargetSpec[] => [
      {
        provider: 'a',
        keys: ['k'],
        scripts: [[start, { hang: true }]],
        resilience: { ...RES, timeouts: { ...RES.timeouts, firstByteMs: 0, idleMs: 0 } },
      },
      { provider: 'b', scripts: [ok('b')] },
    ];
    const out = await runBoth(specs, { abortAfterMs: 10 });
    expect(out.events).toEqual([]);
    expect(out.error).toEqual({
      code: 'client_closed',
      status: 499,
      message: 'The client closed the request',
      retryAfterMs: undefined,
      upstreamStatus: undefined,
    });
    expect(trace(out.log)).toEqual(['start a/chat key k attempt 1 target 0', 'end client_closed 499']);
    expect(out.calls).toEqual([[['chat', 'k', 1, 0, true, true]], []]);
    const unobserved = await runBoth(specs, { abortAfterMs: 10, observe: false });
    expect(unobserved.log).toEqual([]);
    expect(unobserved.error?.code).toBe('client_closed');
    expect(unobserved.calls).toEqual([[['chat', 'k', 1, 0, true, true]], []]);
  });
});
