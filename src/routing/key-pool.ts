// Key pool: round-robin over a provider's API keys, dropping refused keys, cooling rate-limited ones, one breaker per
// deployment.

import { ParleyError, isParleyError } from '../domain/index.js';
import type { BreakerSettings, CallOptions, Deployment } from '../domain/index.js';
import { CircuitBreaker, isUpstreamFault } from './circuit-breaker.js';
import type { BreakerPermit, BreakerState } from './circuit-breaker.js';

/** One API key. `secret` is read per attempt, so it must be cheap (cached); rotation needs no restart. */
export interface PoolKey {
  /** Stable, non-secret id for logs and metrics, e.g. `main#0`. */
  id: string;
  secret: () => string;
}

/** Health of one key, for metrics and /readyz. */
export interface KeyHealth {
  id: string;
  state: 'healthy' | 'cooling' | 'disabled';
}

/** Construction options of a KeyPool. */
export interface KeyPoolOptions {
  provider: string;
  /** The provider's keys; none for a keyless provider (its deployments are then one per model). */
  keys: PoolKey[];
  /** Settings of the breaker each deployment (model and key) gets. */
  breaker: BreakerSettings;
  clock?: () => number;
  /** Cooldown after a 429 without `retry-after` (default 1000 ms). */
  defaultCooldownMs?: number;
  /** Called on every transition of a deployment's breaker (for metrics). */
  onBreakerChange?: (deployment: Deployment, state: BreakerState) => void;
}

interface KeySlot {
  /** Undefined for the one slot of a keyless provider. */
  key?: PoolKey;
  /** One breaker per upstream model used with this key, made on first use. */
  breakers: Map<string, CircuitBreaker>;
  /** Set when the provider refused the key: the secret it refused (re-enabled if the secret rotates). */
  refusedSecret?: string;
  /** Until when the key rests after a 429, per upstream model (providers rate-limit each model of a key apart). */
  coolingUntil: Map<string, number>;
}

/** A deployment (model and key) chosen for one attempt. */
export interface KeyLease {
  /** The key's id; undefined for a keyless provider. */
  readonly id?: string;
  /** The key's secret; undefined for a keyless provider. */
  readonly secret?: string;
  readonly deployment: Deployment;
  readonly breaker: CircuitBreaker;
  readonly permit: BreakerPermit;
  /** Position of the key in the pool. */
  readonly index: number;
}

/**
 * The API keys of one provider and the breakers of its deployments. Keys are used round-robin among
 * the healthy ones; a key the provider refuses (401/403) leaves the rotation until its secret changes;
 * a 429 cools it down for the model that was refused (providers limit each model of a key apart). Every deployment
 * (upstream model and key) has its own circuit breaker, so one
 * failing model never refuses another model on the same key. Share one pool per provider.
 */
export class KeyPool {
  readonly provider: string;
  private readonly slots: KeySlot[];
  private readonly clock: () => number;
  private readonly defaultCooldownMs: number;
  private readonly settings: BreakerSettings;
  private readonly onBreakerChange?: (deployment: Deployment, state: BreakerState) => void;
  private cursor = 0;

  constructor(options: KeyPoolOptions) {
    this.provider = options.provider;
    this.clock = options.clock ?? Date.now;
    this.defaultCooldownMs = options.defaultCooldownMs ?? 1_000;
    this.settings = options.breaker;
    this.onBreakerChange = options.onBreakerChange;
    const keys: (PoolKey | undefined)[] = options.keys.length > 0 ? options.keys : [undefined];
    this.slots = keys.map((key) => ({ key, breakers: new Map(), coolingUntil: new Map() }));
  }

  /** Number of keys (0 for keyless providers). */
  get size(): number {
    return this.slots[0].key === undefined ? 0 : this.slots.length;
  }

