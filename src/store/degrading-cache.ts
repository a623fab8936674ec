// A CacheStore wrapper for remote caches: a failed lookup is a miss and a failed write is skipped, never an error.

import type { CacheStore, CachedAnswer } from './types.js';

/**
 * Degrades a remote cache to misses while it is unreachable (the store's own metrics count the failures).
 * Purges (`deleteByTag`) still fail loudly: erasure must not be reported done when it was not.
 */
export class DegradingCache implements CacheStore {
  constructor(private readonly inner: CacheStore) {}

  async get(key: string): Promise<CachedAnswer | undefined> {
    return this.inner.get(key).catch(() => undefined);
  }

  async set(key: string, value: CachedAnswer, options: { ttlMs: number; tags?: string[] }): Promise<void> {
    await this.inner.set(key, value, options).catch(() => undefined);
  }

  deleteByTag(tag: string): Promise<number> {
    return this.inner.deleteByTag(tag);
  }

  async size(): Promise<number> {
    return this.inner.size().catch(() => 0);
  }
}
