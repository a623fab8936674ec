// One CoalescingBus conformance suite, run against every backend (memory and Redis).

import { describe, expect, it } from 'vitest';
import type { CoalescingBus } from '../../src/store/types.js';

export interface CoalescingBusHarness {
  make(): Promise<CoalescingBus>;
  twin(bus: CoalescingBus): Promise<CoalescingBus>;
  /** Waits until a lease of `ms` taken now has surely lapsed. */
  lapse(ms: number): Promise<void>;
}

export function coalescingBusConformance(name: string, harness: CoalescingBusHarness): void {
  describe(`CoalescingBus conformance: ${name}`, () => {
    it('one replica leads; the others read its log in order, with the lead visible', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      const claims = await Promise.all([
        a.claim('k', 'A', 60_000),
        b.claim('k', 'B', 60_000),
        b.claim('k', 'C', 60_000),
      ]);
      expect(claims.filter(Boolean)).toEqual([true]);
      const leader = claims[0] ? a : b;
      await leader.append('k', 'one', 60_000);
      await leader.append('k', 'two', 60_000);
      const first = await b.read('k', '');
      expect(first).toMatchObject({ records: ['one', 'two'], led: true });
      await leader.append('k', 'three', 60_000);
      const next = await a.read('k', first.cursor);
      expect(next.records).toEqual(['three']);
      expect((await a.read('k', next.cursor)).records).toEqual([]);
    });

    it('renew and release work only for the owner; the log outlives the lead', async () => {
      const bus = await harness.make();
      expect(await bus.claim('k', 'A', 60_000)).toBe(true);
      await bus.append('k', 'x', 60_000);
      expect(await bus.renew('k', 'B', 60_000)).toBe(false);
      expect(await bus.renew('k', 'A', 60_000)).toBe(true);
      await bus.release('k', 'B');
      expect((await bus.read('k', '')).led).toBe(true);
      await bus.release('k', 'A');
      expect(await bus.read('k', '')).toMatchObject({ records: ['x'], led: false });
    });

    it('a lapsed lead can be claimed again, and the new run starts with an empty log', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      expect(await a.claim('k', 'A', 150)).toBe(true);
      await a.append('k', 'stale', 60_000);
      await harness.lapse(150);
      expect((await b.read('k', '')).led).toBe(false);
      expect(await a.renew('k', 'A', 150)).toBe(false);
      expect(await b.claim('k', 'B', 60_000)).toBe(true);
      expect(await a.read('k', '')).toMatchObject({ records: [], led: true });
    });
  });
}
