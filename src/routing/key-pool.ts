// Key pool: round-robin over a provider's API keys, dropping refused keys and cooling rate-limited ones.

import { ParleyError, isParleyError } from '../domain/index.js';
import type { BreakerSettings, CallOptions, ChatEvent, ChatRequest } from '../domain/index.js';
import type { ChatModel, ModelWrapper } from '../providers/types.js';
import { CircuitBreaker, isUpstreamFault } from './circuit-breaker.js';
import type { BreakerPermit, BreakerState } from './circuit-breaker.js';

/** One API key. `secret` is read per attempt, so it must be cheap (cached); rotation needs no restart. */
export interface PoolKey {
  /** Stable, non-secret id for logs and metrics, e.g. `main#0`. */
  id: string;
  secret: () => string;
}

/** Health of one key, for metrics and /readyz. `open` covers an open or half-open key breaker. */
export interface KeyHealth {
  id: string;
  state: 'healthy' | 'cooling' | 'disabled' | 'open';
}

/** Construction options of a KeyPool. */
export interface KeyPoolOptions {
  provider: string;
  keys: PoolKey[];
  /** Settings of the breaker each key gets. */
  breaker: BreakerSettings;
  clock?: () => number;
  /** Cooldown after a 429 without `retry-after` (default 1000 ms). */
  defaultCooldownMs?: number;
  /** Called when a key's own breaker changes state (for metrics). */
  onKeyBreakerChange?: (keyId: string, state: BreakerState) => void;
}

interface KeySlot {
  key: PoolKey;
  breaker: CircuitBreaker;
  /** Set when the provider refused the key: the secret it refused (re-enabled if the secret rotates). */
  refusedSecret?: string;
  coolingUntil: number;
}

/** A key chosen for one attempt. */
export interface KeyLease {
  readonly id: string;
  readonly secret: string;
  readonly permit: BreakerPermit;
  /** Position of the key in the pool. */
  readonly index: number;
}

/**
 * The API keys of one provider. Keys are used round-robin among the healthy ones; a key the provider
 * refuses (401/403) leaves the rotation until its secret changes; a 429 cools it down; each key has
 * its own circuit breaker. Share one pool per provider across every route that uses it.
 */
export class KeyPool {
  readonly provider: string;
  private readonly slots: KeySlot[];
  private readonly clock: () => number;
  private readonly defaultCooldownMs: number;
  private cursor = 0;

  constructor(options: KeyPoolOptions) {
    this.provider = options.provider;
    this.clock = options.clock ?? Date.now;
    this.defaultCooldownMs = options.defaultCooldownMs ?? 1_000;
    this.slots = options.keys.map((key) => ({
      key,
      breaker: new CircuitBreaker(options.breaker, {
        clock: this.clock,
        onStateChange: (state) => options.onKeyBreakerChange?.(key.id, state),
      }),
      coolingUntil: 0,
    }));
  }

  /** Number of keys (0 for keyless providers). */
  get size(): number {
    return this.slots.length;
  }