  /**
   * The breaker of one deployment, made closed on first use with `settings` (a target's overrides;
   * default the pool's).
   */
  breaker(model: string, keyIndex = 0, settings = this.settings): CircuitBreaker {
    const slot = this.slots[keyIndex];
    let breaker = slot.breakers.get(model);
    if (breaker === undefined) {
      const deployment: Deployment = { provider: this.provider, model, ...(slot.key ? { keyId: slot.key.id } : {}) };
      const notify = this.onBreakerChange;
      breaker = new CircuitBreaker(settings, {
        clock: this.clock,
        onStateChange: notify === undefined ? undefined : (state) => notify(deployment, state),
      });
      slot.breakers.set(model, breaker);
    }
    return breaker;
  }

  /** Every deployment of `model` on this provider (one per key), for metrics at start-up. */
  deployments(model: string): Deployment[] {
    return this.slots.map(({ key }) => ({ provider: this.provider, model, ...(key ? { keyId: key.id } : {}) }));
  }

  /**
   * Picks the next usable key for `model` round-robin, or throws: `no_healthy_key` when every key was
   * refused, `upstream_rate_limited` (retryAfterMs = shortest remaining cooldown) when every usable key
   * is cooling, otherwise `circuit_open` with the shortest wait (every deployment of the model is open).
   * Breaker transitions that the look causes (open to half-open) are told to `options.observer`;
   * `settings` are the target's breaker settings (default the pool's).
   */
  acquire(model: string, options?: CallOptions, settings = this.settings): KeyLease {
    const now = this.clock();
    const n = this.slots.length;
    let enabled = 0;
    let allCooling = true;
    let shortestWait = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      const slot = this.slots[index];
      if (slot.refusedSecret !== undefined) {
        if (slot.key?.secret() === slot.refusedSecret) continue;
        slot.refusedSecret = undefined; // rotated: give the new secret a chance
      }
      enabled++;
      const coolingUntil = slot.coolingUntil.get(model) ?? 0;
      if (coolingUntil > now) {
        shortestWait = Math.min(shortestWait, coolingUntil - now);
        continue;
      }
      allCooling = false;
      const secret = slot.key?.secret(); // read before acquiring, so a failing getter leaks no permit
      const breaker = this.breaker(model, index, settings);
      const before = breaker.transitions;
      const permit = breaker.tryAcquire();
      const deployment: Deployment = { provider: this.provider, model, ...(slot.key ? { keyId: slot.key.id } : {}) };
      if (breaker.transitions !== before) options?.observer?.breakerChange?.(deployment, breaker.state);
      if (permit === undefined) {
        shortestWait = Math.min(shortestWait, breaker.retryAfterMs());
        continue;
      }
      this.cursor = (index + 1) % n;
      return { id: slot.key?.id, secret, deployment, breaker, permit, index };
    }
    if (enabled === 0) {
      throw new ParleyError(
        'no_healthy_key',
        `Every API key of provider ${this.provider} was refused (401/403); check the keys`,
      );
    }
    const retryAfterMs = Math.max(0, Math.ceil(shortestWait));
    if (allCooling) {
      throw new ParleyError(
        'upstream_rate_limited',
        `Every API key of provider ${this.provider} is rate limited; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
        {
          retryAfterMs,
          upstreamStatus: 429,
        },
      );
    }
    const which = this.size === 0 ? `${this.provider}/${model}` : `every usable API key of ${this.provider}/${model}`;
    throw new ParleyError(
      'circuit_open',
      `The circuit of ${which} is open; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
      { retryAfterMs },
    );
  }

