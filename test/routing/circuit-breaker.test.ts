import { describe, expect, it } from 'vitest';
import type { BreakerSettings } from '../../src/domain/index.js';
import { CircuitBreaker, isUpstreamFault } from '../../src/routing/circuit-breaker.js';
import type { BreakerState } from '../../src/routing/circuit-breaker.js';
import { manualClock, perr } from './fake-model.js';

const B: BreakerSettings = { failureThreshold: 3, windowMs: 10_000, cooldownMs: 5_000, halfOpenProbes: 2 };

function setup(settings = B): {
  breaker: CircuitBreaker;
  clock: ReturnType<typeof manualClock>;
  changes: BreakerState[];
} {
  const clock = manualClock();
  const changes: BreakerState[] = [];
  const breaker = new CircuitBreaker(settings, { clock: clock.now, onStateChange: (s) => changes.push(s) });
  return { breaker, clock, changes };
}

function fail(breaker: CircuitBreaker): void {
  const permit = breaker.tryAcquire();
  if (permit === undefined) throw new Error('refused');
  breaker.failure(permit);
}

describe('CircuitBreaker', () => {
  it('opens after failureThreshold failures within the rolling window only', () => {
    const { breaker, clock } = setup();
    fail(breaker);
    fail(breaker);
    clock.advance(10_001); // the first two fall out of the window
    fail(breaker);
    fail(breaker);
    expect(breaker.state).toBe('closed');
    fail(breaker);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBeUndefined();
  });

  it('refuses for cooldownMs, then half-opens with a bounded number of probes, and the first success closes it', () => {
    const { breaker, clock, changes } = setup();
    for (let i = 0; i < 3; i++) fail(breaker);
    clock.advance(4_999);
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(1);
    clock.advance(1);
    expect(breaker.state).toBe('half-open');
    const p1 = breaker.tryAcquire();
    const p2 = breaker.tryAcquire();
    expect(p1?.probe).toBe(true);
    expect(p2?.probe).toBe(true);
    expect(breaker.tryAcquire()).toBeUndefined(); // only two concurrent probes
    breaker.success(p1!);
    expect(breaker.state).toBe('closed');
    breaker.success(p2!); // the other probe's outcome belongs to the half-open era: ignored
    expect(breaker.state).toBe('closed');
    expect(changes).toEqual(['open', 'half-open', 'closed']);
  });

  it('re-opens when a probe fails, for a fresh cooldown', () => {
    const { breaker, clock, changes } = setup();
    for (let i = 0; i < 3; i++) fail(breaker);
    clock.advance(5_000);
    fail(breaker);
    expect(breaker.state).toBe('open');
    expect(breaker.retryAfterMs()).toBe(5_000);
    expect(changes).toEqual(['open', 'half-open', 'open']);
  });

  it('ignores outcomes of calls admitted before the last transition', () => {
    const { breaker, clock } = setup({ ...B, halfOpenProbes: 1 });
    const old = breaker.tryAcquire()!;
    for (let i = 0; i < 3; i++) fail(breaker);
    clock.advance(5_000);
    expect(breaker.state).toBe('half-open');
    breaker.success(old); // a slow call from the closed era must not close the circuit
    expect(breaker.state).toBe('half-open');
    breaker.failure(old);
    expect(breaker.state).toBe('half-open');
  });

  it('a released probe frees its slot without a verdict', () => {
    const { breaker, clock } = setup({ ...B, halfOpenProbes: 1 });
    for (let i = 0; i < 3; i++) fail(breaker);
    clock.advance(5_000);
    const probe = breaker.tryAcquire()!;
    expect(breaker.tryAcquire()).toBeUndefined();
    breaker.release(probe);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBeDefined();
  });
});

describe('isUpstreamFault', () => {
  it('counts connection errors, timeouts, 5xx and broken streams only: not 400, 404, 409, 429, auth or aborts', () => {
    for (const code of [
      'upstream_server_error',
      'upstream_timeout',
      'upstream_network',
      'upstream_overloaded',
      'upstream_stream_error',
    ] as const) {
      expect(isUpstreamFault(perr(code))).toBe(true);
    }
    for (const code of [
      'upstream_auth',
      'upstream_rate_limited',
      'upstream_bad_request',
      'upstream_not_found',
      'upstream_conflict',
      'upstream_protocol',
      'client_closed',
      'circuit_open',
      'no_healthy_key',
    ] as const) {
      expect(isUpstreamFault(perr(code))).toBe(false);
    }
    expect(isUpstreamFault(new Error('bug'))).toBe(false);
  });
});
