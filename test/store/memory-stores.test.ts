// The conformance suites against the in-process backends.

import { MemoryCacheStore } from '../../src/store/memory/cache-store.js';
import { MemoryChangeNotices } from '../../src/store/memory/change-notices.js';
import { MemoryCoalescingBus } from '../../src/store/memory/coalescing-bus.js';
import { MemoryOneTimeTokens } from '../../src/store/memory/one-time-tokens.js';
import { MemoryRateLimitStore } from '../../src/store/memory/rate-limit-store.js';
import { MemorySessionStore } from '../../src/store/memory/session-store.js';
import { cacheStoreConformance } from './cache-store.cases.js';
import { changeNoticesConformance } from './change-notices.cases.js';
import { coalescingBusConformance } from './coalescing-bus.cases.js';
import { oneTimeTokensConformance } from './one-time-tokens.cases.js';
import { rateLimitStoreConformance } from './rate-limit-store.cases.js';
import { sessionStoreConformance } from './session-store.cases.js';

sessionStoreConformance('memory', {
  make: async (clock) => new MemorySessionStore({ idleTtlMs: 1_000, clock: () => clock.now }),
  twin: async (store) => store,
});

cacheStoreConformance('memory', {
  make: async (clock, maxEntries) => new MemoryCacheStore({ maxEntries, clock: () => clock.now }),
  twin: async (store) => store,
});

const clock = { now: 1_000_000 };
rateLimitStoreConformance('memory', {
  make: async () => new MemoryRateLimitStore(() => clock.now),
  twin: async (store) => store,
  lapse: async (ms) => {
    clock.now += ms;
  },
});

oneTimeTokensConformance('memory', {
  make: async () => new MemoryOneTimeTokens(() => clock.now),
  twin: async (store) => store,
  lapse: async (ms) => {
    clock.now += ms;
  },
});

changeNoticesConformance('memory', {
  make: async () => new MemoryChangeNotices(),
  twin: async (notices) => notices,
  settled: async () => undefined,
});

coalescingBusConformance('memory', {
  make: async () => new MemoryCoalescingBus(() => clock.now),
  twin: async (bus) => bus,
  lapse: async (ms) => {
    clock.now += ms;
  },
});
