// The ephemeral-state factory: memory without `state.redis`; Redis refused off loopback without an encryption key.

import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildEphemeralState } from '../../src/compose/ephemeral-state.js';
import { isLoopback } from '../../src/compose/redis-state.js';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { MemorySessionStore } from '../../src/store/memory/session-store.js';
import { cleanPrefix, randomPrefix, REDIS_URL } from '../support/redis.js';

function build(yaml: string, env: Record<string, string>, lines: Record<string, unknown>[] = []) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = parseConfig(yaml, 'test', env);
  return buildEphemeralState(
    config,
    createSecretResolver({ env }),
    pino({ level: 'info' }, sink),
    createMetrics({ collectDefault: false }),
  );
}

describe('buildEphemeralState', () => {
  it('without a state section: the in-process stores, always ready', async () => {
    const state = await build('logging: { level: info }', {});
    expect(state.backend).toBe('memory');
    expect(state.sessions).toBeInstanceOf(MemorySessionStore);
    expect(state.rateLimitFailover).toBeUndefined();
    expect(state.isReady()).toBe(true);
    await state.close();
  });

  it('refuses Redis off loopback without state.encryptionKey, naming the key and the fix', async () => {
    const error = await build('state: { redis: { url: "env:R" } }', { R: 'redis://10.0.0.9:6379' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(
      /state\.encryptionKey: required because state\.redis points off this machine \(host 10\.0\.0\.9\).*openssl rand -base64 32/,
    );
  });

  it('refuses a malformed encryption key without showing it', async () => {
    const error = await build('state: { redis: { url: "env:R" }, encryptionKey: "env:K" }', {
      R: REDIS_URL,
      K: 'tooshort-secret',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/state\.encryptionKey: the key must be 32 bytes/);
    expect((error as Error).message).not.toContain('tooshort-secret');
  });

  it('allows Redis on loopback without a key, with a loud warning', async () => {
    const prefix = randomPrefix();
    const lines: Record<string, unknown>[] = [];
    const state = await build(`state: { redis: { url: "env:R", keyPrefix: "${prefix}" } }`, { R: REDIS_URL }, lines);
    try {
      expect(state.backend).toBe('redis');
      expect(state.isReady()).toBe(true);
      expect(lines.some((l) => l.level === 40 && /UNENCRYPTED/.test(String(l.msg)))).toBe(true);
    } finally {
      await state.close();
      await cleanPrefix(REDIS_URL, prefix);
    }
  });

  it('knows loopback hosts', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['10.0.0.1', 'redis', '::ffff:10.0.0.1', 'localhost.example.com'])
      expect(isLoopback(host)).toBe(false);
  });
});
