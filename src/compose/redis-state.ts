// The Redis backends of the ephemeral state, with their connection, sealer, log lines and fail mode.

import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error.js';
import type { SecretResolver } from '../config/secrets.js';
import type { ParleyConfig } from '../config/types.js';
import type { StoreMetrics } from '../observability/store-metrics.js';
import { LeasedAdmissions } from '../security/leased-admissions.js';
import type { RateLimitFailover } from '../security/rate-limits.js';
import { DegradingCache } from '../store/degrading-cache.js';
import { MemoryRateLimitStore } from '../store/memory/rate-limit-store.js';
import { RedisCacheStore } from '../store/redis/cache-store.js';
import { RedisChangeNotices } from '../store/redis/change-notices.js';
import { RedisCoalescingBus } from '../store/redis/coalescing-bus.js';
import { RedisConnection } from '../store/redis/connection.js';
import { RedisOneTimeTokens } from '../store/redis/one-time-tokens.js';
import { RedisRateLimitStore } from '../store/redis/rate-limit-store.js';
import { RedisSessionStore } from '../store/redis/session-store.js';
import { parseStateKey, Sealer } from '../store/sealing.js';
import type { EphemeralState } from './ephemeral-state.js';

/** How long start-up waits for Redis before serving anyway (not ready, retrying in the background). */
const startWaitMs = (commandTimeoutMs: number): number => Math.min(5_000, Math.max(1_000, commandTimeoutMs * 5));
const REDIS_ROLE = 'sessions, cache, rate limits, login links, change notices';

/** Connects to `state.redis` (refusing it off loopback without an encryption key) and builds every Redis backend. */
export async function buildRedisState(
  config: ParleyConfig,
  secrets: SecretResolver,
  logger: Logger,
  storeMetrics: StoreMetrics,
): Promise<EphemeralState> {
  if (!config.state.redis) throw new Error('buildRedisState needs state.redis');
  const url = await secrets.resolve(config.state.redis.url);
  const sealer = await buildSealer(config, secrets, url, logger);
  const redis = await connectRedis(config, secrets, url, logger, storeMetrics);
  const notices = new RedisChangeNotices(redis);
  const rateLimits = new LeasedAdmissions(new RedisRateLimitStore(redis), { reachable: () => redis.isReady() });
  return {
    backend: 'redis',
    sessions: new RedisSessionStore(redis, { idleTtlMs: config.sessions.idleTtlMs, sealer }),
    cache: new DegradingCache(new RedisCacheStore(redis, { maxEntries: config.cache.maxEntries, sealer })),
    rateLimits,
    rateLimitFailover: rateLimitFailover(config.state.rateLimitFailMode, logger, storeMetrics),
    oneTimeTokens: new RedisOneTimeTokens(redis),
    notices,
    coalescing: new RedisCoalescingBus(redis, sealer),
    isReady: () => redis.isReady(),
    close: async () => {
      await rateLimits.close().catch(() => undefined); // charges not sent are lost with a store that is away
      await notices.close();
      await redis.close();
    },
  };
}

