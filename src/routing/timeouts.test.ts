import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatEvent, TimeoutSettings } from '../domain/index.js';
import type { ChatModel } from '../providers/types.js';
import { FakeModel, collect, ok, opts, perr, req, textOf } from './fake-model.test-helper.js';
import { withTimeouts } from './timeouts.js';

const T: TimeoutSettings = { connectMs: 1_000, firstByteMs: 3_000, idleMs: 1_000, totalMs: 10_000 };

describe('withTimeouts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('passes a healthy stream through and leaves no timers behind', async () => {
    const fake = new FakeModel([[{ delay: 2_000 }, ...ok('a', 'b')]]);
    const run = collect(withTimeouts(T)(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(2_000);
    const { events, error } = await run;
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('ab');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires the first-byte timeout, aborts the inner call and names the timeout', async () => {
    const fake = new FakeModel([[{ hang: true }]]);
    const run = collect(withTimeouts(T)(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(2_999);
    expect(fake.calls[0].ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { error } = await run;
    expect(error?.code).toBe('upstream_timeout');
    expect(error?.message).toBe('Upstream sent no first byte within 3000 ms');
    expect(fake.calls[0].options.signal.aborted).toBe(true);
    expect(fake.calls[0].options.signal.reason).toBe(error);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires the idle timeout between events but not while events keep coming', async () => {
    const fake = new FakeModel([
      [{ type: 'start' }, { delay: 900 }, { type: 'text-delta', text: 'x' }, { delay: 900 }, { type: 'text-delta', text: 'y' }, { hang: true }],
    ]);
    const run = collect(withTimeouts(T)(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(2_799);
    expect(fake.calls[0].ended).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const { events, error } = await run;
    expect(textOf(events)).toBe('xy');
    expect(error?.code).toBe('upstream_timeout');
    expect(error?.message).toContain('1000 ms (idle timeout)');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('fires the total timeout on a steady but endless stream', async () => {
    const steady = Array.from({ length: 100 }, (): ChatEvent[] => [{ type: 'text-delta', text: '.' }]).flat();
    const script = [{ type: 'start' } as const, ...steady.flatMap((e) => [{ delay: 500 }, e])];
    const fake = new FakeModel([script]);
    const run = collect(withTimeouts(T)(fake).stream(req(), opts()));
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
    const run = collect(withTimeouts(T)(deaf).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(3_000);
    expect((await run).error?.code).toBe('upstream_timeout');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('follows the parent signal: client abort ends the call as client_closed', async () => {
    const fake = new FakeModel([[{ hang: true }]]);
    const controller = new AbortController();
    const run = collect(withTimeouts(T)(fake).stream(req(), opts({ signal: controller.signal })));
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
    await collect(withTimeouts(T)(fake).stream(req(), opts({ signal: controller.signal })));
    controller.abort();
    expect(fake.calls[0].options.signal.aborted).toBe(false);
  });

  it('rethrows inner errors unchanged and clears timers', async () => {
    const boom = perr('upstream_server_error');
    const fake = new FakeModel([[{ type: 'start' }, { fail: boom }]]);
    const { error } = await collect(withTimeouts(T)(fake).stream(req(), opts()));
    expect(error).toBe(boom);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops the inner call and clears timers when the consumer stops early', async () => {
    const fake = new FakeModel([[...ok('a', 'b', 'c')]]);
    for await (const event of withTimeouts(T)(fake).stream(req(), opts())) {
      if (event.type === 'text-delta') break;
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.calls[0].ended).toBe(true);
    expect(fake.calls[0].options.signal.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('treats 0 as "no timeout"', async () => {
    const fake = new FakeModel([[{ delay: 50_000 }, ...ok('late')]]);
    const run = collect(withTimeouts({ ...T, firstByteMs: 0, totalMs: 0 })(fake).stream(req(), opts()));
    await vi.advanceTimersByTimeAsync(50_000);
    expect(textOf((await run).events)).toBe('late');
    expect(vi.getTimerCount()).toBe(0);
  });
});
