// Retry: the decision (retryDelay, backoffDelay) and the route engine retrying one target through buildRoute.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RetrySettings } from '../../src/domain/index.js';
import { NEVER_RETRIED, backoffDelay, retryDelay } from '../../src/routing/retry.js';
import type { RetryDeps } from '../../src/routing/retry.js';
import {
  FakeModel,
  collect,
  fails,
  ok,
  only,
  opts,
  perr,
  quietResilience,
  recordingObserver,
  req,
  routeOver,
  textOf,
} from './fake-model.js';

const R: RetrySettings = { retries: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 };

/** A sleep that records the delays and returns at once. */
function recordSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

/** One keyless target with retry settings `r` and no deadlines. */
function retried(fake: FakeModel, r: RetrySettings = R, retryDeps?: RetryDeps) {
  return routeOver([{ adapter: fake, resilience: quietResilience({ retry: r }) }], { retryDeps }).model;
}

describe('backoffDelay (full jitter)', () => {
  it('stays within [0, min(maxDelayMs, baseDelayMs * 2^n)] and reaches both ends', () => {
    const caps = [100, 200, 400, 800, 1_000, 1_000];
    caps.forEach((cap, n) => {
      expect(backoffDelay(R, n, () => 0)).toBe(0);
      expect(backoffDelay(R, n, () => 0.999_999)).toBe(cap - 1);
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(R, n, Math.random);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(cap);
      }
    });
  });
});

describe('retryDelay (the decision)', () => {
  it('is the backoff for a retryable error while retries remain, and undefined once they are spent', () => {
    expect([0, 1, 2, 3].map((n) => retryDelay(perr('upstream_server_error'), R, n, () => 0.5))).toEqual([
      50, 100, 200, 400,
    ]);
    expect(retryDelay(perr('upstream_server_error'), R, 4, () => 0.5)).toBeUndefined();
    expect(retryDelay(perr('upstream_server_error'), { ...R, retries: 0 }, 0, () => 0.5)).toBeUndefined();
  });

  it("waits for the provider's retry-after when it is longer, and not at all when it exceeds maxRetryAfterMs", () => {
    expect(retryDelay(perr('upstream_rate_limited', { retryAfterMs: 5_000 }), R, 0, () => 0.999)).toBe(5_000);
    expect(retryDelay(perr('upstream_overloaded', { retryAfterMs: 1 }), R, 1, () => 0.999)).toBe(199);
    expect(retryDelay(perr('upstream_rate_limited', { retryAfterMs: 10_000 }), R, 0, () => 0)).toBe(10_000);
    expect(retryDelay(perr('upstream_rate_limited', { retryAfterMs: 10_001 }), R, 0, () => 0)).toBeUndefined();
  });

  it('never retries non-retryable codes, the codes that mean "target down", or what is not a ParleyError', () => {
    for (const code of [
      'upstream_auth',
      'upstream_bad_request',
      'upstream_not_found',
      'circuit_open',
      'client_closed',
      'no_healthy_key',
    ] as const) {
      expect(retryDelay(perr(code), R, 0, () => 0.5)).toBeUndefined();
    }
    expect(retryDelay(new Error('bug'), R, 0, () => 0.5)).toBeUndefined();
    expect([...NEVER_RETRIED].sort()).toEqual(['circuit_open', 'client_closed', 'no_healthy_key']);
  });

  it('draws a random number only for a retry it grants', () => {
    const random = vi.fn(() => 0.5);
    retryDelay(perr('upstream_auth'), R, 0, random);
    retryDelay(perr('upstream_server_error'), R, 4, random);
    retryDelay(perr('upstream_rate_limited', { retryAfterMs: 10_001 }), R, 0, random);
    expect(random).not.toHaveBeenCalled();
    retryDelay(perr('upstream_server_error'), R, 0, random);
    expect(random).toHaveBeenCalledTimes(1);
  });
});

