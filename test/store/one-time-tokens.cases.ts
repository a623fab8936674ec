// One OneTimeTokens conformance suite (login links), run against every backend (memory and Redis).

import { describe, expect, it } from 'vitest';
import type { OneTimeTokens } from '../../src/store/types.js';

export interface OneTimeTokensHarness {
  make(): Promise<OneTimeTokens>;
  twin(store: OneTimeTokens): Promise<OneTimeTokens>;
  /** Waits until an entry of `ttlMs` stored now has surely expired. */
  lapse(ttlMs: number): Promise<void>;
}

export function oneTimeTokensConformance(name: string, harness: OneTimeTokensHarness): void {
  describe(`OneTimeTokens conformance: ${name}`, () => {
    it('a token is taken once, on whichever replica asks first', async () => {
      const a = await harness.make();
      const b = await harness.twin(a);
      await a.put('h1', 60_000);
      const takes = await Promise.all([a.take('h1'), b.take('h1'), a.take('h1'), b.take('h1')]);
      expect(takes.filter(Boolean)).toHaveLength(1);
      expect(await a.take('unknown')).toBe(false);
    });

    it('an expired token is refused', async () => {
      const store = await harness.make();
      await store.put('h2', 100);
      await harness.lapse(100);
      expect(await store.take('h2')).toBe(false);
    });
  });
}
