// Per-principal rate limits (requests/min, tokens/min, concurrent answers) and refused credentials per client,
// with IETF RateLimit headers. The limits live here; a RateLimitStore (memory or Redis) only counts.

import { ParleyError, type Principal, type Usage } from '../domain/index.js';
import { MemoryRateLimitStore } from '../store/memory/rate-limit-store.js';
import type { RateLimitStore, WindowCount } from '../store/types.js';

export type LimitName = 'requests' | 'tokens' | 'streams' | 'failed_auth';

export interface RateLimitSettings {
  requestsPerMinute: number;
  tokensPerMinute: number;
  concurrentStreams: number;
  /** Refused credentials per client per minute before that client gets 429 without a check (0 or absent: no limit). */
  failedAuthPerMinute?: number;
}

/** What to do when a shared store fails: `closed` refuses with 503, `open` lets the per-replica `local` store stand in. */
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

/** Enforces the limits; every refusal is a 429 with Retry-After and says which limit and when to retry. */
export class RateLimits {
  private readonly requestPolicy: string;
  private readonly failedAuthPolicy: string;
  /** Clients over the refused-credential limit → epoch ms when their minute is over (read synchronously per request). */
  private readonly limitedClients = new Map<string, number>();
  private degraded = false;

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly store: RateLimitStore = new MemoryRateLimitStore(),
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
    throw this.limited('failed_auth', left, `${this.settings.failedAuthPerMinute ?? 0} refused credentials per minute from one client`, this.failedAuthPolicy);
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
    if (count.consumed > limit) throw this.limited('requests', count.msBeforeNext, `${limit} requests per minute`, this.requestPolicy);
    return { 'ratelimit-policy': this.requestPolicy, ratelimit: `"requests";r=${limit - count.consumed};t=${Math.ceil(count.msBeforeNext / 1000)}` };
  }

  /** Admits one chat answer: refuses when the token budget is spent or too many answers are in progress. */
  async admitChat(principal: Principal): Promise<AdmissionTicket> {
    const scope = principal.scope;
    const budget = this.settings.tokensPerMinute;
    if (budget > 0) {
      const count: WindowCount | undefined = await this.shared((store) => store.peek('tokens', scope, MINUTE_MS));
      if (count && count.consumed >= budget) {
        throw this.limited('tokens', count.msBeforeNext, `${budget} tokens per minute`, `"tokens";q=${budget};w=60`);
      }
    }
    const slot = await this.takeSlot(scope);
    let released = false;
    return {
      done: (usage) => {
        if (released) return;
        released = true;
        slot?.release();
        const used = (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
        if (budget > 0 && used > 0) void this.shared((store) => store.add('tokens', scope, used, MINUTE_MS)).catch(() => undefined);
      },
    };
  }

  /** Takes a concurrency slot (renewed while held, so a dead replica's slot lapses); undefined when unlimited. */
  private async takeSlot(scope: string): Promise<{ release(): void } | undefined> {
    const limit = this.settings.concurrentStreams;
    if (limit <= 0) return undefined;
    const lease = this.slotLeaseMs;
    let holder: RateLimitStore = this.store;
    const id = await this.shared((store) => {
      holder = store;
      return store.acquireSlot(`streams:${scope}`, limit, lease);
    });
    if (id === undefined) {
      this.onRefusal?.('streams');
      throw new ParleyError('rate_limited', `Too many answers in progress for this key (limit ${limit} at once). Wait for one to finish, then retry.`, { retryAfterMs: 1_000 });
    }
    const store = holder;
    const renew = setInterval(() => void store.renewSlot(`streams:${scope}`, id, lease).catch(() => undefined), Math.max(1, Math.floor(lease / 3)));
    renew.unref();
    return {
      release: () => {
        clearInterval(renew);
        void store.releaseSlot(`streams:${scope}`, id).catch(() => undefined);
      },
    };
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
      throw new ParleyError('store_unavailable', 'The rate-limit store is unreachable, so requests are refused until it is back (state.rateLimitFailMode: closed). Retry shortly.', { retryAfterMs: 1_000, cause: error });
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
    return new ParleyError('rate_limited', `Rate limit reached: ${what}. Retry in ${Math.ceil(retryAfterMs / 1000)} s.`, { retryAfterMs, headers });
  }
}
