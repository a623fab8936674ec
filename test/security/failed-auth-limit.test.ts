import { describe, expect, it } from 'vitest';
import { FailedAuthLimit } from '../../src/security/failed-auth-limit.js';

describe('FailedAuthLimit', () => {
  it('refuses a client once it used up its refusals, until its minute is over; other clients are unaffected', () => {
    let now = 1_000_000;
    let refusals = 0;
    const limit = new FailedAuthLimit(2, () => refusals++, () => now);
    expect(limit.tracking).toBe(false);
    limit.noteFailure('203.0.113.7');
    expect(() => limit.check('203.0.113.7')).not.toThrow(); // one refusal left
    limit.noteFailure('203.0.113.7');
    expect(limit.tracking).toBe(true);
    now += 59_000;
    expect(() => limit.check('203.0.113.7')).toThrow(expect.objectContaining({ code: 'rate_limited', retryAfterMs: 1_000 }));
    expect(refusals).toBe(1);
    expect(() => limit.check('198.51.100.1')).not.toThrow();
    now += 1_000; // the window is over: the client starts afresh and the record is dropped
    expect(() => limit.check('203.0.113.7')).not.toThrow();
    expect(limit.tracking).toBe(false);
  });

  it('is off at 0', () => {
    const limit = new FailedAuthLimit(0);
    for (let i = 0; i < 5; i++) limit.noteFailure('x');
    expect(limit.tracking).toBe(false);
    expect(() => limit.check('x')).not.toThrow();
  });

  it('keeps at most 100 000 clients, forgetting the oldest first', () => {
    const limit = new FailedAuthLimit(1, undefined, () => 0);
    for (let i = 0; i <= 100_000; i++) limit.noteFailure(`client-${i}`);
    expect(() => limit.check('client-0')).not.toThrow(); // forgotten
    expect(() => limit.check('client-100000')).toThrow(expect.objectContaining({ code: 'rate_limited' }));
  });
});
