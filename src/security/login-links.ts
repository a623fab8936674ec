// One-time login links: a random token printed once at first start, redeemable once, then useless.

import { createHash, randomBytes } from 'node:crypto';
import type { OneTimeTokens } from '../store/types.js';

// Tokens are looked up by their SHA-256: the lookup reveals nothing an attacker could steer towards a stored token.
const digest = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Keeps only hashes of one-time tokens in a OneTimeTokens store (memory: one replica; Redis: every replica). */
export class LoginLinks {
  constructor(
    private readonly tokens: OneTimeTokens,
    private readonly ttlMs = 15 * 60_000,
  ) {}

  /** Mints a token (only its hash is kept). */
  async issue(): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await this.tokens.put(digest(token), this.ttlMs);
    return token;
  }

  /** True once for a valid, unexpired token, on whichever replica redeems it; the token is spent either way. */
  async redeem(token: string): Promise<boolean> {
    return this.tokens.take(digest(token));
  }
}
