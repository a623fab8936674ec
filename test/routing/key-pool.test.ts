// Key pool: its decision after a failed attempt (afterKeyFailure), and the route engine leasing deployments from a
// KeyPool through buildRoute (one target, no retries, so one stream is one attempt).

import { describe, expect, it } from 'vitest';
import type { BreakerSettings } from '../../src/domain/index.js';
import type { ChatModel } from '../../src/domain/index.js';
import { KeyPool, afterKeyFailure } from '../../src/routing/key-pool.js';
import type { PoolKey } from '../../src/routing/key-pool.js';
import {
  FakeModel,
  collect,
  fails,
  manualClock,
  ok,
  opts,
  perr,
  quietResilience,
  recordingObserver,
  req,
  routeOver,
  textOf,
  withoutAttempts,
} from './fake-model.js';

const B: BreakerSettings = { failureThreshold: 2, windowMs: 10_000, cooldownMs: 5_000, halfOpenProbes: 1 };

function keys(...ids: string[]): PoolKey[] {
  return ids.map((id) => ({ id, secret: () => `sk-${id}` }));
}

function pool(ids: string[], clock = manualClock()): KeyPool {
  return new KeyPool({ provider: 'openai', keys: keys(...ids), breaker: B, clock: clock.now });
}

/** The route over one target that leases from `p` (breaker settings as the pool's), without retries or deadlines. */
function pooled(p: KeyPool, breaker: BreakerSettings = B) {
  return (adapter: ChatModel): ChatModel =>
    routeOver([{ adapter, keyPool: p, resilience: quietResilience({ breaker }) }]).model;
}

describe('afterKeyFailure (the decision)', () => {
  const keyed = pool(['A']).acquire('m');
  const keyless = pool([]).acquire('m');

  it('swaps a refused key within the attempt, and passes a 429 on for the pool to rewrite', () => {
    expect(afterKeyFailure(perr('upstream_auth'), keyed, false, false)).toBe('swap-key');
    expect(afterKeyFailure(perr('upstream_rate_limited'), keyed, false, false)).toBe('pass-on-rate-limit');
    expect(afterKeyFailure(perr('upstream_server_error'), keyed, false, false)).toBe('rethrow');
  });

  it('rethrows as-is once something was yielded, the call was aborted, the provider has no keys, or the error is not a ParleyError', () => {
    for (const code of ['upstream_auth', 'upstream_rate_limited'] as const) {
      expect(afterKeyFailure(perr(code), keyed, true, false)).toBe('rethrow');
      expect(afterKeyFailure(perr(code), keyed, false, true)).toBe('rethrow');
      expect(afterKeyFailure(perr(code), keyless, false, false)).toBe('rethrow');
    }
    expect(afterKeyFailure(new Error('bug'), keyed, false, false)).toBe('rethrow');
  });
});

