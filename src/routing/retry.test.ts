import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RetrySettings } from '../domain/index.js';
import { FakeModel, collect, fails, ok, opts, perr, recordingObserver, req, textOf } from './fake-model.test-helper.js';
import { backoffDelay, withRetry } from './retry.js';

const R: RetrySettings = { retries: 4, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 };

/** A sleep that records the delays and returns at once. */
function recordSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
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

describe('withRetry', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('retries retryable errors with full-jitter backoff and passes attempt numbers down', async () => {
    const fake = new FakeModel([fails('upstream_server_error'), fails('upstream_network'), fails('upstream_overloaded'), ok('done')]);
    const { sleep, delays } = recordSleep();
    const { observer, log } = recordingObserver();
    const model = withRetry(R, { sleep, random: () => 0.5 })(fake);
    const { events, error } = await collect(model.stream(req(), opts({ observer, fallbackIndex: 1 })));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('done');
    expect(delays).toEqual([50, 100, 200]);
    expect(fake.calls.map((c) => c.options.attempt)).toEqual([1, 2, 3, 4]);
    expect(log).toEqual([
      ['retry', { provider: 'fake', model: 'm', attempt: 1, fallbackIndex: 1 }, 50, 'upstream_server_error'],
      ['retry', { provider: 'fake', model: 'm', attempt: 2, fallbackIndex: 1 }, 100, 'upstream_network'],
      ['retry', { provider: 'fake', model: 'm', attempt: 3, fallbackIndex: 1 }, 200, 'upstream_overloaded'],
    ]);
  });

  it('gives up after `retries` retries and rethrows the last error', async () => {
    const fake = new FakeModel([fails('upstream_server_error')]);
    const { sleep } = recordSleep();
    const { error } = await collect(withRetry({ ...R, retries: 2 }, { sleep })(fake).stream(req(), opts()));
    expect(error?.code).toBe('upstream_server_error');
    expect(fake.calls).toHaveLength(3);
  });

  it('honours retry-after when it is longer than the backoff', async () => {
    const fake = new FakeModel([fails('upstream_rate_limited', { retryAfterMs: 5_000 }), fails('upstream_overloaded', { retryAfterMs: 1 }), ok('x')]);
    const { sleep, delays } = recordSleep();
    await collect(withRetry(R, { sleep, random: () => 0.999 })(fake).stream(req(), opts()));
    expect(delays).toEqual([5_000, 199]);
  });

  it('does not retry when retry-after exceeds maxRetryAfterMs (fallback moves on)', async () => {
    const fake = new FakeModel([fails('upstream_rate_limited', { retryAfterMs: 10_001 }), ok('x')]);
    const { sleep, delays } = recordSleep();
    const { error } = await collect(withRetry(R, { sleep })(fake).stream(req(), opts()));
    expect(error?.retryAfterMs).toBe(10_001);
    expect(fake.calls).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('never retries after a text-delta reached the consumer', async () => {
    const fake = new FakeModel([[{ type: 'start' }, { type: 'text-delta', text: 'half' }, { fail: perr('upstream_stream_error') }], ok('whole')]);
    const { sleep } = recordSleep();
    const { events, error } = await collect(withRetry(R, { sleep })(fake).stream(req(), opts()));
    expect(textOf(events)).toBe('half');
    expect(error?.code).toBe('upstream_stream_error');
    expect(fake.calls).toHaveLength(1);
  });

  it('retries a stream that opened and failed before content; the consumer sees one start', async () => {
    const fake = new FakeModel([[{ type: 'start', id: 'first' }, { fail: perr('upstream_stream_error') }], [{ type: 'start', id: 'second' }, ...ok('ok').slice(1)]]);
    const { sleep } = recordSleep();
    const { events } = await collect(withRetry(R, { sleep })(fake).stream(req(), opts()));
    expect(events.filter((e) => e.type === 'start')).toEqual([{ type: 'start', id: 'second' }]);
    expect(events.map((e) => e.type)).toEqual(['start', 'text-delta', 'finish']);
  });

  it('releases a held start when a stream ends without content', async () => {
    const fake = new FakeModel([[{ type: 'start', id: 'only' }]]);
    const { events } = await collect(withRetry(R)(fake).stream(req(), opts()));
    expect(events).toEqual([{ type: 'start', id: 'only' }]);
  });

  it.each(['upstream_auth', 'upstream_bad_request', 'circuit_open', 'no_healthy_key', 'client_closed'] as const)(
    'does not retry %s',
    async (code) => {
      const fake = new FakeModel([fails(code), ok('x')]);
      const { sleep } = recordSleep();
      const { error } = await collect(withRetry(R, { sleep })(fake).stream(req(), opts()));
      expect(error?.code).toBe(code);
      expect(fake.calls).toHaveLength(1);
    },
  );

  it('stops at once when the signal aborts during the backoff sleep, leaving no timer', async () => {
    vi.useFakeTimers();
    const fake = new FakeModel([fails('upstream_server_error'), ok('x')]);
    const controller = new AbortController();
    const run = collect(withRetry(R, { random: () => 0.9 })(fake).stream(req(), opts({ signal: controller.signal })));
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
    const run = collect(withRetry(R, { random: () => 0.5 })(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(49);
    expect(fake.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(textOf((await run).events)).toBe('x');
    expect(fake.calls).toHaveLength(2);
  });
});
