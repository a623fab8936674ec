// Timeouts: the route engine's deadlines on one upstream call (TimedCall), through buildRoute with one target and no
// retries.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatEvent, TimeoutSettings } from '../../src/domain/index.js';
import type { ChatModel } from '../../src/domain/index.js';
import { arm, timeoutError } from '../../src/routing/timed-call.js';
import { FakeModel, collect, ok, opts, perr, quietResilience, req, routeOver, textOf } from './fake-model.js';

const T: TimeoutSettings = { connectMs: 1_000, firstByteMs: 3_000, idleMs: 1_000, totalMs: 10_000 };

/** One keyless target under deadlines `t`, without retries. */
function timed(adapter: ChatModel, t: TimeoutSettings = T): ChatModel {
  return routeOver([{ adapter, resilience: quietResilience({ timeouts: t }) }]).model;
}

describe('timeout errors and timers', () => {
  it('names the deadline that fired', () => {
    expect(
      [timeoutError('first', 3_000), timeoutError('idle', 1_000), timeoutError('total', 10_000)].map((e) => [
        e.code,
        e.status,
        e.message,
      ]),
    ).toEqual([
      ['upstream_timeout', 504, 'Upstream sent no first byte within 3000 ms'],
      ['upstream_timeout', 504, 'Upstream was silent for more than 1000 ms (idle timeout)'],
      ['upstream_timeout', 504, 'Upstream call exceeded the total timeout of 10000 ms'],
    ]);
  });

  it("arms no timer for 0, a negative or a non-finite value, and caps a long one at setTimeout's ceiling", () => {
    vi.useFakeTimers();
    try {
      const fire = vi.fn();
      for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(arm(ms, fire)).toBeUndefined();
      expect(vi.getTimerCount()).toBe(0);
      const timer = arm(3_000_000_000, fire);
      vi.advanceTimersByTime(2_147_483_646);
      expect(fire).not.toHaveBeenCalled();
      vi.advanceTimersByTime(1);
      expect(fire).toHaveBeenCalledTimes(1);
      clearTimeout(timer);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('route engine: timeouts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes a healthy stream through and leaves no timers behind', async () => {
    const fake = new FakeModel([[{ delay: 2_000 }, ...ok('a', 'b')]]);
    const run = collect(timed(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(2_000);
    const { events, error } = await run;
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('ab');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires the first-byte timeout, aborts the inner call and names the timeout', async () => {
    const fake = new FakeModel([[{ hang: true }]]);
    const run = collect(timed(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(fake.calls[0].ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { error } = await run;
    expect(error?.code).toBe('upstream_timeout');
    // Before content the chain summarises; the target's own error is the cause.
    expect(error?.message).toBe(
      'The only target for model "chat" failed: t1: Upstream sent no first byte within 3000 ms',
    );
    expect((error?.cause as Error).message).toBe('Upstream sent no first byte within 3000 ms');
    expect(fake.calls[0].options.signal.aborted).toBe(true);
    expect(fake.calls[0].options.signal.reason).toBe(error?.cause);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires the idle timeout between events but not while events keep coming', async () => {
    const fake = new FakeModel([
      [
        { type: 'start' },
        { delay: 900 },
        { type: 'text-delta', text: 'x' },
        { delay: 900 },
        { type: 'text-delta', text: 'y' },
        { hang: true },
      ],
    ]);
    const run = collect(timed(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(2_799);
    expect(fake.calls[0].ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { events, error } = await run;
    expect(textOf(events)).toBe('xy');
    expect(error?.code).toBe('upstream_timeout');
    expect(error?.message).toContain('1000 ms (idle timeout)');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('counts idle time only while waiting on upstream, not while the consumer is busy', async () => {
    const fake = new FakeModel([[...ok('a', 'b')]]);
    const events: ChatEvent[] = [];
    const run = (async () => {
      for await (const event of timed(fake).stream(req(), opts())) {
        events.push(event);
        if (event.type === 'text-delta' && event.text === 'a')
          await new Promise((resolve) => setTimeout(resolve, 1_500)); // longer than idleMs
      }
    })();
    await vi.advanceTimersByTimeAsync(1_500);
    await run;
    expect(textOf(events)).toBe('ab');
    expect(events.at(-1)?.type).toBe('finish');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires the total timeout on a steady but endless stream', async () => {
    const steady = Array.from({ length: 100 }, (): ChatEvent[] => [{ type: 'text-delta', text: '.' }]).flat();
    const script = [{ type: 'start' } as const, ...steady.flatMap((e) => [{ delay: 500 }, e])];
    const fake = new FakeModel([script]);
    const run = collect(timed(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(10_000);
    const { events, error } = await run;
    expect(error?.message).toBe('Upstream call exceeded the total timeout of 10000 ms');
    expect(textOf(events).length).toBe(19); // events at 500, 1000, ..., 9500 ms
    expect(vi.getTimerCount()).toBe(0);
  });

  it('throws on time even when the inner stream ignores its signal', async () => {
    const deaf: ChatModel = {
      provider: 'deaf',
      stream: () => ({
        [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<ChatEvent>>(() => undefined) }),
      }),
    };
    const run = collect(timed(deaf).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(3_000);
    expect((await run).error?.code).toBe('upstream_timeout');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('follows the parent signal: client abort ends the call as client_closed', async () => {
    const fake = new FakeModel([[{ hang: true }]]);
    const controller = new AbortController();
    const run = collect(timed(fake).stream(req(), opts({ signal: controller.signal })));
    await vi.advanceTimersByTimeAsync(100);
    controller.abort();
    const { error } = await run;
    expect(error?.code).toBe('client_closed');
    expect(fake.calls[0].abortedAtEnd).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('unlinks from the parent signal once the call is over', async () => {
    const fake = new FakeModel([ok('done')]);
    const controller = new AbortController();
    await collect(timed(fake).stream(req(), opts({ signal: controller.signal })));
    controller.abort();
    expect(fake.calls[0].options.signal.aborted).toBe(false);
  });

  it('rethrows inner errors unchanged and clears timers', async () => {
    const boom = perr('upstream_server_error');
    const fake = new FakeModel([[{ type: 'start' }, { fail: boom }]]);
    const { error } = await collect(timed(fake).stream(req(), opts()));
    expect(error?.cause).toBe(boom); // before content: the chain's summary carries the target's error unchanged
    expect(error?.code).toBe(boom.code);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops the inner call and clears timers when the consumer stops early', async () => {
    const fake = new FakeModel([[...ok('a', 'b', 'c')]]);
    for await (const event of timed(fake).stream(req(), opts())) {
      if (event.type === 'text-delta') break;
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls[0].ended).toBe(true);
    expect(fake.calls[0].options.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('treats 0 as "no timeout"', async () => {
    const fake = new FakeModel([[{ delay: 50_000 }, ...ok('late')]]);
    const run = collect(timed(fake, { ...T, firstByteMs: 0, totalMs: 0 }).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(50_000);
    expect(textOf((await run).events)).toBe('late');
    expect(vi.getTimerCount()).toBe(0);
  });
});
