// Adapts routing facts (the domain's RouteObserver) to Parley's metrics, and fans one observer out to many.

import type { AttemptInfo, Deployment, RouteObserver } from '../domain/index.js';
import type { Metrics } from './metrics.js';

/**
 * A RouteObserver that records attempts, upstream durations, retries, fallbacks, breaker and key
 * states. Build one per configured model at startup (it holds no per-request state).
 * @param model the model alias clients send (label of `parley_fallbacks_total`)
 * @param targetProviders provider id of each target of the alias's fallback chain, in order
 */
export function createMetricsRouteObserver(
  metrics: Metrics,
  model: string,
  targetProviders: readonly string[],
): RouteObserver {
  return {
    attemptEnd(info: AttemptInfo, outcome: { ok: boolean; durationMs: number; errorCode?: string }) {
      const result = outcome.ok ? 'success' : (outcome.errorCode ?? 'error');
      metrics.countUpstreamAttempt(info.provider, info.keyId ?? 'none', result);
      metrics.observeUpstream(info.provider, info.model, result, outcome.durationMs / 1000);
      if (outcome.ok && info.keyId !== undefined) metrics.setKeyHealthy(info.provider, info.keyId, true);
    },
    keyDisabled(provider: string, keyId: string) {
      metrics.setKeyHealthy(provider, keyId, false);
    },
    breakerChange(deployment: Deployment, state: 'closed' | 'open' | 'half-open') {
      metrics.setCircuitState(deployment, state);
    },
    retry(info: AttemptInfo, _delayMs: number, errorCode: string) {
      metrics.countRetry(info.provider, errorCode);
    },
    fallback(fromIndex: number, toIndex: number) {
      metrics.countFallback(model, targetProviders[fromIndex] ?? 'unknown', targetProviders[toIndex] ?? 'unknown');
    },
  };
}

export { combineRouteObservers } from '../domain/index.js';
