// Refused credentials per client: after `perMinute` refusals in a minute, that client gets 429 without its
// credential being checked until the minute is over. Keys are 190-bit, so this is not about guessing them;
// it stops one client from making Parley hash and audit an endless stream of bad credentials.

import { ParleyError } from '../domain/index.js';

/** Clients tracked at most; beyond it expired windows are swept, then the oldest are forgotten. */
const MAX_TRACKED = 100_000;
const WINDOW_MS = 60_000;

interface Window {
  count: number;
  resetAt: number;
}

export class FailedAuthLimit {
  private readonly windows = new Map<string, Window>();
  private readonly policy: string;

  /** `perMinute` 0 turns the limit off. `client` is an opaque key (the HTTP layer passes the address, IPv6 cut to /64). */
  constructor(
    private readonly perMinute: number,
    private readonly onRefusal?: () => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.policy = `"failed_auth";q=${perMinute};w=60`;
  }

  /** True while some client has refusals on record; when false, no request needs a `check`. */
  get tracking(): boolean {
    return this.windows.size > 0;
  }

  /** Throws a 429 (with Retry-After) when the client used up its refusals for this minute. */
  check(client: string): void {
    const window = this.windows.get(client);
    if (window === undefined) return;
    const now = this.clock();
    if (now >= window.resetAt) {
      this.windows.delete(client);
      return;
    }
    if (window.count < this.perMinute) return;
    this.onRefusal?.();
    const seconds = Math.max(1, Math.ceil((window.resetAt - now) / 1000));
    throw new ParleyError(
      'rate_limited',
      `Too many refused credentials from this client (limit ${this.perMinute} per minute). Retry in ${seconds} s with a valid key.`,
      { retryAfterMs: seconds * 1000, headers: { 'ratelimit-policy': this.policy, ratelimit: `"failed_auth";r=0;t=${seconds}` } },
    );
  }

  /** Counts one refused credential of the client. */
  noteFailure(client: string): void {
    if (this.perMinute === 0) return;
    const now = this.clock();
    let window = this.windows.get(client);
    if (window === undefined || now >= window.resetAt) {
      window = { count: 0, resetAt: now + WINDOW_MS };
      this.windows.delete(client); // re-inserted last: Map order is then oldest window first
      this.windows.set(client, window);
      if (this.windows.size > MAX_TRACKED) this.forgetOldest(now);
    }
    window.count += 1;
  }

  private forgetOldest(now: number): void {
    for (const [client, window] of this.windows) if (now >= window.resetAt) this.windows.delete(client);
    for (const client of this.windows.keys()) {
      if (this.windows.size <= MAX_TRACKED) break;
      this.windows.delete(client);
    }
  }
}
