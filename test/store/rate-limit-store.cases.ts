// One RateLimitStore conformance suite, run against every backend (memory and Redis).

import { describe, expect, it } from 'vitest';
import type { RateLimitStore } from '../../src/store/types.js';

export interface RateLimitStoreHarness {
  make(): Promise<RateLimitStore>;
  /** A second handle on the same counters, as another replica would hold it. */
  twin(store: RateLimitStore): Promise<RateLimitStore>;
  /** Waits until a lease of `leaseMs` taken now has surely lapsed (memory: a clock step; Redis: real time). */
  lapse(leaseMs: number): Promise<void>;
}

export function rateLimitStoreConformance(name: string, harness: RateLimitStoreHarness): void {
  describe(`RateLimitStore conformance: ${name}`, () => {
    it('counts points in a window and peeks without counting', async () => {
      const store = await harness.make();
      expect(await store.peek('requests', 'k', 60_000)).toBeUndefined();
      expect((await store.add('requests', 'k', 1, 60_000)).consumed).toBe(1);
      const second = await store.add('requests', 'k', 5, 60_000);
      expect(second.consumed).toBe(6);
      expect(second.msBeforeNext).toBeGreaterThan(0);
      expect(second.msBeforeNext).toBeLessThanOrEqual(60_000);
      expect((await store.peek('requests', 'k', 60_000))?.consumed).toBe(6);
      expect((await store.add('tokens', 'k', 1, 60_000)).consumed).toBe(1); // counters are separate by name
      expect((await store.add('requests', 'other', 1, 60_000)).consumed).toBe(1);
    });

    it('counts atomically across replicas: 100 concurrent adds give 100', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? a : b).add('requests', 'k', 1, 60_000)),
      );
      expect(results.map((r) => r.consumed).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
    });

    it('grants at most `limit` slots across replicas, and a released slot is free again', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const taken = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).acquireSlot('streams:k', 3, 60_000)),
      );
      const held = taken.filter((s): s is string => s !== undefined);
      expect(held).toHaveLength(3);
      await a.releaseSlot('streams:k', held[0]);
      expect(await b.acquireSlot('streams:k', 3, 60_000)).toBeDefined();
      expect(await b.acquireSlot('streams:k', 3, 60_000)).toBeUndefined();
      expect(await a.acquireSlot('streams:other', 1, 60_000)).toBeDefined();
    });

    it('frees the slot of a holder that died when its lease lapses; a renewed lease holds', async () => {
      const store = await harness.make();
      const dead = await store.acquireSlot('streams:k', 2, 200);
      const alive = await store.acquireSlot('streams:k', 2, 60_000);
      expect(dead && alive).toBeTruthy();
      expect(await store.acquireSlot('streams:k', 2, 200)).toBeUndefined();
      await harness.lapse(200);
      expect(await store.renewSlot('streams:k', dead!, 200)).toBe(false);
      expect(await store.renewSlot('streams:k', alive!, 60_000)).toBe(true);
      expect(await store.acquireSlot('streams:k', 2, 60_000)).toBeDefined();
      expect(await store.acquireSlot('streams:k', 2, 60_000)).toBeUndefined();
    });
    it('admits in one step: adds and reads counters, and takes the slot only when every counter is within its max', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const slot = { key: 'streams:k', limit: 2, leaseMs: 60_000 };
      const requests = { name: 'requests', key: 'k', points: 1, windowMs: 60_000, max: 2 };
      const tokens = { name: 'tokens', key: 'k', points: 0, windowMs: 60_000, max: 9 };
      const first = await a.admit([requests, tokens], slot);
      expect(first.counts[0]).toMatchObject({ consumed: 1 });
      expect(first.counts[0]!.msBeforeNext).toBeGreaterThan(0);
      expect(first.counts[0]!.msBeforeNext).toBeLessThanOrEqual(60_000);
      expect(first.counts[1]).toBeUndefined(); // a read opens no window
      expect(first.slot).toBeDefined();
      expect(await a.peek('tokens', 'k', 60_000)).toBeUndefined();
      await b.add('tokens', 'k', 10, 60_000); // the token budget (max 9) is spent on another replica
      const overBudget = await b.admit([requests, tokens], slot);
      expect(overBudget.counts.map((c) => c?.consumed)).toEqual([2, 10]);
      expect(overBudget.slot).toBeUndefined(); // refused: no slot is taken
      const overRequests = await a.admit([requests], slot);
      expect(overRequests.counts[0]?.consumed).toBe(3); // counted, over its max of 2
      expect(overRequests.slot).toBeUndefined();
      // Only the first admission holds a slot: one more fits under the limit of 2.
      expect((await a.admit([], slot)).slot).toBeDefined();
      expect((await b.admit([], slot)).slot).toBeUndefined();
      expect(await a.admit([])).toEqual({ counts: [], slot: undefined });
    });

    it('grants at most `limit` slots to concurrent admissions across replicas', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? a : b).admit([{ name: 'requests', key: 'k', points: 1, windowMs: 60_000, max: 100 }], {
            key: 'streams:k',
            limit: 3,
            leaseMs: 60_000,
          }),
        ),
      );
      expect(results.filter((r) => r.slot !== undefined)).toHaveLength(3);
      expect(results.map((r) => r.counts[0]?.consumed).sort((x, y) => x! - y!)).toEqual(
        Array.from({ length: 10 }, (_, i) => i + 1),
      );
    });

    it('finishes in one step: frees the slot and charges the counter', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const slot = { key: 'streams:k', limit: 1, leaseMs: 60_000 };
      const held = (await a.admit([], slot)).slot!;
      expect((await b.admit([], slot)).slot).toBeUndefined();
      await a.finish({ key: 'streams:k', id: held }, { name: 'tokens', key: 'k', points: 42, windowMs: 60_000 });
      expect((await b.peek('tokens', 'k', 60_000))?.consumed).toBe(42);
      const again = (await b.admit([], slot)).slot;
      expect(again).toBeDefined();
      await b.finish({ key: 'streams:k', id: again! }); // no charge
      await b.finish(undefined, { name: 'tokens', key: 'k', points: 8, windowMs: 60_000 }); // charge only
      expect((await a.peek('tokens', 'k', 60_000))?.consumed).toBe(50);
      expect((await a.admit([], slot)).slot).toBeDefined();
    });

    it('leases in blocks: charges first, grants take and extra within the max, counts a take past it, reads with take 0', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const requests = { name: 'requests', key: 'k', windowMs: 60_000, charge: 0, max: 10 };
      const first = await a.lease([{ ...requests, take: 1, extra: 4 }]);
      expect(first.granted).toEqual([5]);
      expect(first.counts[0]).toMatchObject({ consumed: 5 });
      expect(first.counts[0]!.msBeforeNext).toBeGreaterThan(0);
      expect(first.counts[0]!.msBeforeNext).toBeLessThanOrEqual(60_000);
      const second = await b.lease([{ ...requests, take: 1, extra: 100 }]); // only as far as the max
      expect(second.granted).toEqual([5]);
      expect(second.counts[0]?.consumed).toBe(10);
      const over = await a.lease([{ ...requests, take: 1, extra: 4 }]); // a take past the max still counts, alone
      expect(over.granted).toEqual([1]);
      expect(over.counts[0]?.consumed).toBe(11);
      const tokens = { name: 'tokens', key: 'k', windowMs: 60_000, take: 0, extra: 5, max: 100 };
      expect((await a.lease([{ ...tokens, charge: 0 }])).counts).toEqual([undefined]); // a read opens no window
      const charged = await b.lease([{ ...tokens, charge: 42 }]);
      expect(charged.granted).toEqual([0]);
      expect(charged.counts[0]?.consumed).toBe(42);
      expect((await a.peek('tokens', 'k', 60_000))?.consumed).toBe(42);
    });

    it('leases slots up to the limit across replicas, frees released ones, and takes none when a counter is over its max', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const slots = { key: 'streams:k', limit: 5, leaseMs: 60_000, release: [] as string[] };
      const first = await a.lease([], { ...slots, want: 3 });
      expect(first.slots).toHaveLength(3);
      const second = await b.lease([], { ...slots, want: 3 });
      expect(second.slots).toHaveLength(2); // 5 in all
      expect(new Set([...first.slots, ...second.slots]).size).toBe(5);
      expect(await a.acquireSlot('streams:k', 5, 60_000)).toBeUndefined();
      const swapped = await b.lease([], { ...slots, want: 1, release: first.slots.slice(0, 2) }); // released first
      expect(swapped.slots).toHaveLength(1);
      const budget = { name: 'tokens', key: 'k', windowMs: 60_000, charge: 50, take: 0, extra: 0, max: 9 };
      const overBudget = await a.lease([budget], { ...slots, want: 1 });
      expect(overBudget.counts[0]?.consumed).toBe(50);
      expect(overBudget.slots).toEqual([]); // one slot is free, but the budget is spent
      expect(await b.acquireSlot('streams:k', 5, 60_000)).toBeDefined();
    });
  });
}
