// LeasedAdmissions: admissions from leased blocks on a shared store, never past a limit across replicas.

import { afterEach, describe, expect, it } from 'vitest';
import { LeasedAdmissions } from '../../src/security/leased-admissions.js';
import { MemoryRateLimitStore } from '../../src/store/memory/rate-limit-store.js';
import type { AdmissionCounter, RateLimitStore } from '../../src/store/types.js';

/** The shared store as every replica sees it, counting the steps (round trips) it is asked for. */
function sharedStore(): { store: RateLimitStore; steps: () => number; fail: (on: boolean) => void } {
  const inner = new MemoryRateLimitStore();
  let steps = 0;
  let failing = false;
  const step = <T>(run: () => Promise<T>): Promise<T> => {
    steps++;
    return failing ? Promise.reject(new Error('ECONNREFUSED')) : run();
  };
  const store: RateLimitStore = {
    admit: (...a) => step(() => inner.admit(...a)),
    lease: (...a) => step(() => inner.lease(...a)),
    finish: (...a) => step(() => inner.finish(...a)),
    add: (...a) => step(() => inner.add(...a)),
    peek: (...a) => inner.peek(...a),
    acquireSlot: (...a) => step(() => inner.acquireSlot(...a)),
    renewSlot: (...a) => step(() => inner.renewSlot(...a)),
    releaseSlot: (...a) => step(() => inner.releaseSlot(...a)),
  };
  return { store, steps: () => steps, fail: (on) => (failing = on) };
}

const opened: LeasedAdmissions[] = [];
function replica(
  store: RateLimitStore,
  options: ConstructorParameters<typeof LeasedAdmissions>[1] = {},
): LeasedAdmissions {
  const leased = new LeasedAdmissions(store, options);
  opened.push(leased);
  return leased;
}
afterEach(async () => {
  for (const r of opened.splice(0)) await r.close().catch(() => undefined);
});

const requests = (max: number): AdmissionCounter => ({ name: 'requests', key: 'k', points: 1, windowMs: 60_000, max });
const tokens = (budget: number): AdmissionCounter => ({
  name: 'tokens',
  key: 'k',
  points: 0,
  windowMs: 60_000,
  max: budget - 1,
});
const admitted = (counts: { consumed: number }[], max: number) => counts.every((c) => c.consumed <= max);