  /**
   * Picks the next usable key round-robin, or throws: `no_healthy_key` when every key was refused,
   * `upstream_rate_limited` (retryAfterMs = shortest remaining cooldown) when every usable key is
   * cooling, otherwise `circuit_open` with the shortest wait.
   */
  acquire(): KeyLease {
    const now = this.clock();
    const n = this.slots.length;
    let enabled = 0;
    let allCooling = true;
    let shortestWait = Number.POSITIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      const index = (this.cursor + i) % n;
      const slot = this.slots[index];
      if (slot.refusedSecret !== undefined) {
        if (slot.key.secret() === slot.refusedSecret) continue;
        slot.refusedSecret = undefined; // rotated: give the new secret a chance
      }
      enabled++;
      if (slot.coolingUntil > now) {
        shortestWait = Math.min(shortestWait, slot.coolingUntil - now);
        continue;
      }
      allCooling = false;
      const secret = slot.key.secret(); // read before acquiring, so a failing getter leaks no permit
      const permit = slot.breaker.tryAcquire();
      if (permit === undefined) {
        shortestWait = Math.min(shortestWait, slot.breaker.retryAfterMs());
        continue;
      }
      this.cursor = (index + 1) % n;
      return { id: slot.key.id, secret, permit, index };
    }
    if (enabled === 0) {
      throw new ParleyError('no_healthy_key', `Every API key of provider ${this.provider} was refused (401/403); check the keys`);
    }
    const retryAfterMs = Math.max(0, Math.ceil(shortestWait));
    if (allCooling) {
      throw new ParleyError('upstream_rate_limited', `Every API key of provider ${this.provider} is rate limited; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
        retryAfterMs,
        upstreamStatus: 429,
      });
    }
    throw new ParleyError('circuit_open', `Every usable API key of provider ${this.provider} has an open circuit; retry in ${Math.ceil(retryAfterMs / 1000)} s`, {
      retryAfterMs,
    });
  }

  /**
   * Records the outcome of a leased attempt (`error` undefined for success): upstream_auth disables the
   * key (observer.keyDisabled), upstream_rate_limited cools it (observer.keyCooldown), upstream faults
   * count against the key's breaker.
   */
  settle(lease: KeyLease, error: unknown, options: CallOptions): void {
    const slot = this.slots[lease.index];
    if (error === undefined) {
      slot.breaker.success(lease.permit);
      return;
    }
    if (isParleyError(error) && error.code === 'upstream_auth') {
      slot.breaker.release(lease.permit);
      slot.refusedSecret = lease.secret;
      options.observer?.keyDisabled?.(this.provider, lease.id, error.upstreamStatus ?? 401);
      return;
    }
    if (isParleyError(error) && error.code === 'upstream_rate_limited') {
      slot.breaker.release(lease.permit);
      const ms = error.retryAfterMs ?? this.defaultCooldownMs;
      slot.coolingUntil = Math.max(slot.coolingUntil, this.clock() + ms);
      options.observer?.keyCooldown?.(this.provider, lease.id, ms);
      return;
    }
    if (isUpstreamFault(error)) slot.breaker.failure(lease.permit);
    else slot.breaker.release(lease.permit);
  }

  /** Milliseconds until some key can be used (0 if one can now; Infinity if every key was refused). */
  nextReadyInMs(): number {
    const now = this.clock();
    let wait = Number.POSITIVE_INFINITY;
    for (const slot of this.slots) {
      if (slot.refusedSecret !== undefined) continue;
      wait = Math.min(wait, Math.max(slot.coolingUntil - now, slot.breaker.retryAfterMs(), 0));
    }
    return wait;
  }

  /**
   * A key's 429 as the pool passes it on: retry should wait for the next ready key, not for the refused
   * key's own window (another key may be usable at once).
   */
  rateLimitedError(error: ParleyError): ParleyError {
    const wait = this.nextReadyInMs();
    const retryAfterMs = wait > 0 && Number.isFinite(wait) ? Math.ceil(wait) : undefined;
    if (retryAfterMs === error.retryAfterMs) return error;
    return new ParleyError('upstream_rate_limited', error.message, { upstreamStatus: error.upstreamStatus, retryAfterMs, cause: error });
  }

  /** Per-key health for metrics. */
  health(): KeyHealth[] {
    const now = this.clock();
    return this.slots.map(({ key, breaker, refusedSecret, coolingUntil }) => ({
      id: key.id,
      state:
        refusedSecret !== undefined
          ? 'disabled'
          : coolingUntil > now
            ? 'cooling'
            : breaker.state !== 'closed'
              ? 'open'
              : 'healthy',
    }));
  }
}

/**
 * Runs each call with a key from `pool` (as `options.credential`). A refused key (upstream_auth) is
 * disabled and the SAME call goes on with the next key, as long as nothing was yielded yet. A
 * rate-limited key (429) is cooled down for `retryAfterMs` (default 1 s) and the error rethrown so
 * retry can pick another key; the rethrown error's `retryAfterMs` is the wait until the next key is
 * ready (none when another key is usable right away), not the cooled key's own window. A pool without keys passes
 * calls through with no credential.
 */
export function withKeyPool(pool: KeyPool): ModelWrapper {
  return (inner) => ({
    provider: inner.provider,
    stream: (request, options) => (pool.size === 0 ? inner.stream(request, options) : pooledStream(inner, request, options, pool)),
  });
}

async function* pooledStream(
  inner: ChatModel,
  request: ChatRequest,
  options: CallOptions,
  pool: KeyPool,
): AsyncGenerator<ChatEvent, void, undefined> {
  for (;;) {
    const lease = pool.acquire();
    let yielded = false;
    let settled = false;
    try {
      for await (const event of inner.stream(request, { ...options, credential: { id: lease.id, secret: lease.secret } })) {
        if (event.type === 'finish') {
          settled = true;
          pool.settle(lease, undefined, options);
        }
        yielded = true;
        yield event;
      }
      return;
    } catch (error) {
      if (!settled) pool.settle(lease, error, options);
      settled = true;
      if (!isParleyError(error) || yielded || options.signal.aborted) throw error;
      if (error.code === 'upstream_auth') continue;
      throw error.code === 'upstream_rate_limited' ? pool.rateLimitedError(error) : error;
    } finally {
      if (!settled) pool.settle(lease, new ParleyError('client_closed', 'The consumer stopped reading the stream'), options);
    }
  }
}
