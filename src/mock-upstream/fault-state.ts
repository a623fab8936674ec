// Decides which model requests fail: per-scope request counters (failFirst) and seeded RNGs (errorRates).

import type { Scenario } from './scenario.js';

/** A small, fast, seedable PRNG (mulberry32) returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = Math.trunc(seed) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ScopeState {
  count: number;
  random: () => number;
}

const MAX_SCOPES = 10_000;

/**
 * Counters and RNGs per scope. A scope is the `x-mock-scenario` header value when present, else the
 * API key when it has a key scenario, else the server scenario; so concurrent tests that use
 * different headers do not consume each other's `failFirst` budget.
 */
export class FaultState {
  private readonly scopes = new Map<string, ScopeState>();

  /** Forgets every counter and RNG (on setScenario / resetScenario). */
  reset(): void {
    this.scopes.clear();
  }

  /** Counts one model request in `scope` and returns the status it must fail with, or 0 to succeed. */
  decide(scope: string, scenario: Scenario): number {
    let state = this.scopes.get(scope);
    if (state === undefined) {
      if (this.scopes.size >= MAX_SCOPES) this.scopes.clear();
      state = { count: 0, random: seededRandom(scenario.seed) };
      this.scopes.set(scope, state);
    }
    const index = state.count++;
    if (index < scenario.failFirst) return scenario.failStatus;
    let threshold = 0;
    let draw = -1;
    for (const status in scenario.errorRates) {
      const p = scenario.errorRates[status as unknown as number];
      if (!(p > 0)) continue;
      if (draw < 0) draw = state.random();
      threshold += p;
      if (draw < threshold) return Number(status);
    }
    return 0;
  }
}
