// Admission without a round trip per request on a shared rate-limit store: each replica leases request permits
// and concurrency slots from the store in blocks and charges tokens in batches, so Redis is asked about once per
// block instead of twice per request. The store's counts stay the truth: a permit or slot is only ever used after
// the store granted it, so the replicas together never admit past a limit. What this trades is the other side:
// permits and slots a replica holds unused are not available to the others (the blocks are small fractions of
// what is left and shrink to one near a limit; idle slots go back within `idleSlotMs`), and token charges from
// other replicas show within `tickMs`.

import type {
  Admission,
  AdmissionCounter,
  CounterLease,
  LeaseGrant,
  RateLimitStore,
  SlotLease,
  WindowCount,
} from '../store/types.js';

export interface LeasedAdmissionsOptions {
  clock?: () => number;
  /** How often charged tokens are flushed, token counts refreshed and idle slots returned (default 250 ms). */
  tickMs?: number;
  /** How long a token count read from the store may answer admissions (default 1 s; the tick refreshes it sooner). */
  freshMs?: number;
  /** How long a leased slot may sit unused before it goes back to the store (default 1 s). */
  idleSlotMs?: number;
  /**
   * False while the store is known to be unreachable: admissions then ask it (and fail into the fail mode, with
   * its metric and log line) instead of running on from what is held, as they would with no leasing.
   */
  reachable?: () => boolean;
}

/** At most this many request permits beyond the one needed are leased at once. */
const MAX_EXTRA_PERMITS = 128;
/** A block is at most this fraction of what is left of a limit, so the blocks shrink to one near it. */
const PERMIT_SHARE = 64;
/** At most this many slots are pooled ahead of need, and at most `limit / SLOT_SHARE`. */
const MAX_POOLED_SLOTS = 32;
const SLOT_SHARE = 8;
/** Counters per background step sent to the store at once (one script each). */
const STEP_COUNTERS = 256;
/** Leased permits stop being used this long before the window ends: the store's window may end a little earlier. */
const WINDOW_MARGIN_MS = 100;

/** One counter as this replica sees it. */
interface Allowance {
  name: string;
  key: string;
  windowMs: number;
  /** Permits leased and not used yet. */
  permits: number;
  /** The store's count at the last step (every replica's leased permits and charges), -1 when no window runs. */
  consumed: number;
  endsAt: number;
  syncedAt: number;
  /** Points charged here and not sent yet, and sent but not confirmed. */
  charge: number;
  charging: number;
  /** Read since the last step: the tick refreshes it. */
  read: boolean;
}

interface SlotPool {
  limit: number;
  leaseMs: number;
  free: { id: string; since: number }[];
  busy: Set<string>;
  renewedAt: number;
}

/** A RateLimitStore over a shared one that admits from leased blocks; the limits themselves stay in RateLimits. */
export class LeasedAdmissions implements RateLimitStore {
  private readonly allowances = new Map<string, Allowance>();
  private readonly pools = new Map<string, SlotPool>();
  private readonly clock: () => number;
  private readonly tickMs: number;
  private readonly freshMs: number;
  private readonly idleSlotMs: number;
  private readonly reachable: () => boolean;
  private timer?: ReturnType<typeof setInterval>;
  private ticking = false;

  constructor(
    private readonly store: RateLimitStore,
    options: LeasedAdmissionsOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.tickMs = options.tickMs ?? 250;
    this.freshMs = options.freshMs ?? 1_000;
    this.idleSlotMs = options.idleSlotMs ?? 1_000;
    this.reachable = options.reachable ?? (() => true);
  }

  async admit(
    counters: AdmissionCounter[],
    slot?: { key: string; limit: number; leaseMs: number },
  ): Promise<Admission> {
    return (
      (this.reachable() ? this.fromLease(counters, slot, this.clock()) : undefined) ??
      this.leaseAndAdmit(counters, slot, this.clock())
    );
  }

  async finish(
    slot: { key: string; id: string } | undefined,
    charge?: { name: string; key: string; points: number; windowMs: number },
  ): Promise<void> {
    const pool = slot ? this.pools.get(slot.key) : undefined;
    if (slot && pool?.busy.delete(slot.id)) pool.free.push({ id: slot.id, since: this.clock() });
    else if (slot) await this.store.finish(slot);
    if (charge && charge.points > 0) {
      this.allowance(charge.name, charge.key, charge.windowMs).charge += charge.points;
      this.startTicking();
    }
  }

  lease(counters: CounterLease[], slots?: SlotLease): Promise<LeaseGrant> {
    return this.store.lease(counters, slots);
  }

  add(name: string, key: string, points: number, windowMs: number): Promise<WindowCount> {
    return this.store.add(name, key, points, windowMs);
  }

  peek(name: string, key: string, windowMs: number): Promise<WindowCount | undefined> {
    return this.store.peek(name, key, windowMs);
  }

