// Per-principal rate limits (requests/min, tokens/min, concurrent answers) and refused credentials per client,
// with IETF RateLimit headers. The limits live here; a RateLimitStore (memory or Redis) only counts.

import { ParleyError, type Principal, type Usage } from '../domain/index.js';
import type { AdmissionCounter, RateLimitStore } from '../store/types.js';

export type LimitName = 'requests' | 'tokens' | 'streams' | 'failed_auth';

export interface RateLimitSettings {
  requestsPerMinute: number;
  tokensPerMinute: number;
  concurrentStreams: number;
  /** Refused credentials per client per minute before that client gets 429 without a check (0 or absent: no limit). */
  failedAuthPerMinute?: number;
}

/**
 * What to do when a shared store fails: `closed` refuses with 503, `open` lets the per-replica `local` store stand in.
 */
export interface RateLimitFailover {
  mode: 'closed' | 'open';
  local: RateLimitStore;
  /** Called on every change between the shared store working and not working (for a metric and a log line). */
  onChange(degraded: boolean, reason?: string): void;
}

/** Clients held as limited at most; beyond it, those whose minute is over are dropped. */
const MAX_LIMITED_CLIENTS = 10_000;
const MINUTE_MS = 60_000;
/** How long a concurrency slot outlives its holder when the holder dies (renewed every third of it while held). */
export const DEFAULT_SLOT_LEASE_MS = 30_000;

/** A granted chat admission; `done` releases the stream slot and charges the tokens used. */
export interface AdmissionTicket {
  done(usage?: Usage): void;
}

const NO_TICKET: AdmissionTicket = { done: () => undefined };

/**
 * A chat admission in flight for one request: the chat service claims its ticket; when the request ends unclaimed
 * (refused by validation, client gone) `abandon` gives a granted ticket back at once.
 */
export class PendingAdmission {
  private taken = false;

  constructor(private readonly granted: Promise<AdmissionTicket>) {
    granted.catch(() => undefined); // claimed (and its refusal thrown) later, or abandoned
  }

  /** The ticket (the caller now calls its `done`), or the refusal; refused as `client_closed` once abandoned. */
  claim(): Promise<AdmissionTicket> {
    if (this.taken) return Promise.reject(new ParleyError('client_closed', 'The client closed the connection'));
    this.taken = true;
    return this.granted;
  }

  /** The request is over: a ticket nobody claimed is released as soon as it is granted. Idempotent. */
  abandon(): void {
    if (this.taken) return;
    this.taken = true;
    this.granted.then(
      (ticket) => ticket.done(),
      () => undefined,
    );
  }
}

