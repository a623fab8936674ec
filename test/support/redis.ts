// Redis for tests: the shared server (own random key prefix per test, cleaned up) and private servers to stop and
// start.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisConnection } from '../../src/store/redis/connection.js';
import { freePort } from './ports.js';

export { freePort };

/** The Redis the test command starts (override with PARLEY_TEST_REDIS_URL). */
export const REDIS_URL = process.env.PARLEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A fresh key prefix, so tests never see each other's keys. */
export function randomPrefix(): string {
  return `parley-test:${randomBytes(6).toString('hex')}:`;
}

/** Every key under `prefix` (SCAN, never KEYS). */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix`. */
export async function cleanPrefix(url: string, prefix: string): Promise<void> {
  const keys = await keysUnder(url, prefix);
  if (keys.length === 0) return;
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  } finally {
    client.disconnect();
  }
}

/**
 * Every key and value under `prefix` as one text (strings, hashes, lists, sets, sorted sets and streams), read as
 * bytes and decoded with `encoding` (`latin1` keeps binary values byte for byte), for tests of what Redis holds.
 */
export async function dumpUnder(url: string, prefix: string, encoding: BufferEncoding = 'utf8'): Promise<string> {
  const raw = new Redis(url);
  try {
    const parts: string[] = [];
    const text = (b: Buffer | null) => b?.toString(encoding) ?? '';
    for (const key of await keysUnder(url, prefix)) {
      parts.push(key);
      const type = await raw.type(key);
      if (type === 'string') parts.push(text(await raw.getBuffer(key)));
      else if (type === 'hash')
        parts.push(...Object.entries(await raw.hgetallBuffer(key)).flatMap(([k, v]) => [k, text(v)]));
      else if (type === 'list') parts.push(...(await raw.lrangeBuffer(key, 0, -1)).map(text));
      else if (type === 'set') parts.push(...(await raw.smembersBuffer(key)).map(text));
      else if (type === 'zset') parts.push(...(await raw.zrangeBuffer(key, 0, -1)).map(text));
      else if (type === 'stream')
        parts.push(...(await raw.xrangeBuffer(key, '-', '+')).flatMap(([, fields]) => fields.map(text)));
      // Gone since it was listed (a coalescing lead's lock ends with its request): it holds nothing at rest.
      else if (type === 'none') parts.pop();
      else throw new Error(`unexpected ${type} key ${key}`);
    }
    return parts.join('\n');
  } finally {
    raw.disconnect();
  }
}

/** A connected RedisConnection on `url` with `prefix` (closed by the caller). */
export async function connect(prefix: string, url = REDIS_URL, commandTimeoutMs = 2_000): Promise<RedisConnection> {
  const redis = new RedisConnection({ url, keyPrefix: prefix, commandTimeoutMs, maxBackoffMs: 200 });
  if (!(await redis.waitUntilReady(10_000)))
    throw new Error(`Redis at ${url} is not reachable; the test command starts it`);
  return redis;
}

/** A private redis-server that a test stops and starts (no persistence). */
export interface PrivateRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `redis-server` on a free port and waits until it answers PING. */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    probe.on('error', () => undefined); // refused until the server listens
    try {
      for (let i = 0; i < 200; i++) {
        try {
          await probe.connect();
          if ((await probe.ping()) === 'PONG') return;
        } catch {
          probe.disconnect();
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      throw new Error(`redis-server on port ${port} did not answer`);
    } finally {
      probe.disconnect();
    }
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { port, url, start, stop };
}
