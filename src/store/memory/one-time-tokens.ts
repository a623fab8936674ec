// In-process OneTimeTokens: hashes with an expiry, each taken at most once.

import type { OneTimeTokens } from '../types.js';

/** Single-use tokens of one replica; a restart forgets them. */
export class MemoryOneTimeTokens implements OneTimeTokens {
  private readonly pending = new Map<string, number>();

  constructor(private readonly clock: () => number = Date.now) {}

  async put(hash: string, ttlMs: number): Promise<void> {
    const now = this.clock();
    for (const [stored, until] of this.pending) if (until <= now) this.pending.delete(stored);
    this.pending.set(hash, now + ttlMs);
  }

  async take(hash: string): Promise<boolean> {
    const until = this.pending.get(hash);
    if (until === undefined) return false;
    this.pending.delete(hash);
    return this.clock() < until;
  }
}
