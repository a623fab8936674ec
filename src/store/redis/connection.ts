// One Redis connection for every Redis-backed store: timeouts, fail-fast while down, reconnect with backoff, metrics.

import { createHash } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { ParleyError } from '../../domain/index.js';
import type { StoreObserver } from '../types.js';

export interface RedisConnectionOptions {
  url: string;
  /** Prepended to every key (e.g. `parley:`). */
  keyPrefix: string;
  /** Longest wait for one command. */
  commandTimeoutMs: number;
  /** TLS towards Redis; a `rediss://` URL turns it on with defaults. */
  tls?: { ca?: string; rejectUnauthorized: boolean };
  observer?: StoreObserver;
  /** Longest pause between reconnection attempts (default 5 s). */
  maxBackoffMs?: number;
}

const BACKEND = 'redis';

/** Reconnection delay for attempt `n` (1, 2, …): doubling from 100 ms up to `max`, with ±20 % jitter. */
export function backoffMs(attempt: number, max: number): number {
  const base = Math.min(max, 100 * 2 ** Math.min(attempt - 1, 16));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * The shared Redis connection. While Redis is unreachable every call fails at once with `store_unavailable`
 * (503) instead of queueing, a call in flight gives up after `commandTimeoutMs`, and the client reconnects
 * in the background with backoff, reporting each change through `observer.status`.
 */
export class RedisConnection {
  readonly client: Redis;
  readonly prefix: string;
  private readonly observer?: StoreObserver;
  private lastReason?: string;
  private subscriberClient?: Redis;

  constructor(private readonly options: RedisConnectionOptions) {
    this.prefix = options.keyPrefix;
    this.observer = options.observer;
    this.client = new Redis(options.url, this.clientOptions());
    this.client.on('ready', () => {
      this.lastReason = undefined;
      this.observer?.status?.(BACKEND, true);
    });
    this.client.on('error', (error: Error) => {
      this.lastReason = error.message;
    });
    this.client.on('reconnecting', (delay: number) =>
      this.observer?.status?.(BACKEND, false, `${this.lastReason ?? 'connection lost'}; retrying in ${delay} ms`),
    );
  }

  /** True while commands can be sent. */
  isReady(): boolean {
    return this.client.status === 'ready';
  }

  /** Resolves once connected, or false after `timeoutMs` (start-up carries on; readiness says the rest). */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    if (this.isReady()) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', onReady);
        resolve(false);
      }, timeoutMs);
      const onReady = (): void => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', onReady);
    });
  }

  /**
   * Runs one store operation: refused at once while Redis is down, timed, counted; failures become
   * `store_unavailable`.
   */
  async run<T>(operation: string, call: (client: Redis) => Promise<T>): Promise<T> {
    const started = performance.now();
    if (!this.isReady()) {
      this.observer?.observe(BACKEND, operation, 0, false);
      throw unavailable(operation, this.lastReason ?? `connection ${this.client.status}`);
    }
    try {
      const result = await call(this.client);
      this.observer?.observe(BACKEND, operation, (performance.now() - started) / 1000, true);
      return result;
    } catch (error) {
      this.observer?.observe(BACKEND, operation, (performance.now() - started) / 1000, false);
      if (error instanceof ParleyError) throw error;
      throw unavailable(operation, error instanceof Error ? error.message : String(error), error);
    }
  }

  /** Runs a Lua script by its SHA-1, loading it on first use (EVALSHA, then EVAL on NOSCRIPT). */
  async script(operation: string, lua: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const sha = scriptSha(lua);
    return this.run(operation, async (client) => {
      try {
        return await client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(lua, keys.length, ...keys, ...args);
      }
    });
  }

  /** A second connection in subscriber mode (pub/sub), made on first use; it resubscribes after reconnecting. */
  subscriber(): Redis {
    if (!this.subscriberClient) {
      this.subscriberClient = new Redis(this.options.url, { ...this.clientOptions(), commandTimeout: undefined });
      this.subscriberClient.on('error', () => undefined); // reported through the main connection's status
    }
    return this.subscriberClient;
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    this.client.removeAllListeners('reconnecting');
    await Promise.all([this.client, this.subscriberClient].map((c) => c?.quit().catch(() => c.disconnect())));
  }

  private clientOptions(): RedisOptions {
    const { tls, commandTimeoutMs } = this.options;
    const max = this.options.maxBackoffMs ?? 5_000;
    return {
      commandTimeout: commandTimeoutMs,
      connectTimeout: Math.max(1_000, commandTimeoutMs * 2),
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      retryStrategy: (attempt) => backoffMs(attempt, max),
      ...(tls || this.options.url.startsWith('rediss:')
        ? { tls: { ...(tls?.ca ? { ca: tls.ca } : {}), rejectUnauthorized: tls?.rejectUnauthorized ?? true } }
        : {}),
    };
  }
}

/** The 503 every Redis-backed call raises while Redis is away (message safe to show: no address, no secret). */
function unavailable(operation: string, reason: string, cause?: unknown): ParleyError {
  return new ParleyError(
    'store_unavailable',
    `Shared state (Redis) is unreachable, so this request cannot be served right now ` +
      `(${operation}: ${shortReason(reason)}). Retry shortly.`,
    { retryAfterMs: 1_000, cause },
  );
}

/** The kind of failure without addresses (e.g. `ECONNREFUSED`, `Command timed out`). */
function shortReason(reason: string): string {
  if (/timed out/i.test(reason)) return 'timed out';
  const code = /\b(E[A-Z]{3,})\b/.exec(reason)?.[1];
  return code ?? (/not ready|wait|connecting|reconnecting|end|close/i.test(reason) ? 'not connected' : 'failed');
}

const shas = new Map<string, string>();
function scriptSha(lua: string): string {
  let sha = shas.get(lua);
  if (!sha) shas.set(lua, (sha = createHash('sha1').update(lua).digest('hex')));
  return sha;
}
