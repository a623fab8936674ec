// RateLimits: the refused-credential limit per client (the per-principal limits are attacked over HTTP in
// security-e2e/limits).
import { describe, expect, it } from 'vitest';
import type { Principal } from '../../src/domain/index.js';
import { RateLimits } from '../../src/security/rate-limits.js';
import { MemoryRateLimitStore } from '../../src/store/memory/rate-limit-store.js';
import type { RateLimitStore } from '../../src/store/types.js';

const settings = { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 };
// the shared limiter answers asynchronously
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('refused credentials per client', () => {
  it('limits a client once it used up its refusals, until its minute is over; other clients are unaffected', async () => {
    let now = Date.now();
    const refused: string[] = [];
    const limits = new RateLimits(
      { ...settings, failedAuthPerMinute: 2 },
      new MemoryRateLimitStore(),
      (limit) => refused.push(limit),
      () => now,
    );
    limits.noteRefusedCredential('203.0.113.7');
    await settled();
    expect(limits.limitingClients).toBe(false); // one refusal left
    limits.noteRefusedCredential('203.0.113.7');
    await settled();
    expect(limits.limitingClients).toBe(true);
    let error: unknown;
    try {
      limits.checkClient('203.0.113.7');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'rate_limited', headers: { 'ratelimit-policy': '"failed_auth";q=2;w=60' } });
    expect((error as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(55_000);
    expect((error as Error).message).toMatch(
      /^Rate limit reached: 2 refused credentials per minute from one client\. Retry in \d+ s\.$/,
    );
    expect(refused).toEqual(['failed_auth']);
    expect(() => limits.checkClient('198.51.100.1')).not.toThrow();
    now += 60_000; // the minute is over: the client is let through and no longer tracked
    expect(() => limits.checkClient('203.0.113.7')).not.toThrow();
    expect(limits.limitingClients).toBe(false);
  });

  it('is off at 0 and when not configured', async () => {
    for (const limits of [
      new RateLimits({ ...settings, failedAuthPerMinute: 0 }, new MemoryRateLimitStore()),
      new RateLimits(settings, new MemoryRateLimitStore()),
    ]) {
      for (let i = 0; i < 5; i++) limits.noteRefusedCredential('x');
      await settled();
      expect(limits.limitingClients).toBe(false);
      expect(() => limits.checkClient('x')).not.toThrow();
    }
  });
});

describe('when the shared rate-limit store fails', () => {
  const failing: RateLimitStore = {
    admit: () => Promise.reject(new Error('ECONNREFUSED')),
    lease: () => Promise.reject(new Error('ECONNREFUSED')),
    finish: () => Promise.reject(new Error('ECONNREFUSED')),
    add: () => Promise.reject(new Error('ECONNREFUSED')),
    peek: () => Promise.reject(new Error('ECONNREFUSED')),
    acquireSlot: () => Promise.reject(new Error('ECONNREFUSED')),
    renewSlot: () => Promise.reject(new Error('ECONNREFUSED')),
    releaseSlot: () => Promise.reject(new Error('ECONNREFUSED')),
  };
  const principal: Principal = { id: 'p', role: 'user', via: 'api-key', scope: 'p' };

  it('closed: refuses with 503 store_unavailable, and says so once through onChange', async () => {
    const changes: boolean[] = [];
    const limits = new RateLimits(
      { requestsPerMinute: 5, tokensPerMinute: 100, concurrentStreams: 1 },
      failing,
      undefined,
      Date.now,
      {
        mode: 'closed',
        local: new MemoryRateLimitStore(),
        onChange: (degraded) => changes.push(degraded),
      },
    );
    await expect(limits.admitRequest('p')).rejects.toMatchObject({ code: 'store_unavailable', status: 503 });
    await expect(limits.admitChat(principal)).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(changes).toEqual([true]);
  });

  it('open: the per-replica store stands in and enforces the limits, until the shared store answers again', async () => {
    const changes: boolean[] = [];
    let down = true;
    const shared = new MemoryRateLimitStore();
    const flaky: RateLimitStore = {
      admit: (...a) => (down ? failing.admit(...a) : shared.admit(...a)),
      lease: (...a) => (down ? failing.lease(...a) : shared.lease(...a)),
      finish: (...a) => shared.finish(...a),
      add: (...a) => (down ? failing.add(...a) : shared.add(...a)),
      peek: (...a) => (down ? failing.peek(...a) : shared.peek(...a)),
      acquireSlot: (...a) => (down ? failing.acquireSlot(...a) : shared.acquireSlot(...a)),
      renewSlot: (...a) => shared.renewSlot(...a),
      releaseSlot: (...a) => shared.releaseSlot(...a),
    };
    const limits = new RateLimits(
      { requestsPerMinute: 2, tokensPerMinute: 0, concurrentStreams: 1 },
      flaky,
      undefined,
      Date.now,
      {
        mode: 'open',
        local: new MemoryRateLimitStore(),
        onChange: (degraded) => changes.push(degraded),
      },
    );
    await limits.admitRequest('p');
    await limits.admitRequest('p');
    await expect(limits.admitRequest('p')).rejects.toMatchObject({ code: 'rate_limited' });
    const ticket = await limits.admitChat(principal);
    await expect(limits.admitChat(principal)).rejects.toMatchObject({ code: 'rate_limited' });
    ticket.done();
    down = false;
    await limits.admitRequest('p');
    expect(changes).toEqual([true, false]);
  });
});