/** Opens the Redis connection, logging every loss and return of it; waits briefly for the first connection. */
async function connectRedis(
  config: ParleyConfig,
  secrets: SecretResolver,
  url: string,
  logger: Logger,
  storeMetrics: StoreMetrics,
): Promise<RedisConnection> {
  const redisConfig = config.state.redis!;
  const tls = redisConfig.tls;
  let wasDown = false;
  const redis = new RedisConnection({
    url,
    keyPrefix: redisConfig.keyPrefix,
    commandTimeoutMs: redisConfig.commandTimeoutMs,
    ...(tls
      ? {
          tls: { rejectUnauthorized: tls.rejectUnauthorized, ...(tls.ca ? { ca: await secrets.resolve(tls.ca) } : {}) },
        }
      : {}),
    observer: {
      observe: storeMetrics.observe,
      status: (backend, up, reason) => {
        storeMetrics.status?.(backend, up);
        if (up) {
          if (wasDown) logger.warn({ store: 'redis' }, `Redis (${REDIS_ROLE}) is reachable again`);
          else logger.info({ store: 'redis' }, 'Redis connected');
        } else {
          logger.error(
            { store: 'redis', reason },
            `Redis (${REDIS_ROLE}) is unreachable: sessions answer 503, the cache misses, rate limits ` +
              `fail ${config.state.rateLimitFailMode}, /readyz is 503`,
          );
        }
        wasDown = !up;
      },
    },
  });
  storeMetrics.status?.('redis', false);
  const waitMs = startWaitMs(redisConfig.commandTimeoutMs);
  if (!(await redis.waitUntilReady(waitMs))) {
    logger.error(
      { store: 'redis', waitedMs: waitMs },
      'Redis is not reachable yet: serving with /readyz 503 while reconnecting in the background',
    );
  }
  return redis;
}

/** What rate limits do while Redis fails, with the metric and the log line of each change. */
function rateLimitFailover(mode: 'closed' | 'open', logger: Logger, storeMetrics: StoreMetrics): RateLimitFailover {
  return {
    mode,
    local: new MemoryRateLimitStore(),
    onChange: (degraded, reason) => {
      storeMetrics.setRateLimitDegraded(mode, degraded);
      if (!degraded) logger.warn({ store: 'redis', failMode: mode }, 'rate limits are shared through Redis again');
      else if (mode === 'open')
        logger.error(
          { store: 'redis', failMode: mode, reason },
          'rate limits fall back to per-replica limits while Redis is unreachable (state.rateLimitFailMode: open)',
        );
      else
        logger.error(
          { store: 'redis', failMode: mode, reason },
          'rate-limited requests are refused with 503 while Redis is unreachable (state.rateLimitFailMode: closed)',
        );
    },
  };
}

/** The sealer of `state.encryptionKey` (+ previous keys); without a key, refused unless Redis is on loopback. */
async function buildSealer(
  config: ParleyConfig,
  secrets: SecretResolver,
  url: string,
  logger: Logger,
): Promise<Sealer> {
  const { encryptionKey, previousEncryptionKeys } = config.state;
  const parse = async (ref: string, path: string): Promise<Buffer> => {
    try {
      return parseStateKey(await secrets.resolve(ref));
    } catch (error) {
      throw new ConfigError('state', [
        `${path}: ${error instanceof Error ? error.message : String(error)} — set it to a ` +
          `reference to 32 random bytes (openssl rand -base64 32)`,
      ]);
    }
  };
  const previous = await Promise.all(
    previousEncryptionKeys.map((ref, i) => parse(ref, `state.previousEncryptionKeys[${i}]`)),
  );
  if (encryptionKey) return new Sealer(await parse(encryptionKey, 'state.encryptionKey'), previous);
  const host = redisHost(url);
  if (!isLoopback(host)) {
    throw new ConfigError('state', [
      `state.encryptionKey: required because state.redis points off this machine (host ${host}), ` +
        `where conversation content would sit in Redis unencrypted — set state.encryptionKey: ` +
        `"env:PARLEY_STATE_KEY" with 32 random bytes (openssl rand -base64 32)`,
    ]);
  }
  logger.warn(
    { store: 'redis', host },
    'WARNING: state.encryptionKey is not set, so conversation content is stored in Redis ' +
      'UNENCRYPTED. Allowed only because Redis is on loopback; set state.encryptionKey before any other use.',
  );
  return new Sealer(undefined, previous);
}

function redisHost(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '') || 'localhost';
  } catch {
    throw new ConfigError('state', [
      'state.redis.url: the referenced value is not a URL — use redis://HOST:PORT or rediss://HOST:PORT',
    ]);
  }
}

/** True for localhost, 127.0.0.0/8 and ::1. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
