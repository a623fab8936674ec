// Store metrics as the stores see them: a StoreObserver over Parley's metric catalogue (metrics.ts), one per process.

import type { StoreObserver } from '../store/types.js';
import type { Metrics } from './metrics.js';

/** A StoreObserver that records into Parley's metrics, plus the rate-limit degradation gauge. */
export interface StoreMetrics extends StoreObserver {
  /** 1 while the shared rate-limit store fails and `mode` (closed: 503, open: per-replica limits) is in effect. */
  setRateLimitDegraded(mode: 'closed' | 'open', degraded: boolean): void;
}

/** Latency and errors per backend and operation, whether each remote store is up, and the rate-limit fail mode. */
export function createStoreMetrics(metrics: Metrics): StoreMetrics {
  return {
    observe: (backend, operation, seconds, ok) => metrics.observeStoreCall(backend, operation, seconds, ok),
    status: (backend, up) => metrics.setStoreUp(backend, up),
    setRateLimitDegraded: (mode, degraded) => metrics.setRateLimitDegraded(mode, degraded),
  };
}
