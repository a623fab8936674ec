// Store metrics: latency and errors per backend and operation, whether each remote store is up, and rate-limit fail mode.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { StoreObserver } from '../store/types.js';

/** Buckets (seconds) for one store call: sub-millisecond to the longest command timeout. */
export const STORE_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** A StoreObserver that records into Prometheus metrics, plus the rate-limit degradation gauge. */
export interface StoreMetrics extends StoreObserver {
  /** 1 while the shared rate-limit store fails and `mode` (closed: 503, open: per-replica limits) is in effect. */
  setRateLimitDegraded(mode: 'closed' | 'open', degraded: boolean): void;
}

/** Registers the store metrics on `registry` (Parley's own, from createMetrics). */
export function createStoreMetrics(registry: Registry): StoreMetrics {
  const registers = [registry];
  const duration = new Histogram({ name: 'parley_store_operation_duration_seconds', help: 'Duration of one call to a shared store, by backend and operation', labelNames: ['backend', 'operation'], buckets: [...STORE_BUCKETS], registers });
  const errors = new Counter({ name: 'parley_store_errors_total', help: 'Failed or timed-out calls to a shared store (including calls refused at once while it is down)', labelNames: ['backend', 'operation'], registers });
  const up = new Gauge({ name: 'parley_store_up', help: 'A shared store is reachable (1) or not (0)', labelNames: ['backend'], registers });
  const degraded = new Gauge({ name: 'parley_rate_limit_degraded', help: 'The shared rate-limit store is failing and the fail mode is in effect (closed: 503; open: per-replica limits)', labelNames: ['mode'], registers });
  return {
    observe(backend, operation, seconds, ok) {
      if (ok) duration.observe({ backend, operation }, seconds);
      else errors.inc({ backend, operation });
    },
    status(backend, isUp) {
      up.set({ backend }, isUp ? 1 : 0);
    },
    setRateLimitDegraded(mode, isDegraded) {
      degraded.set({ mode }, isDegraded ? 1 : 0);
    },
  };
}
