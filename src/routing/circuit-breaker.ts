// Circuit breaker: closed -> open after repeated upstream faults -> half-open probes -> closed again.

import { isParleyError } from '../domain/index.js';
import type { BreakerSettings, ErrorCode } from '../domain/index.js';

/** The three breaker states. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** A pass through the breaker; hand it back with `success`, `failure` or `release`. */
export interface BreakerPermit {
  readonly probe: boolean;
  readonly generation: number;
}

/** Construction options of a CircuitBreaker. */
export interface CircuitBreakerOptions {
  /** Milliseconds since some epoch; defaults to Date.now. */
  clock?: () => number;
  /** Called on every transition (open -> half-open is noticed lazily, on the next look at the state). */
  onStateChange?: (state: BreakerState, previous: BreakerState) => void;
}

/** How long a refused caller is told to wait while every half-open probe slot is taken. */
const PROBES_BUSY_RETRY_MS = 1_000;

/**
 * A rolling-window circuit breaker. Closed: `failureThreshold` failures within `windowMs` open it.
 * Open: refuses for `cooldownMs`. Half-open: lets at most `halfOpenProbes` concurrent trial calls
 * through; the first that succeeds closes it, one that fails re-opens it. Outcomes of calls admitted before
 * the latest transition are ignored, so a slow old call cannot flip a newer state.
 */
export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private generationCounter = 0;
  private failures: number[] = [];
  private openedAt = 0;
  private probesInFlight = 0;
  private readonly clock: () => number;
  private readonly onStateChange?: (state: BreakerState, previous: BreakerState) => void;

  constructor(
    readonly settings: BreakerSettings,
    options: CircuitBreakerOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.onStateChange = options.onStateChange;
  }

  /** The current state (an expired open circuit reads as half-open). */
  get state(): BreakerState {
    if (this.current === 'open' && this.clock() - this.openedAt >= this.settings.cooldownMs) {
      this.transition('half-open');
    }
    return this.current;
  }

  /** Number of transitions so far (does not itself advance an expired open circuit). */
  get transitions(): number {
    return this.generationCounter;
  }

  /** Milliseconds until a refused caller may try again (0 when calls are admitted). */
  retryAfterMs(): number {
    const state = this.state;
    if (state === 'open') return Math.max(0, this.openedAt + this.settings.cooldownMs - this.clock());
    if (state === 'half-open' && this.probesInFlight >= this.settings.halfOpenProbes) {
      return Math.min(PROBES_BUSY_RETRY_MS, this.settings.cooldownMs);
    }
    return 0;
  }

  /** Admits a call (returns its permit) or refuses it (returns undefined). */
  tryAcquire(): BreakerPermit | undefined {
    const state = this.state;
    if (state === 'closed') return { probe: false, generation: this.generationCounter };
    if (state === 'open' || this.probesInFlight >= this.settings.halfOpenProbes) return undefined;
    this.probesInFlight++;
    return { probe: true, generation: this.generationCounter };
  }

  /** The admitted call succeeded. */
  success(permit: BreakerPermit): void {
    if (!this.settle(permit)) return;
    if (this.current === 'half-open') this.transition('closed');
  }

  /** The admitted call failed with an upstream fault. */
  failure(permit: BreakerPermit): void {
    if (!this.settle(permit)) return;
    if (this.current === 'half-open') {
      this.transition('open');
      return;
    }
    const now = this.clock();
    const since = now - this.settings.windowMs;
    this.failures = this.failures.filter((at) => at > since);
    this.failures.push(now);
    if (this.failures.length >= this.settings.failureThreshold) this.transition('open');
  }

  /** The admitted call ended without a verdict (client gone, not an upstream fault). */
  release(permit: BreakerPermit): void {
    this.settle(permit);
  }

  /** Frees a probe slot; true if the outcome belongs to the current state. */
  private settle(permit: BreakerPermit): boolean {
    if (permit.generation !== this.generationCounter) return false;
    if (permit.probe) this.probesInFlight = Math.max(0, this.probesInFlight - 1);
    return this.current !== 'open';
  }

  private transition(next: BreakerState): void {
    const previous = this.current;
    if (previous === next) return;
    this.current = next;
    this.generationCounter++;
    this.probesInFlight = 0;
    if (next === 'open') this.openedAt = this.clock();
    if (next === 'closed') this.failures = [];
    this.onStateChange?.(next, previous);
  }
}

/** The failures that say something about a deployment's health: connection errors, timeouts and 5xx. */
const DEPLOYMENT_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'upstream_network',
  'upstream_timeout',
  'upstream_server_error',
  'upstream_overloaded',
  'upstream_stream_error',
]);

/**
 * Is `error` a fault of the deployment that a breaker should count? Connection errors, timeouts,
 * 5xx and broken streams count. A 429 does not (the key pool cools the key), nor do 400, 404, 409,
 * auth refusals, a client's abort or Parley's own routing errors: they say nothing about its health.
 */
export function isUpstreamFault(error: unknown): boolean {
  return isParleyError(error) && DEPLOYMENT_FAULTS.has(error.code);
}
