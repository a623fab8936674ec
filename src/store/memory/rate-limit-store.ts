// In-process RateLimitStore: fixed windows counted by rate-limiter-flexible's memory limiter, slots in a Map.

import { randomUUID } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type {
  Admission,
  AdmissionCounter,
  CounterLease,
  LeaseGrant,
  RateLimitStore,
  SlotLease,
  WindowCount,
} from '../types.js';

/** A limiter that never refuses: the store only counts, the limits are applied above it. */
export const COUNT_ONLY_POINTS = Number.MAX_SAFE_INTEGER;

/**
 * Counters and concurrency slots for one replica (the default, and the stand-in when Redis is away and failMode is
 * open).
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, RateLimiterMemory>();
  private readonly slots = new Map<string, Map<string, number>>();

  constructor(private readonly clock: () => number = Date.now) {}

  async add(name: string, key: string, points: number, windowMs: number): Promise<WindowCount> {
    const res = await this.counter(name, windowMs).penalty(key, points);
    return { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext };
  }

  async peek(name: string, key: string, windowMs: number): Promise<WindowCount | undefined> {
    const res = await this.counter(name, windowMs).get(key);
    return res ? { consumed: res.consumedPoints, msBeforeNext: res.msBeforeNext } : undefined;
  }

  async admit(
    counters: AdmissionCounter[],
    slot?: { key: string; limit: number; leaseMs: number },
  ): Promise<Admission> {
    const counts: (WindowCount | undefined)[] = [];
    for (const c of counters)
      counts.push(
        c.points > 0 ? await this.add(c.name, c.key, c.points, c.windowMs) : await this.peek(c.name, c.key, c.windowMs),
      );
    const within = counts.every((count, i) => (count?.consumed ?? 0) <= counters[i]!.max);
    return { counts, slot: slot && within ? await this.acquireSlot(slot.key, slot.limit, slot.leaseMs) : undefined };
  }

  async lease(counters: CounterLease[], slots?: SlotLease): Promise<LeaseGrant> {
    const counts: (WindowCount | undefined)[] = [];
    const granted: number[] = [];
    for (const c of counters) {
      if (c.charge > 0) await this.add(c.name, c.key, c.charge, c.windowMs);
      let grant = 0;
      if (c.take > 0) {
        const current = (await this.peek(c.name, c.key, c.windowMs))?.consumed ?? 0;
        grant = current + c.take <= c.max ? c.take + Math.max(0, Math.min(c.extra, c.max - current - c.take)) : c.take;
      }
      counts.push(
        grant > 0 ? await this.add(c.name, c.key, grant, c.windowMs) : await this.peek(c.name, c.key, c.windowMs),
      );
      granted.push(grant);
    }
    const taken: string[] = [];
    if (slots) {
      for (const id of slots.release) await this.releaseSlot(slots.key, id);
      const within = counts.every((count, i) => (count?.consumed ?? 0) <= counters[i]!.max);
      while (within && taken.length < slots.want) {
        const id = await this.acquireSlot(slots.key, slots.limit, slots.leaseMs);
        if (id === undefined) break;
        taken.push(id);
      }
    }
    return { counts, granted, slots: taken };
  }

  async finish(
    slot: { key: string; id: string } | undefined,
    charge?: { name: string; key: string; points: number; windowMs: number },
  ): Promise<void> {
    if (slot) await this.releaseSlot(slot.key, slot.id);
    if (charge && charge.points > 0) await this.add(charge.name, charge.key, charge.points, charge.windowMs);
  }

  async acquireSlot(key: string, limit: number, leaseMs: number): Promise<string | undefined> {
    const held = this.live(key);
    if (held.size >= limit) return undefined;
    const slot = randomUUID();
    held.set(slot, this.clock() + leaseMs);
    this.slots.set(key, held);
    return slot;
  }

  async renewSlot(key: string, slot: string, leaseMs: number): Promise<boolean> {
    const held = this.live(key);
    if (!held.has(slot)) return false;
    held.set(slot, this.clock() + leaseMs);
    return true;
  }

  async releaseSlot(key: string, slot: string): Promise<void> {
    const held = this.slots.get(key);
    held?.delete(slot);
    if (held?.size === 0) this.slots.delete(key);
  }

  /** The slots of `key` whose lease has not lapsed (lapsed ones are dropped). */
  private live(key: string): Map<string, number> {
    const held = this.slots.get(key) ?? new Map<string, number>();
    const now = this.clock();
    for (const [slot, until] of held) if (until <= now) held.delete(slot);
    if (held.size === 0) this.slots.delete(key);
    return held;
  }

  private counter(name: string, windowMs: number): RateLimiterMemory {
    const id = `${name}/${windowMs}`;
    let limiter = this.counters.get(id);
    if (!limiter) {
      limiter = new RateLimiterMemory({
        keyPrefix: `parley:rl:${name}`,
        points: COUNT_ONLY_POINTS,
        duration: Math.max(1, Math.round(windowMs / 1000)),
      });
      this.counters.set(id, limiter);
    }
    return limiter;
  }
}
