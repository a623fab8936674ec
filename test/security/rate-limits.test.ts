// RateLimits: the refused-credential limit per client (the per-principal limits are attacked over HTTP in security-e2e/limits).
import { describe, expect, it } from 'vitest';
import { RateLimits } from '../../src/security/rate-limits.js';

const settings = { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 };
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve)); // the shared limiter answers asynchronously

describe('refused credentials per client', () => {
  it('limits a client once it used up its refusals, until its minute is over; other clients are unaffected', async () => {
    let now = Date.now();
    const refused: string[] = [];
    const limits = new RateLimits({ ...settings, failedAuthPerMinute: 2 }, undefined, (limit) => refused.push(limit), () => now);
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
    expect((error as Error).message).toMatch(/^Rate limit reached: 2 refused credentials per minute from one client\. Retry in \d+ s\.$/);
    expect(refused).toEqual(['failed_auth']);
    expect(() => limits.checkClient('198.51.100.1')).not.toThrow();
    now += 60_000; // the minute is over: the client is let through and no longer tracked
    expect(() => limits.checkClient('203.0.113.7')).not.toThrow();
    expect(limits.limitingClients).toBe(false);
  });

  it('is off at 0 and when not configured', async () => {
    for (const limits of [new RateLimits({ ...settings, failedAuthPerMinute: 0 }), new RateLimits(settings)]) {
      for (let i = 0; i < 5; i++) limits.noteRefusedCredential('x');
      await settled();
      expect(limits.limitingClients).toBe(false);
      expect(() => limits.checkClient('x')).not.toThrow();
    }
  });
});
