// Coalescing across replicas: two "replicas" (two CrossReplicaCoalescing on one bus) share one upstream call; a
// follower takes over when the leader dies, answers alone when the leader stays silent, and degrades without a bus.

import { describe, expect, it } from 'vitest';
import { CrossReplicaCoalescing } from '../../src/chat/cross-replica-coalescing.js';
import { ParleyError, type ChatEvent } from '../../src/domain/index.js';
import { MemoryCoalescingBus } from '../../src/store/memory/coalescing-bus.js';
import type { CoalescingBus } from '../../src/store/types.js';

const ANSWER: ChatEvent[] = [
  { type: 'start', id: 'r1' },
  { type: 'text-delta', text: 'Hello' },
  { type: 'text-delta', text: ' world' },
  { type: 'finish', finishReason: 'stop' },
];

/** An upstream that yields ANSWER once `gate` opens, and counts its calls. */
function upstream(gate: Promise<void> = Promise.resolve()) {
  const calls = { count: 0 };
  const open = async function* (): AsyncGenerator<ChatEvent> {
    calls.count++;
    yield ANSWER[0];
    await gate;
    yield* ANSWER.slice(1);
  };
  return { open, calls };
}

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const signal = (): AbortSignal => new AbortController().signal;

describe('CrossReplicaCoalescing', () => {
  it('identical requests on two replicas make one upstream call; the follower gets the same events', async () => {
    const bus = new MemoryCoalescingBus();
    const a = new CrossReplicaCoalescing(bus, { replicaId: 'A', pollMs: 1 });
    const b = new CrossReplicaCoalescing(bus, { replicaId: 'B', pollMs: 1 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ua = upstream(gate);
    const ub = upstream(gate);
    let followed = 0;
    const first = collect(a.run('k', ua.open, signal(), () => followed++));
    await new Promise((r) => setImmediate(r)); // A claims the lead first
    const second = collect(b.run('k', ub.open, signal(), () => followed++));
    release();
    expect(await first).toEqual(ANSWER);
    expect(await second).toEqual(ANSWER);
    expect(ua.calls.count + ub.calls.count).toBe(1);
    expect(followed).toBe(1);
  });

  it('a follower takes over when the leader dies before any event (its lease lapses)', async () => {
    const clock = { now: 0 };
    const bus = new MemoryCoalescingBus(() => clock.now);
    await bus.claim('k', 'dead-replica', 100); // a leader that never writes and never renews
    const b = new CrossReplicaCoalescing(bus, { replicaId: 'B', pollMs: 1, clock: () => clock.now });
    const ub = upstream();
    const answer = collect(b.run('k', ub.open, signal()));
    await new Promise((r) => setTimeout(r, 5));
    clock.now += 200;
    expect(await answer).toEqual(ANSWER);
    expect(ub.calls.count).toBe(1);
  });

  it('a follower that already showed part of the answer ends with a retryable error when the leader dies', async () => {
    const clock = { now: 0 };
    const bus = new MemoryCoalescingBus(() => clock.now);
    await bus.claim('k', 'dying', 100);
    await bus.append('k', JSON.stringify({ event: ANSWER[1] }), 60_000);
    const b = new CrossReplicaCoalescing(bus, { replicaId: 'B', pollMs: 1, clock: () => clock.now });
    const seen: ChatEvent[] = [];
    const run = (async () => {
      for await (const e of b.run('k', upstream().open, signal())) {
        seen.push(e);
        clock.now += 200; // the leader dies right after its first event
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'upstream_stream_error', retryable: true });
    expect(seen).toEqual([ANSWER[1]]);
  });

  it('never waits beyond the bound: a live but silent leader is left and the follower answers by itself', async () => {
    const clock = { now: 0 };
    const bus = new MemoryCoalescingBus(() => clock.now);
    await bus.claim('k', 'slow', 1_000_000);
    const b = new CrossReplicaCoalescing(bus, { replicaId: 'B', pollMs: 1, maxSilenceMs: 500, clock: () => clock.now });
    const ub = upstream();
    const answer = collect(b.run('k', ub.open, signal()));
    await new Promise((r) => setTimeout(r, 5));
    clock.now += 501;
    expect(await answer).toEqual(ANSWER);
    expect(ub.calls.count).toBe(1);
  });

  it("shares the leader's failure with its followers", async () => {
    const bus = new MemoryCoalescingBus();
    const a = new CrossReplicaCoalescing(bus, { replicaId: 'A', pollMs: 1 });
    const b = new CrossReplicaCoalescing(bus, { replicaId: 'B', pollMs: 1 });
    let fail!: () => void;
    const gate = new Promise<void>((r) => (fail = r));
    // eslint-disable-next-line require-yield -- a source that fails before its first event
    const failing = async function* (): AsyncGenerator<ChatEvent> {
      await gate;
      throw new ParleyError('upstream_server_error', 'Every route failed');
    };
    const first = collect(a.run('k', failing, signal()));
    await new Promise((r) => setImmediate(r));
    const second = collect(b.run('k', upstream().open, signal()));
    fail();
    await expect(first).rejects.toMatchObject({ code: 'upstream_server_error' });
    await expect(second).rejects.toMatchObject({ code: 'upstream_server_error', message: 'Every route failed' });
  });

  it('degrades to its own call when the bus is unreachable', async () => {
    const down: CoalescingBus = {
      claim: () => Promise.reject(new Error('ECONNREFUSED')),
      renew: () => Promise.reject(new Error('ECONNREFUSED')),
      append: () => Promise.reject(new Error('ECONNREFUSED')),
      read: () => Promise.reject(new Error('ECONNREFUSED')),
      release: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const u = upstream();
    expect(await collect(new CrossReplicaCoalescing(down).run('k', u.open, signal()))).toEqual(ANSWER);
    expect(u.calls.count).toBe(1);
  });
});