/** Enforces the limits; every refusal is a 429 with Retry-After and says which limit and when to retry. */
export class RateLimits {
  private readonly requestPolicy: string;
  private readonly failedAuthPolicy: string;
  /**
   * Clients over the refused-credential limit → epoch ms when their minute is over (read synchronously per request).
   */
  private readonly limitedClients = new Map<string, number>();
  private degraded = false;
  /** Slots this replica holds (id → key and the store that granted it), renewed together by `renewTimer`. */
  private readonly held = new Map<string, { key: string; store: RateLimitStore }>();
  private renewTimer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly store: RateLimitStore,
    private readonly onRefusal?: (limit: LimitName) => void,
    private readonly clock: () => number = Date.now,
    private readonly failover?: RateLimitFailover,
    private readonly slotLeaseMs = DEFAULT_SLOT_LEASE_MS,
  ) {
    this.requestPolicy = `"requests";q=${settings.requestsPerMinute};w=60`;
    this.failedAuthPolicy = `"failed_auth";q=${settings.failedAuthPerMinute ?? 0};w=60`;
  }

  /** True while some client is over the refused-credential limit; when false, no request needs `checkClient`. */
  get limitingClients(): boolean {
    return this.limitedClients.size > 0;
  }

  /** Throws the 429 when the client used up its refused credentials for this minute (a Map lookup, no I/O). */
  checkClient(client: string): void {
    const until = this.limitedClients.get(client);
    if (until === undefined) return;
    const left = until - this.clock();
    if (left <= 0) {
      this.limitedClients.delete(client);
      return;
    }
    throw this.limited(
      'failed_auth',
      left,
      `${this.settings.failedAuthPerMinute ?? 0} refused credentials per minute from one client`,
      this.failedAuthPolicy,
    );
  }

  /**
   * Counts one refused credential of the client in the shared store (off the request's path); the one
   * that uses up the minute's allowance marks the client as limited on this replica until the minute is over.
   */
  noteRefusedCredential(client: string): void {
    const allowed = this.settings.failedAuthPerMinute ?? 0;
    if (allowed <= 0) return;
    this.shared((store) => store.add('failed_auth', client, 1, MINUTE_MS)).then(
      (count) => {
        if (count.consumed < allowed) return;
        if (this.limitedClients.size >= MAX_LIMITED_CLIENTS) {
          const now = this.clock();
          for (const [c, until] of this.limitedClients) if (until <= now) this.limitedClients.delete(c);
          if (this.limitedClients.size >= MAX_LIMITED_CLIENTS) return; // still full: the store keeps counting
        }
        this.limitedClients.set(client, this.clock() + count.msBeforeNext);
      },
      () => undefined, // the store is away: the refusal itself still happened, only the counting is lost
    );
  }

  /** Counts one request of the principal; returns the RateLimit headers for the response. */
  async admitRequest(scope: string): Promise<Record<string, string>> {
    const limit = this.settings.requestsPerMinute;
    if (limit <= 0) return {};
    const count = await this.shared((store) => store.add('requests', scope, 1, MINUTE_MS));
    if (count.consumed > limit)
      throw this.limited('requests', count.msBeforeNext, `${limit} requests per minute`, this.requestPolicy);
    return {
      'ratelimit-policy': this.requestPolicy,
      ratelimit: `"requests";r=${limit - count.consumed};t=${Math.ceil(count.msBeforeNext / 1000)}`,
    };
  }

  /**
   * Admits one chat answer: refuses when the token budget is spent or too many answers are in progress (one store
   * step).
   */
  async admitChat(principal: Principal): Promise<AdmissionTicket> {
    return (await this.admit(principal.scope, false)).ticket;
  }

  /**
   * A chat route's whole admission, started as soon as the request is authenticated and not awaited there: the
   * request is counted, the token budget read and a concurrency slot taken in one store step (one round trip to
   * Redis) while the request is parsed and checked. The chat service claims the ticket before it calls upstream;
   * `onHeaders` gets the RateLimit headers once granted.
   */
  startChatAdmission(scope: string, onHeaders: (headers: Record<string, string>) => void): PendingAdmission {
    return new PendingAdmission(
      this.admit(scope, true).then((granted) => {
        onHeaders(granted.headers);
        return granted.ticket;
      }),
    );
  }

  /** Counts the request (when `countRequest`), reads the token counter and takes the slot in one store step. */
  private async admit(
    scope: string,
    countRequest: boolean,
  ): Promise<{ headers: Record<string, string>; ticket: AdmissionTicket }> {
    const perMinute = countRequest ? this.settings.requestsPerMinute : 0;
    const budget = this.settings.tokensPerMinute;
    const limit = this.settings.concurrentStreams;
    if (perMinute <= 0 && budget <= 0 && limit <= 0) return { headers: {}, ticket: NO_TICKET };
    const counters: AdmissionCounter[] = [];
    if (perMinute > 0) counters.push({ name: 'requests', key: scope, points: 1, windowMs: MINUTE_MS, max: perMinute });
    if (budget > 0) counters.push({ name: 'tokens', key: scope, points: 0, windowMs: MINUTE_MS, max: budget - 1 });
    const slotKey = `streams:${scope}`;
    let holder: RateLimitStore = this.store;
    const admission = await this.shared((store) => {
      holder = store;
      return store.admit(counters, limit > 0 ? { key: slotKey, limit, leaseMs: this.slotLeaseMs } : undefined);
    });
    const requests = perMinute > 0 ? admission.counts[0] : undefined;
    if (requests && requests.consumed > perMinute)
      throw this.limited('requests', requests.msBeforeNext, `${perMinute} requests per minute`, this.requestPolicy);
    const tokens = budget > 0 ? admission.counts[counters.length - 1] : undefined;
    if (tokens && tokens.consumed >= budget)
      throw this.limited('tokens', tokens.msBeforeNext, `${budget} tokens per minute`, `"tokens";q=${budget};w=60`);
    const id = admission.slot;
    if (limit > 0 && id === undefined) {
      this.onRefusal?.('streams');
      throw new ParleyError(
        'rate_limited',
        `Too many answers in progress for this key (limit ${limit} at once). Wait for one to finish, then retry.`,
        { retryAfterMs: 1_000 },
      );
    }
    const headers: Record<string, string> = requests
      ? {
          'ratelimit-policy': this.requestPolicy,
          ratelimit: `"requests";r=${perMinute - requests.consumed};t=${Math.ceil(requests.msBeforeNext / 1000)}`,
        }
      : {};
    const store = holder;
    const slot = id === undefined ? undefined : { key: slotKey, id };
    if (slot) this.holdSlot(slot, store);
    let released = false;
    const ticket: AdmissionTicket = {
      done: (usage) => {
        if (released) return;
        released = true;
        if (slot) this.held.delete(slot.id);
        const used = (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
        const charge =
          budget > 0 && used > 0 ? { name: 'tokens', key: scope, points: used, windowMs: MINUTE_MS } : undefined;
        // The slot goes back to the store that granted it; the tokens are charged like any other counting.
        if (slot && store !== this.store) void store.finish(slot).catch(() => undefined);
        if ((slot && store === this.store) || charge)
          void this.shared((s) => s.finish(s === store ? slot : undefined, charge)).catch(() => undefined);
      },
    };
    return { headers, ticket };
  }

  /**
   * Keeps a held slot's lease alive: one timer renews every slot this replica holds, so a dead replica's slots lapse.
   */
  private holdSlot(slot: { key: string; id: string }, store: RateLimitStore): void {
    this.held.set(slot.id, { key: slot.key, store });
    if (this.renewTimer) return;
    this.renewTimer = setInterval(
      () => {
        if (this.held.size === 0) {
          clearInterval(this.renewTimer);
          this.renewTimer = undefined;
          return;
        }
        for (const [id, h] of this.held) void h.store.renewSlot(h.key, id, this.slotLeaseMs).catch(() => undefined);
      },
      Math.max(1, Math.floor(this.slotLeaseMs / 3)),
    );
    this.renewTimer.unref();
  }

  /** Runs `op` on the shared store; when it fails, follows the fail mode (503, or the per-replica store). */
  private async shared<T>(op: (store: RateLimitStore) => Promise<T>): Promise<T> {
    const failover = this.failover;
    if (!failover) return op(this.store);
    try {
      const result = await op(this.store);
      if (this.degraded) this.setDegraded(false);
      return result;
    } catch (error) {
      if (!this.degraded) this.setDegraded(true, error instanceof Error ? error.message : String(error));
      if (failover.mode === 'open') return op(failover.local);
      throw new ParleyError(
        'store_unavailable',
        'The rate-limit store is unreachable, so requests are refused until it is back ' +
          '(state.rateLimitFailMode: closed). Retry shortly.',
        { retryAfterMs: 1_000, cause: error },
      );
    }
  }

  private setDegraded(degraded: boolean, reason?: string): void {
    this.degraded = degraded;
    this.failover?.onChange(degraded, reason);
  }

  private limited(limit: LimitName, msLeft: number, what: string, policy: string): ParleyError {
    this.onRefusal?.(limit);
    const retryAfterMs = Math.max(1_000, msLeft);
    const headers = { 'ratelimit-policy': policy, ratelimit: `"${limit}";r=0;t=${Math.ceil(retryAfterMs / 1000)}` };
    return new ParleyError(
      'rate_limited',
      `Rate limit reached: ${what}. Retry in ${Math.ceil(retryAfterMs / 1000)} s.`,
      { retryAfterMs, headers },
    );
  }
}
