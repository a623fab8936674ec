// Per-principal rate limits (requests/min, tokens/min, concurrent answers) with IETF RateLimit headers.

import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ParleyError, type Principal, type Usage } from '../domain/index.js';

export type LimitName = 'requests' | 'tokens' | 'streams';

export interface RateLimitSettings {
  requestsPerMinute: number;
  tokensPerMinute: number;
  concurrentStreams: number;
}

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

  constructor(
    private readonly settings: RateLimitSettings,
    factory: LimiterFactory = memoryLimiterFactory,
    private readonly onRefusal?: (limit: LimitName) => void,
  ) {
    if (settings.requestsPerMinute > 0) this.requests = factory('requests', settings.requestsPerMinute, 60);
    if (settings.tokensPerMinute > 0) this.tokens = factory('tokens', settings.tokensPerMinute, 60);
    this.requestPolicy = `"requests";q=${settings.requestsPerMinute};w=60`;
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
    this.onRefusal?.(limit);
    const retryAfterMs = Math.max(1_000, error.msBeforeNext);
    const headers = { 'ratelimit-policy': policy, ratelimit: `"${limit}";r=0;t=${Math.ceil(retryAfterMs / 1000)}` };
    return new ParleyError('rate_limited', `Rate limit reached: ${what}. Retry in ${Math.ceil(retryAfterMs / 1000)} s.`, { retryAfterMs, headers });
  }
}