  acquireSlot(key: string, limit: number, leaseMs: number): Promise<string | undefined> {
    return this.store.acquireSlot(key, limit, leaseMs);
  }

  /** A pooled slot is renewed with its pool (by the tick); others by the store. */
  async renewSlot(key: string, slot: string, leaseMs: number): Promise<boolean> {
    if (this.pools.get(key)?.busy.has(slot)) return true;
    return this.store.renewSlot(key, slot, leaseMs);
  }

  releaseSlot(key: string, slot: string): Promise<void> {
    return this.finish({ key, id: slot });
  }

  /** Flushes the charges and gives every unused pooled slot back (at shutdown, after the drain). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.step(0);
  }

  /** The admission answered from what this replica holds, or undefined when the store must be asked. */
  private fromLease(
    counters: AdmissionCounter[],
    slot: { key: string; limit: number; leaseMs: number } | undefined,
    now: number,
  ): Admission | undefined {
    for (const c of counters) {
      const a = this.allowances.get(allowanceId(c.name, c.key, c.windowMs));
      if (!a) return undefined;
      if (c.points > 0 ? a.permits < c.points || a.endsAt - WINDOW_MARGIN_MS <= now : now - a.syncedAt >= this.freshMs)
        return undefined;
    }
    const pool = slot ? this.pools.get(slot.key) : undefined;
    if (slot && !pool?.free.length) return undefined;
    const counts = counters.map((c) => {
      const a = this.allowances.get(allowanceId(c.name, c.key, c.windowMs))!;
      if (c.points > 0) a.permits -= c.points;
      else a.read = true;
      return this.view(a, c, now);
    });
    return { counts, slot: pool && within(counters, counts) ? this.takeFromPool(pool) : undefined };
  }

  /** One step on the store: what this admission needs, a block ahead, and the charges waiting. */
  private async leaseAndAdmit(
    counters: AdmissionCounter[],
    slot: { key: string; limit: number; leaseMs: number } | undefined,
    now: number,
  ): Promise<Admission> {
    const leases: CounterLease[] = [];
    const held: boolean[] = [];
    for (const c of counters) {
      const a = this.allowance(c.name, c.key, c.windowMs);
      if (a.endsAt - WINDOW_MARGIN_MS <= now) a.permits = 0; // a block never outlives its window
      const fromHeld = c.points > 0 && a.permits >= c.points;
      if (fromHeld) a.permits -= c.points;
      held.push(fromHeld);
      const take = c.points > 0 && !fromHeld ? c.points : 0;
      const left = c.max - Math.max(0, a.consumed);
      const extra = take > 0 ? Math.min(MAX_EXTRA_PERMITS, Math.max(0, Math.floor(left / PERMIT_SHARE))) : 0;
      leases.push({ name: c.name, key: c.key, windowMs: c.windowMs, charge: this.send(a), take, extra, max: c.max });
    }
    let pool: SlotPool | undefined;
    let slots: SlotLease | undefined;
    if (slot) {
      pool = this.pool(slot.key, slot.limit, slot.leaseMs);
      if (!pool.free.length)
        slots = {
          key: slot.key,
          limit: slot.limit,
          leaseMs: slot.leaseMs,
          want: 1 + Math.min(MAX_POOLED_SLOTS, Math.floor(slot.limit / SLOT_SHARE)),
          release: [],
        };
    }
    const grant = await this.sendLease(leases, slots, now);
    const counts = counters.map((c, i) => {
      const a = this.allowance(c.name, c.key, c.windowMs);
      if (c.points === 0 || held[i]) return this.view(a, c, now);
      // The count right after this request's own take (other steps may have moved `a` since this one was sent).
      const count = grant.counts[i]!;
      const extra = grant.granted[i]! - c.points;
      if (count.consumed - extra <= c.max) a.permits += extra;
      return { consumed: count.consumed - extra, msBeforeNext: count.msBeforeNext };
    });
    if (!pool) return { counts };
    for (const id of grant.slots) pool.free.push({ id, since: now });
    return { counts, slot: within(counters, counts) && pool.free.length ? this.takeFromPool(pool) : undefined };
  }

  /** Sends one lease and takes the store's counts in; charges sent are put back when it fails. */
  private async sendLease(leases: CounterLease[], slots: SlotLease | undefined, now: number): Promise<LeaseGrant> {
    let grant: LeaseGrant;
    try {
      grant = await this.store.lease(leases, slots);
    } catch (error) {
      for (const l of leases) {
        const a = this.allowance(l.name, l.key, l.windowMs);
        a.charging -= l.charge;
        a.charge += l.charge;
      }
      if (slots?.release.length)
        this.pools.get(slots.key)?.free.push(...slots.release.map((id) => ({ id, since: now })));
      throw error;
    }
    leases.forEach((l, i) => {
      const a = this.allowance(l.name, l.key, l.windowMs);
      a.charging -= l.charge;
      const count = grant.counts[i];
      a.consumed = count ? count.consumed : -1;
      a.endsAt = count ? now + count.msBeforeNext : now;
      a.syncedAt = now;
      a.read = false;
    });
    return grant;
  }

