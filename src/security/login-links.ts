// One-time login links: a random token printed once at first start, redeemable once, then useless.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const digest = (token: string): Buffer => createHash('sha256').update(token).digest();

/** Holds hashed one-time tokens in memory; a restart invalidates every outstanding link. */
export class LoginLinks {
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly ttlMs = 15 * 60_000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Mints a token (only its hash is kept). */
  issue(): string {
    const token = randomBytes(24).toString('base64url');
    this.pending.set(digest(token).toString('hex'), this.clock() + this.ttlMs);
    return token;
  }

  /** True once for a valid, unexpired token; the token is spent either way. */
  redeem(token: string): boolean {
    const hash = digest(token);
    for (const [stored, expiresAt] of this.pending) {
      if (timingSafeEqual(Buffer.from(stored, 'hex'), hash)) {
        this.pending.delete(stored);
        return this.clock() < expiresAt;
      }
    }
    return false;
  }
}
