// In-process CoalescingBus: lets tests run several "replicas" (ChatService instances) in one process.

import type { CoalescingBus } from '../types.js';

interface Entry {
  owner?: string;
  leaseUntil: number;
  records: string[];
  keepUntil: number;
}

/** A lead and a log per key, in memory; expiry is checked on every call against `clock`. */
export class MemoryCoalescingBus implements CoalescingBus {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: () => number = Date.now) {}

  async claim(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const entry = this.live(key, now);
    if (entry?.owner !== undefined && entry.leaseUntil > now) return false;
    this.entries.set(key, { owner, leaseUntil: now + leaseMs, records: [], keepUntil: now + leaseMs });
    return true;
  }

  async renew(key: string, owner: string, leaseMs: number): Promise<boolean> {
    const now = this.clock();
    const entry = this.live(key, now);
    if (!entry || entry.owner !== owner || entry.leaseUntil <= now) return false;
    entry.leaseUntil = now + leaseMs;
    entry.keepUntil = Math.max(entry.keepUntil, entry.leaseUntil);
    return true;
  }

  async append(key: string, record: string, retainMs: number): Promise<void> {
    const now = this.clock();
    const entry = this.live(key, now) ?? { leaseUntil: 0, records: [], keepUntil: 0 };
    entry.records.push(record);
    entry.keepUntil = Math.max(entry.keepUntil, now + retainMs);
    this.entries.set(key, entry);
  }

  async read(key: string, cursor: string): Promise<{ records: string[]; cursor: string; led: boolean }> {
    const now = this.clock();
    const entry = this.live(key, now);
    const from = cursor === '' ? 0 : Number(cursor);
    const records = entry ? entry.records.slice(from) : [];
    return {
      records,
      cursor: String(from + records.length),
      led: entry?.owner !== undefined && entry.leaseUntil > now,
    };
  }

  async release(key: string, owner: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry?.owner === owner) entry.owner = undefined;
  }

  private live(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.keepUntil <= now && !(entry.owner !== undefined && entry.leaseUntil > now)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
