// Picks the ephemeral-state backends from `config.state`: memory for one process, Redis for several replicas.

import type { Logger } from 'pino';
import type { SecretResolver } from '../config/secrets.js';
import type { ParleyConfig } from '../config/types.js';
import type { Metrics } from '../observability/metrics.js';
import { createStoreMetrics } from '../observability/store-metrics.js';
import type { RateLimitFailover } from '../security/rate-limits.js';
import { MemoryCacheStore } from '../store/memory/cache-store.js';
import { MemoryChangeNotices } from '../store/memory/change-notices.js';
import { MemoryOneTimeTokens } from '../store/memory/one-time-tokens.js';
import { MemoryRateLimitStore } from '../store/memory/rate-limit-store.js';
import { MemorySessionStore } from '../store/memory/session-store.js';
import type {
  CacheStore,
  ChangeNotices,
  CoalescingBus,
  OneTimeTokens,
  RateLimitStore,
  SessionStore,
} from '../store/types.js';

/** Where sessions, cache, rate limits, login links and change notices live. */
export interface EphemeralState {
  backend: 'memory' | 'redis';
  sessions: SessionStore;
  cache: CacheStore;
  rateLimits: RateLimitStore;
  /** Set with Redis: what the rate limits do while Redis is away (`state.rateLimitFailMode`). */
  rateLimitFailover?: RateLimitFailover;
  oneTimeTokens: OneTimeTokens;
  notices: ChangeNotices;
  /** Set with Redis: identical cacheable requests on different replicas share one upstream call. */
  coalescing?: CoalescingBus;
  /** False while a remote store is unreachable (/readyz answers 503). */
  isReady(): boolean;
  close(): Promise<void>;
}

/**
 * Builds the memory backends (no `state.redis`) or the Redis ones; with Redis, returns once connected or after a short
 * wait.
 */
export async function buildEphemeralState(
  config: ParleyConfig,
  secrets: SecretResolver,
  logger: Logger,
  metrics: Metrics,
): Promise<EphemeralState> {
  // Registered in every mode, so the metric catalogue (and dashboards) are the same with and without Redis.
  const storeMetrics = createStoreMetrics(metrics);
  if (config.state.redis) {
    // ioredis and the Redis backends are loaded only when Redis is configured.
    return (await import('./redis-state.js')).buildRedisState(config, secrets, logger, storeMetrics);
  }
  return {
    backend: 'memory',
    sessions: new MemorySessionStore({ idleTtlMs: config.sessions.idleTtlMs }),
    cache: new MemoryCacheStore({ maxEntries: config.cache.maxEntries }),
    rateLimits: new MemoryRateLimitStore(),
    oneTimeTokens: new MemoryOneTimeTokens(),
    notices: new MemoryChangeNotices(),
    isReady: () => true,
    close: async () => undefined,
  };
}
