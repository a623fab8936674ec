// Route builder: the key pools and the route engine for every target of one Parley model alias.

import type { ChatEvent, ChatRequest, ResilienceSettings } from '../domain/index.js';
import type { RoutableModel } from '../domain/index.js';
import { createRouteEngine } from './route-engine.js';
import type { RouteTarget } from './route-engine.js';
import { KeyPool } from './key-pool.js';
import type { PoolKey } from './key-pool.js';
import type { RetryDeps } from './retry.js';

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
  /**
   * Optional pool (keys and deployment breakers) shared per provider; when absent one is built from `keys` for this
   * target.
   */
  keyPool?: KeyPool;
}

/** Input of buildRoute. */
export interface BuildRouteInput<R extends { model: string } = ChatRequest, E extends { type: string } = ChatEvent> {
  modelName: string;
  targets: RouteTargetInput<R, E>[];
  /** Clock for key pools (cooldowns, deployment breakers) and attempt durations; defaults to Date.now. */
  clock?: () => number;
  /** Injectable sleep and randomness for retries (tests). */
  retryDeps?: RetryDeps;
}

/**
 * Builds the model for one alias: a key pool per target (or the provider's shared one) and the route
 * engine (route-engine.ts) over the targets. Per request the engine runs, from the outside in:
 *
 *   fallback                   targets in order (fallback.ts); a target is abandoned only after its
 *                              retries; not after content, a bad request or a client abort; when every
 *                              target failed, one summary error with the last one's code and status
 *   └ retry                    retryable failures before content (retry.ts); each retry re-enters
 *                              everything below: next key, fresh breaker check, fresh timers
 *     └ key pool               picks a deployment per attempt (key-pool.ts): a usable key whose breaker
 *                              for this model admits the call (one breaker per provider, model and key);
 *                              a refused key is swapped within the attempt; every deployment open is
 *                              `circuit_open`, which is not retried, so the fallback chain moves on
 *                              without spending retries
 *       └ attempt report       observer.attemptStart/End per upstream call, knowing the key and attempt
 *                              (attempt-report.ts)
 *         └ timeouts           first-byte / idle / total deadlines for exactly one upstream call
 *                              (TimedCall, timed-call.ts)
 *           └ adapter
 *
 * with the target's upstream model id set on the request above it all. Returns the model and the key
 * pools (for `pool.health()` metrics). Embeddings routes are built by the same function over the
 * providers' embeddings adapters (one `finish` event per call).
 */
export function buildRoute<R extends { model: string } = ChatRequest, E extends { type: string } = ChatEvent>(
  input: BuildRouteInput<R, E>,
): { model: RoutableModel<R, E>; pools: KeyPool[] } {
  const pools: KeyPool[] = [];
  const targets: RouteTarget<R, E>[] = input.targets.map((target) => {
    const pool =
      target.keyPool ??
      new KeyPool({
        provider: target.provider,
        keys: target.keys,
        breaker: target.resilience.breaker,
        clock: input.clock,
      });
    if (!pools.includes(pool)) pools.push(pool);
    return {
      label: target.label,
      adapter: target.adapter,
      model: target.model,
      pool,
      resilience: target.resilience,
    };
  });
  return {
    model: createRouteEngine<R, E>(targets, input.modelName, { clock: input.clock, retryDeps: input.retryDeps }),
    pools,
  };
}
