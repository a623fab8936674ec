// In-process CacheStore: an LRU bounded by entry count, with per-entry TTL and tags for targeted purges.

import type { CacheStore, CachedAnswer } from '../types.js';

interface Entry {
  value: CachedAnswer;
  expiresAt: number;
  tags?: string[];
}

export interface MemoryCacheStoreOptions {
  maxEntries: number;
  clock?: () => number;
}

/** Exact-match answer cache for one process. Map insertion order doubles as LRU order. */
export class MemoryCacheStore implements CacheStore {
  private readonly entries = new Map<string, Entry>();
  private readonly byTag = new Map<string, Set<string>>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: MemoryCacheStoreOptions) {
    this.maxEntries = options.maxEntries;
    this.now = options.clock ?? Date.now;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() >= entry.expiresAt) {
      this.remove(key, entry);
      return undefined;
    }
    // Refresh recency.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  async set(key: string, value: CachedAnswer, options: { ttlMs: number; tags?: string[] }): Promise<void> {
    if (this.maxEntries <= 0) return;
    const previous = this.entries.get(key);
    if (previous) this.remove(key, previous);
    const entry: Entry = { value, expiresAt: this.now() + options.ttlMs, tags: options.tags };
    this.entries.set(key, entry);
    for (const tag of options.tags ?? []) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.remove(oldest, this.entries.get(oldest)!);
    }
  }

  async deleteByTag(tag: string): Promise<number> {
    const keys = this.byTag.get(tag);
    if (!keys) return 0;
    let removed = 0;
    for (const key of [...keys]) {
      const entry = this.entries.get(key);
      if (entry) {
        this.remove(key, entry);
        removed++;
      }
    }
    this.byTag.delete(tag);
    return removed;
  }

  async size(): Promise<number> {
    return this.entries.size;
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    for (const tag of entry.tags ?? []) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }
}