  /**
   * The count RateLimits sees. A read: the store's count plus the charges not sent yet. A permit used from a
   * block: the store's count less the permits still held here, at most the max, since the store granted the
   * block within it (its count also holds other replicas' refused requests, which may pass the max).
   */
  private view(a: Allowance, c: AdmissionCounter, now: number): WindowCount | undefined {
    const msBeforeNext = a.consumed < 0 ? a.windowMs : Math.max(0, a.endsAt - now);
    if (c.points > 0) return { consumed: Math.min(c.max, Math.max(0, a.consumed) - a.permits), msBeforeNext };
    const pending = a.charge + a.charging;
    if (a.consumed < 0 && pending === 0) return undefined;
    return { consumed: Math.max(0, a.consumed) + pending, msBeforeNext };
  }

  private send(a: Allowance): number {
    const charge = a.charge;
    a.charge = 0;
    a.charging += charge;
    return charge;
  }

  private takeFromPool(pool: SlotPool): string {
    const id = pool.free.pop()!.id;
    pool.busy.add(id);
    this.startTicking();
    return id;
  }

  private allowance(name: string, key: string, windowMs: number): Allowance {
    const id = allowanceId(name, key, windowMs);
    let a = this.allowances.get(id);
    if (!a) {
      this.allowances.set(
        id,
        (a = {
          name,
          key,
          windowMs,
          permits: 0,
          consumed: -1,
          endsAt: 0,
          syncedAt: Number.NEGATIVE_INFINITY,
          charge: 0,
          charging: 0,
          read: false,
        }),
      );
      this.startTicking(); // which forgets it once its window is over
    }
    return a;
  }

  private pool(key: string, limit: number, leaseMs: number): SlotPool {
    let pool = this.pools.get(key);
    if (!pool) this.pools.set(key, (pool = { limit, leaseMs, free: [], busy: new Set(), renewedAt: this.clock() }));
    pool.limit = limit;
    pool.leaseMs = leaseMs;
    return pool;
  }

  private startTicking(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.step(this.idleSlotMs)
        .catch(() => undefined) // the store is away: the charges stay, the next tick tries again
        .finally(() => (this.ticking = false));
    }, this.tickMs);
    this.timer.unref();
  }

  /**
   * The background step: sends the charges and refreshes the counts read since the last step (one lease), gives
   * back slots unused for `idleMs`, renews the pooled slots' leases, and forgets what has lapsed.
   */
  private async step(idleMs: number): Promise<void> {
    const now = this.clock();
    const due = [...this.allowances.values()].filter((a) => a.charge > 0 || a.read);
    for (let i = 0; i < due.length; i += STEP_COUNTERS) {
      const part = due.slice(i, i + STEP_COUNTERS);
      await this.sendLease(
        part.map((a) => ({
          name: a.name,
          key: a.key,
          windowMs: a.windowMs,
          charge: this.send(a),
          take: 0,
          extra: 0,
          max: Number.MAX_SAFE_INTEGER,
        })),
        undefined,
        now,
      );
    }
    for (const [key, pool] of this.pools) {
      const idle = pool.free.filter((s) => now - s.since >= idleMs);
      if (idle.length) {
        pool.free = pool.free.filter((s) => now - s.since < idleMs);
        await this.sendLease(
          [],
          { key, limit: pool.limit, leaseMs: pool.leaseMs, want: 0, release: idle.map((s) => s.id) },
          now,
        );
      }
      if (now - pool.renewedAt >= pool.leaseMs / 3) {
        pool.renewedAt = now;
        for (const id of pool.busy) await this.store.renewSlot(key, id, pool.leaseMs);
        const lapsed = new Set<string>(); // e.g. the store lost its keys: those slots are not ours any more
        for (const s of pool.free) if (!(await this.store.renewSlot(key, s.id, pool.leaseMs))) lapsed.add(s.id);
        if (lapsed.size) pool.free = pool.free.filter((s) => !lapsed.has(s.id));
      }
      if (!pool.free.length && !pool.busy.size) this.pools.delete(key);
    }
    for (const [id, a] of this.allowances)
      if (a.endsAt <= now && a.charge === 0 && a.charging === 0 && !a.read) this.allowances.delete(id);
    if (!this.allowances.size && !this.pools.size && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

function allowanceId(name: string, key: string, windowMs: number): string {
  return `${name}\u0000${key}\u0000${windowMs}`;
}

function within(counters: AdmissionCounter[], counts: (WindowCount | undefined)[]): boolean {
  return counts.every((count, i) => (count?.consumed ?? 0) <= counters[i]!.max);
}
