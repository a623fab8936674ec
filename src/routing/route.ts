// Route builder: composes the resilience wrappers for every target of one Parley model alias.

import type { ChatEvent, ChatRequest, ResilienceSettings } from '../domain/index.js';
import type { ChatModel, RoutableModel } from '../providers/types.js';
import { withAttemptReport } from './attempt-report.js';
import { withFallback } from './fallback.js';
import { fusedRoute } from './fused-route.js';
import type { FusedTarget } from './fused-route.js';
import { KeyPool, withKeyPool } from './key-pool.js';
import type { PoolKey } from './key-pool.js';
import { withRetry } from './retry.js';
import type { RetryDeps } from './retry.js';
import { withTimeouts } from './timeouts.js';

/** One target of a model's fallback chain, with everything needed to guard it. */
export interface RouteTargetInput<R extends { model: string } = ChatRequest, E extends { type: string } = ChatEvent> {
  /** Human label for messages, e.g. `main/gpt-4o-mini`. */
  label: string;
  /** Provider id (metric label, deployment of its breakers). */
  provider: string;
  /** The provider's adapter (its chat adapter, or its embeddings adapter for an embeddings route). */
  adapter: RoutableModel<R, E>;
  /**
   * The provider's own model id for this target (e.g. `gpt-4o-mini`); replaces `request.model` for
   * this target's calls, since one request travels down every target of the chain. When absent the
   * request's model is passed through unchanged.
   */
  model?: string;
  keys: PoolKey[];
  resilience: ResilienceSettings;
  /** Optional pool (keys and deployment breakers) shared per provider; when absent one is built from `keys` for this target. */
  keyPool?: KeyPool;
}

/** Input of buildRoute. */
export interface BuildRouteInput<R extends { model: string } = ChatRequest, E extends { type: string } = ChatEvent> {
  modelName: string;
  targets: RouteTargetInput<R, E>[];
  /** Clock for key pools (cooldowns, deployment breakers) and attempt durations; defaults to Date.now. */
  clock?: () => number;
  /** Injectable sleep and randomness for withRetry (tests). */
  retryDeps?: RetryDeps;
}

/**
 * Builds the model for one alias. Per target, from the outside in:
 *
 *   withRetry                  each retry re-enters everything below: next key, fresh breaker check, fresh timers
 *   └ withKeyPool              picks a deployment per attempt: a usable key whose breaker for this model
 *                              admits the call (one breaker per provider, model and key); a refused key is
 *                              swapped within the attempt; every deployment open is `circuit_open`, which
 *                              is not retried, so the fallback chain moves on without spending retries
 *     └ withAttemptReport      observer.attemptStart/End per upstream call, knowing the key and attempt
 *       └ withTimeouts         first-byte / idle / total deadlines for exactly one upstream call
 *         └ adapter
 *
 * with the target's upstream model id set on the request above it all, and `withFallback` over the
 * targets outermost, so a target is abandoned only after its retries.
 * Returns the model and the key pools (for `pool.health()` metrics). Embeddings routes are built by
 * the same function over the providers' embeddings adapters (one `finish` event per call).
 */
export function buildRoute<R extends { model: string } = ChatRequest, E extends { type: string } = ChatEvent>(input: BuildRouteInput<R, E>): { model: RoutableModel<R, E>; pools: KeyPool[] } {
  const pools: KeyPool[] = [];
  const targets: FusedTarget<R, E>[] = input.targets.map((target) => {
    const pool =
      target.keyPool ??
      new KeyPool({ provider: target.provider, keys: target.keys, breaker: target.resilience.breaker, clock: input.clock });
    if (!pools.includes(pool)) pools.push(pool);
    return {
      label: target.label,
      adapter: target.adapter,
      model: target.model,
      pool,
      resilience: target.resilience,
    };
  });
  // One generator for the whole stack (see fused-route.ts); behaviour identical to composeRoute below.
  return { model: fusedRoute<R, E>(targets, input.modelName, { clock: input.clock, retryDeps: input.retryDeps }), pools };
}

/**
 * The same route composed from the individual wrappers (the reference behaviour of buildRoute, one
 * generator per wrapper). Used by tests to check that the fused route behaves identically.
 */
export function composeRoute(input: BuildRouteInput): { model: ChatModel; pools: KeyPool[] } {
  const pools: KeyPool[] = [];
  const targets = input.targets.map((target) => {
    const pool =
      target.keyPool ??
      new KeyPool({ provider: target.provider, keys: target.keys, breaker: target.resilience.breaker, clock: input.clock });
    if (!pools.includes(pool)) pools.push(pool);
    const timed = withTimeouts(target.resilience.timeouts)(target.adapter);
    const reported = withAttemptReport(input.clock)(timed);
    const keyed = withKeyPool(pool, target.resilience.breaker)(reported);
    const retried = withRetry(target.resilience.retry, input.retryDeps)(keyed);
    return { model: target.model === undefined ? retried : withUpstreamModel(target.model, retried), label: target.label };
  });
  return { model: withFallback(targets, input.modelName), pools };
}

/** Sets the target's upstream model id on every request (one object per call, not per event). */
function withUpstreamModel(model: string, inner: ChatModel): ChatModel {
  return {
    provider: inner.provider,
    stream: (request, options) => inner.stream(request.model === model ? request : { ...request, model }, options),
  };
}