describe('route engine: key pool', () => {
  it('rotates round-robin and hands the key to the inner call as options.credential', async () => {
    const fake = new FakeModel([ok('x')]);
    const model = pooled(pool(['A', 'B', 'C']))(fake);
    for (let i = 0; i < 4; i++) await collect(model.stream(req(), opts()));
    expect(fake.calls.map((c) => c.options.credential)).toEqual([
      { id: 'A', secret: 'sk-A' },
      { id: 'B', secret: 'sk-B' },
      { id: 'C', secret: 'sk-C' },
      { id: 'A', secret: 'sk-A' },
    ]);
  });

  it('401 on key A goes on with key B in the same call and drops A from rotation', async () => {
    const fake = new FakeModel((_, o) =>
      o.credential?.id === 'A' ? fails('upstream_auth', { upstreamStatus: 401 }) : ok('from B'),
    );
    const p = pool(['A', 'B']);
    const { observer, log } = recordingObserver();
    const model = pooled(p)(fake);
    const { events, error } = await collect(model.stream(req(), opts({ observer })));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('from B');
    expect(events.filter((e) => e.type === 'start')).toHaveLength(1);
    expect(fake.calls.map((c) => c.options.credential?.id)).toEqual(['A', 'B']);
    expect(withoutAttempts(log)).toEqual([['keyDisabled', 'openai', 'A', 401]]);
    await collect(model.stream(req(), opts()));
    await collect(model.stream(req(), opts()));
    expect(fake.calls.map((c) => c.options.credential?.id)).toEqual(['A', 'B', 'B', 'B']);
    expect(p.health()).toEqual([
      { id: 'A', state: 'disabled' },
      { id: 'B', state: 'healthy' },
    ]);
  });

  it('every key refused -> no_healthy_key', async () => {
    const fake = new FakeModel([fails('upstream_auth', { upstreamStatus: 403 })]);
    const { observer, log } = recordingObserver();
    const { error } = await collect(pooled(pool(['A', 'B']))(fake).stream(req(), opts({ observer })));
    expect(error?.code).toBe('no_healthy_key');
    expect(error?.message).toBe(
      'The only target for model "chat" failed: t1: Every API key of provider openai was refused ' +
        '(401/403); check the keys',
    );
    expect(withoutAttempts(log)).toEqual([
      ['keyDisabled', 'openai', 'A', 403],
      ['keyDisabled', 'openai', 'B', 403],
    ]);
    expect(fake.calls).toHaveLength(2);
  });

  it('a refused key comes back when its secret rotates', async () => {
    let secretA = 'old';
    const fake = new FakeModel((_, o) => (o.credential?.secret === 'old' ? fails('upstream_auth') : ok('x')));
    const p = new KeyPool({ provider: 'p', keys: [{ id: 'A', secret: () => secretA }], breaker: B });
    const model = pooled(p)(fake);
    expect((await collect(model.stream(req(), opts()))).error?.code).toBe('no_healthy_key');
    secretA = 'new';
    expect((await collect(model.stream(req(), opts()))).error).toBeUndefined();
    expect(fake.calls.at(-1)?.options.credential).toEqual({ id: 'A', secret: 'new' });
  });

  it('429 cools that key down and rethrows; later calls skip it until the cooldown ends', async () => {
    const clock = manualClock();
    let first = true;
    const fake = new FakeModel(() => {
      if (first) {
        first = false;
        return fails('upstream_rate_limited', { retryAfterMs: 5_000, upstreamStatus: 429 });
      }
      return ok('x');
    });
    const p = pool(['A', 'B'], clock);
    const { observer, log } = recordingObserver();
    const model = pooled(p)(fake);
    const { error } = await collect(model.stream(req(), opts({ observer })));
    expect(error?.code).toBe('upstream_rate_limited');
    expect(error?.retryAfterMs).toBeUndefined(); // B is ready: retry need not wait for A's window
    expect(withoutAttempts(log)).toEqual([['keyCooldown', 'openai', 'A', 5_000]]);
    expect(p.health()[0]).toEqual({ id: 'A', state: 'cooling' });
    await collect(model.stream(req(), opts()));
    await collect(model.stream(req(), opts()));
    clock.advance(5_000);
    await collect(model.stream(req(), opts()));
    expect(fake.calls.map((c) => c.options.credential?.id)).toEqual(['A', 'B', 'B', 'A']);
  });

  it("a 429 cools the key for that model only: the key's other models go on at once", async () => {
    const clock = manualClock();
    const fake = new FakeModel((_i, _o, r) =>
      r.model === 'busy' ? fails('upstream_rate_limited', { retryAfterMs: 5_000 }) : ok('free'),
    );
    const model = pooled(pool(['A'], clock))(fake);
    expect((await collect(model.stream(req('busy'), opts()))).error?.code).toBe('upstream_rate_limited');
    // still cooling: no call
    expect((await collect(model.stream(req('busy'), opts()))).error?.retryAfterMs).toBe(5_000);
    expect(textOf((await collect(model.stream(req('other'), opts()))).events)).toBe('free');
    expect(fake.calls.map((c) => c.request.model)).toEqual(['busy', 'other']);
  });

  it('every key cooling -> upstream_rate_limited with the shortest remaining cooldown', async () => {
    const clock = manualClock();
    const fake = new FakeModel([
      fails('upstream_rate_limited', { retryAfterMs: 8_000 }),
      fails('upstream_rate_limited'), // no retry-after: default 1000 ms
    ]);
    const model = pooled(pool(['A', 'B'], clock))(fake);
    await collect(model.stream(req(), opts()));
    const second = await collect(model.stream(req(), opts()));
    expect(second.error?.retryAfterMs).toBe(1_000); // only key left: keep the provider's hint
    clock.advance(400);
    const { error } = await collect(model.stream(req(), opts()));
    expect(error?.code).toBe('upstream_rate_limited');
    expect(error?.retryAfterMs).toBe(600);
    expect(fake.calls).toHaveLength(2);
  });

  it("opens a deployment's breaker (model and key) on repeated upstream faults and routes around that key", async () => {
    const fake = new FakeModel((_, o) => (o.credential?.id === 'A' ? fails('upstream_server_error') : ok('x')));
    const p = pool(['A', 'B']);
    const { observer, log } = recordingObserver();
    const model = pooled(p)(fake);
    for (let i = 0; i < 4; i++) await collect(model.stream(req(), opts({ observer })));
    expect(p.breaker('m', 0).state).toBe('open');
    expect(p.breaker('m', 1).state).toBe('closed');
    expect(log.filter((l) => l[0] === 'breakerChange')).toEqual([
      ['breakerChange', { provider: 'openai', model: 'm', keyId: 'A' }, 'open'],
    ]);
    expect(p.health()).toEqual([
      { id: 'A', state: 'healthy' }, // the key itself is fine: only its deployment for model m is open
      { id: 'B', state: 'healthy' },
    ]);
    await collect(model.stream(req(), opts()));
    await collect(model.stream(req(), opts()));
    expect(fake.calls.map((c) => c.options.credential?.id)).toEqual(['A', 'B', 'A', 'B', 'B', 'B']);
  });

  it('a failing model never refuses another model on the same keys', async () => {
    const fake = new FakeModel((_i, _o, r) => (r.model === 'dead' ? fails('upstream_server_error') : ok('alive')));
    const p = pool(['A', 'B']);
    const model = pooled(p)(fake);
    for (let i = 0; i < 4; i++) await collect(model.stream(req('dead'), opts()));
    const refused = await collect(model.stream(req('dead'), opts()));
    expect(refused.error?.code).toBe('circuit_open');
    expect(refused.error?.message).toMatch(
      /^The only target for model "chat" failed: t1: The circuit of every usable API key of openai\/dead is open; retry in 5 s$/,
    );
    for (let i = 0; i < 4; i++) expect(textOf((await collect(model.stream(req('good'), opts()))).events)).toBe('alive');
    expect(fake.calls.filter((c) => c.request.model === 'dead')).toHaveLength(4);
  });

  it('counts only deployment faults: 400, 404, 409 and a client abort leave the breaker closed', async () => {
    for (const code of ['upstream_bad_request', 'upstream_not_found', 'upstream_conflict', 'client_closed'] as const) {
      const p = pool(['A']);
      const model = pooled(p)(new FakeModel(() => fails(code)));
      for (let i = 0; i < 4; i++) expect((await collect(model.stream(req(), opts()))).error?.code).toBe(code);
      expect(p.breaker('m', 0).state).toBe('closed');
    }
  });

  it('a half-open deployment admits a bounded number of probes and the first success closes it', async () => {
    const clock = manualClock();
    let healthy = false;
    const fake = new FakeModel(() => (healthy ? ok('back') : fails('upstream_timeout')));
    const settings = { ...B, halfOpenProbes: 2 };
    const p = new KeyPool({ provider: 'openai', keys: [], breaker: settings, clock: clock.now });
    const model = pooled(p, settings)(fake);
    for (let i = 0; i < 2; i++) await collect(model.stream(req(), opts()));
    expect(p.breaker('m').state).toBe('open');
    clock.advance(5_000);
    healthy = true;
    const { observer, log } = recordingObserver();
    const probe = await collect(model.stream(req(), opts({ observer })));
    expect(textOf(probe.events)).toBe('back');
    expect(p.breaker('m').state).toBe('closed');
    expect(log.filter((l) => l[0] === 'breakerChange').map((l) => l[2])).toEqual(['half-open', 'closed']);
  });

  it('a consumer that stops early gives back its half-open probe without a verdict', async () => {
    const clock = manualClock();
    let healthy = false;
    const fake = new FakeModel(() => (healthy ? ok('a', 'b') : fails('upstream_timeout')));
    const p = new KeyPool({ provider: 'openai', keys: [], breaker: B, clock: clock.now });
    const model = pooled(p)(fake);
    for (let i = 0; i < 2; i++) await collect(model.stream(req(), opts()));
    clock.advance(5_000);
    healthy = true;
    for await (const event of model.stream(req(), opts())) {
      if (event.type === 'text-delta') break; // the only probe's consumer goes away before finish
    }
    expect(p.breaker('m').state).toBe('half-open');
    const next = await collect(model.stream(req(), opts()));
    expect(next.error).toBeUndefined(); // the slot was released, so the next call is the probe
    expect(p.breaker('m').state).toBe('closed');
  });

  it('a provider without keys calls with no credential, guarded by a breaker per model', async () => {
    const fake = new FakeModel([ok('x')]);
    const { events } = await collect(pooled(pool([]))(fake).stream(req(), opts()));
    expect(textOf(events)).toBe('x');
    expect(fake.calls[0].options.credential).toBeUndefined();
  });
});