/** How many of `limit` slots the store would grant now (taken and given back to count them). */
async function freeSlots(store: RateLimitStore, key: string, limit: number): Promise<number> {
  const taken: string[] = [];
  for (
    let id = await store.acquireSlot(key, limit, 60_000);
    id !== undefined;
    id = await store.acquireSlot(key, limit, 60_000)
  )
    taken.push(id);
  for (const id of taken) await store.releaseSlot(key, id);
  return taken.length;
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('LeasedAdmissions', () => {
  it('two replicas admit exactly the limit together, in far fewer store steps than admissions', async () => {
    const shared = sharedStore();
    const a = replica(shared.store);
    const b = replica(shared.store);
    let yes = 0;
    let stepsToLimit = 0;
    for (let i = 0; i < 1_200; i++) {
      const { counts } = await (i % 3 ? a : b).admit([requests(1_000)]);
      if (admitted(counts as { consumed: number }[], 1_000)) yes++;
      if (i === 999) stepsToLimit = shared.steps();
    }
    expect(yes).toBe(1_000); // the blocks shrink to one near the limit, so no permit is left unused at the end
    expect(stepsToLimit).toBeLessThan(300); // without leasing, 1,000 (one per admission; near the limit, one each)
    expect((await shared.store.peek('requests', 'k', 60_000))!.consumed).toBeGreaterThanOrEqual(1_000);
  });

  it('a small limit is leased one permit at a time: 6 a minute is 6 for the pair, not 12', async () => {
    const shared = sharedStore();
    const a = replica(shared.store);
    const b = replica(shared.store);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).admit([requests(6)])));
    expect(results.filter((r) => admitted(r.counts as { consumed: number }[], 6))).toHaveLength(6);
  });

  it('permits held from a block are admitted even after refused requests of other replicas push the store past the max', async () => {
    const shared = sharedStore();
    const a = replica(shared.store);
    const b = replica(shared.store);
    await a.admit([requests(640)]); // a holds a block of 10 more
    for (let i = 0; i < 700; i++) await b.admit([requests(640)]); // b uses the rest, then is refused (and counted)
    expect((await shared.store.peek('requests', 'k', 60_000))!.consumed).toBeGreaterThan(650);
    const fromBlock = await Promise.all(Array.from({ length: 10 }, () => a.admit([requests(640)])));
    expect(fromBlock.every((r) => admitted(r.counts as { consumed: number }[], 640))).toBe(true);
    // the block is used up
    expect(admitted((await a.admit([requests(640)])).counts as { consumed: number }[], 640)).toBe(false);
  });

  it('at a high limit, one replica asks the store about once per 129 admissions', async () => {
    const shared = sharedStore();
    const a = replica(shared.store);
    for (let i = 0; i < 10_000; i++) await a.admit([requests(1_000_000_000)]);
    expect(shared.steps()).toBeLessThanOrEqual(Math.ceil(10_000 / 129) + 1);
  });

  it('while the store is known to be unreachable, admissions ask it (and fail) instead of running on from what is held', async () => {
    const shared = sharedStore();
    let reachable = true;
    const a = replica(shared.store, { reachable: () => reachable });
    await a.admit([requests(1_000_000)]); // a block is held
    reachable = false;
    shared.fail(true);
    await expect(a.admit([requests(1_000_000)])).rejects.toThrow('ECONNREFUSED'); // so RateLimits applies the fail mode
    reachable = true;
    shared.fail(false);
    const before = shared.steps();
    await a.admit([requests(1_000_000)]);
    expect(shared.steps()).toBe(before); // back on the block
  });

  it('leased permits end with their window', async () => {
    const shared = sharedStore();
    let now = 1_000_000;
    const a = replica(shared.store, { clock: () => now });
    await a.admit([requests(1_000_000)]);
    const before = shared.steps();
    await a.admit([requests(1_000_000)]);
    expect(shared.steps()).toBe(before); // from the block
    now += 60_000;
    await a.admit([requests(1_000_000)]);
    expect(shared.steps()).toBe(before + 1); // the window is over: asked again
  });

  it('never holds more slots than the limit across replicas; a finished slot is reused without a step; unused ones go back', async () => {
    const shared = sharedStore();
    const a = replica(shared.store, { tickMs: 10, idleSlotMs: 50 });
    const b = replica(shared.store, { tickMs: 10, idleSlotMs: 50 });
    const slot = { key: 'streams:k', limit: 16, leaseMs: 60_000 };
    const held = (await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).admit([], slot)))).map(
      (r) => r.slot,
    );
    const granted = held.filter((id): id is string => id !== undefined);
    expect(granted.length).toBeLessThanOrEqual(16);
    expect(granted.length).toBeGreaterThanOrEqual(12); // at most limit/8 = 2 pooled unused per replica
    // One finished on a: its next admission takes it back from the pool, no step.
    const onA = held.find((id, i) => id !== undefined && i % 2 === 1)!;
    await a.finish({ key: slot.key, id: onA });
    const steps = shared.steps();
    expect((await a.admit([], slot)).slot).toBe(onA);
    expect(shared.steps()).toBe(steps);
    // Every slot finished: the pools give them back once idle, so the other replica can take all 16.
    for (const [i, id] of held.entries())
      if (id !== undefined && id !== onA) await (i % 2 ? a : b).finish({ key: slot.key, id });
    await a.finish({ key: slot.key, id: onA });
    await until(async () => (await freeSlots(shared.store, slot.key, 16)) === 16, 'the idle slots to go back');
  });

  it('charges tokens in batches that the other replica sees within its refresh', async () => {
    const shared = sharedStore();
    const a = replica(shared.store, { tickMs: 10 });
    const b = replica(shared.store, { tickMs: 10 });
    expect(
      admitted(
        (await b.admit([tokens(100)])).counts.map((c) => c ?? { consumed: 0 }),
        99,
      ),
    ).toBe(true);
    await a.finish(undefined, { name: 'tokens', key: 'k', points: 150, windowMs: 60_000 });
    expect((await shared.store.peek('tokens', 'k', 60_000))?.consumed ?? 0).toBe(0); // not sent yet: batched
    await until(
      async () => (await shared.store.peek('tokens', 'k', 60_000))?.consumed === 150,
      'the charge to be sent',
    );
    await until(
      async () =>
        !admitted(
          (await b.admit([tokens(100)])).counts.map((c) => c ?? { consumed: 0 }),
          99,
        ),
      'b to see the spent budget',
    );
  });

  it('sends the charges of many keys in bounded steps (256 counters each)', async () => {
    const shared = sharedStore();
    const a = replica(shared.store, { tickMs: 10 });
    for (let i = 0; i < 600; i++)
      await a.finish(undefined, { name: 'tokens', key: `k${i}`, points: 1, windowMs: 60_000 });
    await until(
      async () =>
        (await shared.store.peek('tokens', 'k599', 60_000))?.consumed === 1 &&
        (await shared.store.peek('tokens', 'k0', 60_000))?.consumed === 1,
      'every charge to be sent',
    );
    expect(shared.steps()).toBe(3); // 600 counters: 256 + 256 + 88
  });

  it('keeps charges the store could not take, and sends them once it answers', async () => {
    const shared = sharedStore();
    const a = replica(shared.store, { tickMs: 10 });
    shared.fail(true);
    await a.finish(undefined, { name: 'tokens', key: 'k', points: 7, windowMs: 60_000 });
    await expect(a.admit([requests(10)])).rejects.toThrow('ECONNREFUSED');
    await new Promise((resolve) => setTimeout(resolve, 50)); // a few failed ticks
    shared.fail(false);
    await until(
      async () => (await shared.store.peek('tokens', 'k', 60_000))?.consumed === 7,
      'the kept charge to be sent',
    );
  });

  it('close sends the charges and gives the pooled slots back', async () => {
    const shared = sharedStore();
    const a = new LeasedAdmissions(shared.store, { tickMs: 60_000 });
    const slot = { key: 'streams:k', limit: 16, leaseMs: 60_000 };
    const { slot: id } = await a.admit([], slot);
    await a.finish({ key: slot.key, id: id! }, { name: 'tokens', key: 'k', points: 3, windowMs: 60_000 });
    await a.close();
    expect((await shared.store.peek('tokens', 'k', 60_000))?.consumed).toBe(3);
    expect(await freeSlots(shared.store, slot.key, 16)).toBe(16);
  });
});
