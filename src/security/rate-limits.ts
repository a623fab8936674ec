// Per-principal rate limits (requests/min, tokens/min, concurrent answers) and refused credentials per client,
// with IETF RateLimit headers.

import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ParleyError, type Principal, type Usage } from '../domain/index.js';

export type LimitName = 'requests' | 'tokens' | 'streams' | 'failed_auth';

export interface RateLimitSettings {
  requestsPerMinute: number;
  tokensPerMinute: number;
  concurrentStreams: number;
  /** Refused credentials per client per minute before that client gets 429 without a check (0 or absent: no limit). */
  failedAuthPerMinute?: number;
}

/** Clients held as limited at most; beyond it, those whose minute is over are dropped. */
const MAX_LIMITED_CLIENTS = 10_000;

/** Makes a fixed-window limiter; memory by default, a Redis-backed one (RateLimiterRedis) for several replicas. */
export type LimiterFactory = (name: LimitName, points: number, durationSec: number) => RateLimiterAbstract;

/** In-process limiters for a single replica. */
export const memoryLimiterFactory: LimiterFactory = (name, points, duration) => new RateLimiterMemory({ keyPrefix: `parley:rl:${name}`, points, duration });

/** A granted chat admission; `done` releases the stream slot and charges the tokens used. */
export interface AdmissionTicket {
  done(usage?: Usage): void;
}

/** Enforces the limits; every refusal is a 429 with Retry-After and says which limit and when to retry. */
export class RateLimits {
  private readonly requests?: RateLimiterAbstract;
  private readonly tokens?: RateLimiterAbstract;
  private readonly streams = new Map<string, number>();
  private readonly requestPolicy: string;
  private readonly failedAuth?: RateLimiterAbstract;
  private readonly failedAuthPolicy: string;
  /** Clients over the refused-credential limit → epoch ms when their minute is over (read synchronously per request). */
  private readonly limitedClients = new Map<string, number>();

  constructor(
    private readonly settings: RateLimitSettings,
    factory: LimiterFactory = memoryLimiterFactory,
    private readonly onRefusal?: (limit: LimitName) => void,
    private readonly clock: () => number = Date.now,
  ) {
    if (settings.requestsPerMinute > 0) this.requests = factory('requests', settings.requestsPerMinute, 60);
    if (settings.tokensPerMinute > 0) this.tokens = factory('tokens', settings.tokensPerMinute, 60);
    const failedAuth = settings.failedAuthPerMinute ?? 0;
    if (failedAuth > 0) this.failedAuth = factory('failed_auth', failedAuth, 60);
    this.requestPolicy = `"requests";q=${settings.requestsPerMinute};w=60`;
    this.failedAuthPolicy = `"failed_auth";q=${failedAuth};w=60`;
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
   * Counts one refused credential of the client in the shared limiter (off the request's path); the one
   * that uses up the minute's allowance marks the client as limited on this replica until the minute is over.
   */
  noteRefusedCredential(client: string): void {
    const limiter = this.failedAuth;
    if (!limiter) return;
    const limit = (msLeft: number): void => {
      if (this.limitedClients.size >= MAX_LIMITED_CLIENTS) {
        const now = this.clock();
        for (const [c, until] of this.limitedClients) if (until <= now) this.limitedClients.delete(c);
        if (this.limitedClients.size >= MAX_LIMITED_CLIENTS) return; // still full: the limiter keeps counting
      }
      this.limitedClients.set(client, this.clock() + msLeft);
    };
    limiter.consume(client).then(
      (res) => {
        if (res.remainingPoints <= 0) limit(res.msBeforeNext);
      },
      (res: unknown) => {
        if (res instanceof RateLimiterRes) limit(res.msBeforeNext);
      },
    );
  }

  /** Counts one request of the principal; returns the RateLimit headers for the response. */
  async admitRequest(scope: string): Promise<Record<string, string>> {
    if (!this.requests) return {};
    try {
      const res = await this.requests.consume(scope);
      return { 'ratelimit-policy': this.requestPolicy, ratelimit: `"requests";r=${res.remainingPoints};t=${Math.ceil(res.msBeforeNext / 1000)}` };
    } catch (error) {
      throw this.refusal('requests', error, `${this.settings.requestsPerMinute} requests per minute`, this.requestPolicy);
    }
  }

  /** Admits one chat answer: refuses when the token budget is spent or too many answers are in progress. */
  async admitChat(principal: Principal): Promise<AdmissionTicket> {
    const scope = principal.scope;
    if (this.tokens) {
      const res = await this.tokens.get(scope);
      if (res && res.consumedPoints >= this.settings.tokensPerMinute) {
        throw this.refusal('tokens', res, `${this.settings.tokensPerMinute} tokens per minute`, `"tokens";q=${this.settings.tokensPerMinute};w=60`);
      }
    }
    const limit = this.settings.concurrentStreams;
    const open = this.streams.get(scope) ?? 0;
    if (limit > 0 && open >= limit) {
      this.onRefusal?.('streams');
      throw new ParleyError('rate_limited', `Too many answers in progress for this key (limit ${limit} at once). Wait for one to finish, then retry.`, { retryAfterMs: 1_000 });
    }
    this.streams.set(scope, open + 1);
    let released = false;
    return {
      done: (usage) => {
        if (released) return;
        released = true;
        const left = (this.streams.get(scope) ?? 1) - 1;
        if (left <= 0) this.streams.delete(scope);
        else this.streams.set(scope, left);
        const used = (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
        if (this.tokens && used > 0) void this.tokens.penalty(scope, used).catch(() => undefined);
      },
    };
  }

  private refusal(limit: LimitName, error: unknown, what: string, policy: string): ParleyError {
    if (!(error instanceof RateLimiterRes)) return new ParleyError('internal', 'The rate limiter is unavailable; retry shortly.', { cause: error });
    return this.limited(limit, error.msBeforeNext, what, policy);
  }

  private limited(limit: LimitName, msLeft: number, what: string, policy: string): ParleyError {
    this.onRefusal?.(limit);
    const retryAfterMs = Math.max(1_000, msLeft);
    const headers = { 'ratelimit-policy': policy, ratelimit: `"${limit}";r=0;t=${Math.ceil(retryAfterMs / 1000)}` };
    return new ParleyError('rate_limited', `Rate limit reached: ${what}. Retry in ${Math.ceil(retryAfterMs / 1000)} s.`, { retryAfterMs, headers });
  }
}