  /**
   * Records the outcome of a leased attempt (`error` undefined for success): upstream_auth disables the
   * key (observer.keyDisabled), upstream_rate_limited cools it (observer.keyCooldown), deployment faults
   * (see isUpstreamFault) count against the deployment's breaker; anything else releases the permit.
   * Breaker transitions are told to `options.observer.breakerChange`.
   */
  settle(lease: KeyLease, error: unknown, options: CallOptions): void {
    const slot = this.slots[lease.index];
    const { breaker, permit } = lease;
    const before = breaker.transitions;
    if (error === undefined) breaker.success(permit);
    else if (
      isParleyError(error) &&
      error.code === 'upstream_auth' &&
      lease.secret !== undefined &&
      lease.id !== undefined
    ) {
      breaker.release(permit);
      slot.refusedSecret = lease.secret;
      options.observer?.keyDisabled?.(this.provider, lease.id, error.upstreamStatus ?? 401);
    } else if (isParleyError(error) && error.code === 'upstream_rate_limited' && lease.id !== undefined) {
      breaker.release(permit);
      const ms = error.retryAfterMs ?? this.defaultCooldownMs;
      const model = lease.deployment.model;
      slot.coolingUntil.set(model, Math.max(slot.coolingUntil.get(model) ?? 0, this.clock() + ms));
      options.observer?.keyCooldown?.(this.provider, lease.id, ms);
    } else if (isUpstreamFault(error)) breaker.failure(permit);
    else breaker.release(permit);
    if (breaker.transitions !== before) options.observer?.breakerChange?.(lease.deployment, breaker.state);
  }

  /** Milliseconds until some key can be used for `model` (0 if one can now; Infinity if every key was refused). */
  nextReadyInMs(model: string): number {
    const now = this.clock();
    let wait = Number.POSITIVE_INFINITY;
    for (let index = 0; index < this.slots.length; index++) {
      const slot = this.slots[index];
      if (slot.refusedSecret !== undefined) continue;
      wait = Math.min(
        wait,
        Math.max((slot.coolingUntil.get(model) ?? 0) - now, this.breaker(model, index).retryAfterMs(), 0),
      );
    }
    return wait;
  }

  /**
   * A key's 429 as the pool passes it on: retry should wait for the next ready key, not for the refused
   * key's own window (another key may be usable at once).
   */
  rateLimitedError(error: ParleyError, model: string): ParleyError {
    const wait = this.nextReadyInMs(model);
    const retryAfterMs = wait > 0 && Number.isFinite(wait) ? Math.ceil(wait) : undefined;
    if (retryAfterMs === error.retryAfterMs) return error;
    return new ParleyError('upstream_rate_limited', error.message, {
      upstreamStatus: error.upstreamStatus,
      retryAfterMs,
      cause: error,
    });
  }

  /** Per-key health for metrics (deployment breakers are reported on their own). */
  health(): KeyHealth[] {
    const now = this.clock();
    const cooling = (until: Map<string, number>): boolean => [...until.values()].some((t) => t > now);
    return this.slots.flatMap(({ key, refusedSecret, coolingUntil }) =>
      key === undefined
        ? []
        : [
            {
              id: key.id,
              state: refusedSecret !== undefined ? 'disabled' : cooling(coolingUntil) ? 'cooling' : 'healthy',
            },
          ],
    );
  }
}

/** What the engine does after a leased attempt failed (see afterKeyFailure). */
export type KeyFailureStep = 'swap-key' | 'pass-on-rate-limit' | 'rethrow';

/**
 * The key pool's decision after a leased attempt failed with `error` (the pool has settled the lease
 * already). A refused key (upstream_auth) is swapped: the SAME attempt goes on with the next key, as
 * long as nothing was yielded and the call was not aborted. A rate-limited key (429) has been cooled
 * down; its error is passed on as `pool.rateLimitedError(error, model)`, whose `retryAfterMs` is the wait
 * until the next key is ready (none when another key is usable at once), so retry can pick another key
 * without waiting for the cooled key's own window. Anything else, and any failure of a keyless
 * provider, is rethrown as-is (every deployment open is `circuit_open` from `acquire`, never retried).
 */
export function afterKeyFailure(error: unknown, lease: KeyLease, yielded: boolean, aborted: boolean): KeyFailureStep {
  if (!isParleyError(error) || yielded || aborted || lease.id === undefined) return 'rethrow';
  if (error.code === 'upstream_auth') return 'swap-key';
  return error.code === 'upstream_rate_limited' ? 'pass-on-rate-limit' : 'rethrow';
}