describe('route engine: retry', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries retryable errors with full-jitter backoff and passes attempt numbers down', async () => {
    // The retried target is second in the chain, so its reports carry fallbackIndex 1.
    const down = new FakeModel([fails('circuit_open')], 'down');
    const fake = new FakeModel([
      fails('upstream_server_error'),
      fails('upstream_network'),
      fails('upstream_overloaded'),
      ok('done'),
    ]);
    const { sleep, delays } = recordSleep();
    const { observer, log } = recordingObserver();
    const resilience = quietResilience({ retry: R });
    const { model } = routeOver(
      [
        { adapter: down, resilience },
        { adapter: fake, resilience },
      ],
      { retryDeps: { sleep, random: () => 0.5 } },
    );
    const { events, error } = await collect(model.stream(req(), opts({ observer })));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('done');
    expect(delays).toEqual([50, 100, 200]);
    expect(fake.calls.map((c) => c.options.attempt)).toEqual([1, 2, 3, 4]);
    expect(only(log, 'retry')).toEqual([
      ['retry', { provider: 'fake', model: 'm', attempt: 1, fallbackIndex: 1 }, 50, 'upstream_server_error'],
      ['retry', { provider: 'fake', model: 'm', attempt: 2, fallbackIndex: 1 }, 100, 'upstream_network'],
      ['retry', { provider: 'fake', model: 'm', attempt: 3, fallbackIndex: 1 }, 200, 'upstream_overloaded'],
    ]);
  });

  it('gives up after `retries` retries and rethrows the last error', async () => {
    const fake = new FakeModel([fails('upstream_server_error')]);
    const { sleep } = recordSleep();
    const { error } = await collect(retried(fake, { ...R, retries: 2 }, { sleep }).stream(req(), opts()));
    expect(error?.code).toBe('upstream_server_error');
    expect(fake.calls).toHaveLength(3);
  });

  it('honours retry-after when it is longer than the backoff', async () => {
    const fake = new FakeModel([
      fails('upstream_rate_limited', { retryAfterMs: 5_000 }),
      fails('upstream_overloaded', { retryAfterMs: 1 }),
      ok('x'),
    ]);
    const { sleep, delays } = recordSleep();
    await collect(retried(fake, R, { sleep, random: () => 0.999 }).stream(req(), opts()));
    expect(delays).toEqual([5_000, 199]);
  });

  it('does not retry when retry-after exceeds maxRetryAfterMs (fallback moves on)', async () => {
    const fake = new FakeModel([fails('upstream_rate_limited', { retryAfterMs: 10_001 }), ok('x')]);
    const { sleep, delays } = recordSleep();
    const { error } = await collect(retried(fake, R, { sleep }).stream(req(), opts()));
    expect(error?.retryAfterMs).toBe(10_001);
    expect(fake.calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('never retries after a text-delta reached the consumer', async () => {
    const fake = new FakeModel([
      [{ type: 'start' }, { type: 'text-delta', text: 'half' }, { fail: perr('upstream_stream_error') }],
      ok('whole'),
    ]);
    const { sleep } = recordSleep();
    const { events, error } = await collect(retried(fake, R, { sleep }).stream(req(), opts()));
    expect(textOf(events)).toBe('half');
    expect(error?.code).toBe('upstream_stream_error');
    expect(fake.calls).toHaveLength(1);
  });

  it('retries a stream that opened and failed before content; the consumer sees one start', async () => {
    const fake = new FakeModel([
      [{ type: 'start', id: 'first' }, { fail: perr('upstream_stream_error') }],
      [{ type: 'start', id: 'second' }, ...ok('ok').slice(1)],
    ]);
    const { sleep } = recordSleep();
    const { events } = await collect(retried(fake, R, { sleep }).stream(req(), opts()));
    expect(events.filter((e) => e.type === 'start')).toEqual([{ type: 'start', id: 'second' }]);
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'finish']);
  });

  it('releases a held start when a stream ends without content', async () => {
    const fake = new FakeModel([[{ type: 'start', id: 'only' }]]);
    const { events } = await collect(retried(fake).stream(req(), opts()));
    expect(events).toEqual([{ type: 'start', id: 'only' }]);
  });

  it.each(['upstream_auth', 'upstream_bad_request', 'circuit_open', 'no_healthy_key', 'client_closed'] as const)(
    'does not retry %s',
    async (code) => {
      const fake = new FakeModel([fails(code), ok('x')]);
      const { sleep } = recordSleep();
      const { error } = await collect(retried(fake, R, { sleep }).stream(req(), opts()));
      expect(error?.code).toBe(code);
      expect(fake.calls).toHaveLength(1);
    },
  );

  it('does not retry a call aborted with a retryable reason (shutting down)', async () => {
    const controller = new AbortController();
    const shutdown = perr('shutting_down');
    const fake = new FakeModel([[{ type: 'start' }, { hang: true }], ok('x')]);
    const { sleep, delays } = recordSleep();
    const { observer, log } = recordingObserver();
    const run = collect(retried(fake, R, { sleep }).stream(req(), opts({ signal: controller.signal, observer })));
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(shutdown);
    const { error } = await run;
    expect(error).toBe(shutdown);
    expect(delays).toEqual([]);
    expect(only(log, 'retry')).toEqual([]);
    expect(fake.calls).toHaveLength(1);
  });

  it('stops at once when the signal aborts during the backoff sleep, leaving no timer', async () => {
    vi.useFakeTimers();
    const fake = new FakeModel([fails('upstream_server_error'), ok('x')]);
    const controller = new AbortController();
    const run = collect(retried(fake, R, { random: () => 0.9 }).stream(req(), opts({ signal: controller.signal })));
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort();
    const { error } = await run;
    expect(error?.code).toBe('client_closed');
    expect(fake.calls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('default sleep waits the computed delay', async () => {
    vi.useFakeTimers();
    const fake = new FakeModel([fails('upstream_server_error'), ok('x')]);
    const run = collect(retried(fake, R, { random: () => 0.5 }).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(49);
    expect(fake.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(textOf((await run).events)).toBe('x');
    expect(fake.calls).toHaveLength(2);
  });
});
