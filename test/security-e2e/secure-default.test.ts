// Attacks issue 3 point 1 (secure default): one first-start admin key, one-time login link, no anonymous access off
// loopback.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { isWellFormedApiKey } from '../../src/security/api-key-format.js';
import { startSecStack, type SecStack } from './harness.js';

const stacks: SecStack[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const s of stacks) await s.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('first start', () => {
  it('creates one admin key on a fresh data dir, returns it once, never logs it; a restart creates none', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'parley-first-'));
    dirs.push(dataDir);
    const first = await startSecStack({ dataDir });
    stacks.push(first);
    const issued = first.parley.firstStart;
    expect(issued).toBeDefined();
    expect(isWellFormedApiKey(issued!.adminKey)).toBe(true);
    expect(issued!.loginUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#login=[A-Za-z0-9_-]{20,}$/);
    const keys = await first.call('GET', '/v1/admin/keys', { key: issued!.adminKey });
    expect(keys.status).toBe(200);
    expect(keys.json.data).toHaveLength(1);
    expect(keys.json.data[0]).toMatchObject({ role: 'admin', state: 'active' });
    expect(keys.text).not.toContain(issued!.adminKey);
    // Nothing answers without it.
    expect((await first.call('GET', '/v1/models')).status).toBe(401);
    expect(
      (
        await first.call('POST', '/v1/chat/completions', {
          body: { model: 'chat', messages: [{ role: 'user', content: 'hi' }] },
        })
      ).status,
    ).toBe(401);
    await first.shutdown();
    expect(first.logText()).not.toContain(issued!.adminKey);
    expect(first.logText()).not.toContain(issued!.loginUrl.split('#login=')[1]);

    const second = await startSecStack({ dataDir });
    stacks.push(second);
    expect(second.parley.firstStart).toBeUndefined();
    const again = await second.call('GET', '/v1/admin/keys', { key: issued!.adminKey });
    expect(again.status).toBe(200);
    expect(again.json.data).toHaveLength(1);
  });

  it('the one-time login link works exactly once', async () => {
    const s = await startSecStack();
    stacks.push(s);
    const token = s.parley.firstStart!.loginUrl.split('#login=')[1];
    const exchanged = await s.call('POST', '/v1/auth/exchange', { body: { token } });
    expect(exchanged.status).toBe(200);
    expect(isWellFormedApiKey(exchanged.json.apiKey)).toBe(true);
    expect(Date.parse(exchanged.json.expiresAt) - Date.now()).toBeLessThanOrEqual(12 * 3_600_000);
    expect((await s.call('GET', '/v1/admin/keys', { key: exchanged.json.apiKey })).status).toBe(200);

    const replay = await s.call('POST', '/v1/auth/exchange', { body: { token } });
    expect(replay.status).toBe(401);
    expect(replay.text).not.toContain(token);
    const guess = await s.call('POST', '/v1/auth/exchange', { body: { token: 'A'.repeat(32) } });
    expect(guess.status).toBe(401);
    const audit = await s.call('GET', '/v1/audit?action=auth.failure', { key: s.adminKey });
    expect(
      audit.json.data.filter((e: { details?: { reason?: string } }) => e.details?.reason === 'login-link'),
    ).toHaveLength(2);
  });
});

describe('anonymous mode', () => {
  const yaml = (host: string) => `server: { host: ${host}, port: 0 }\nauth: { anonymous: true }\n`;

  it.each(['0.0.0.0', '::', '192.168.1.10'])('is refused with server.host %s, naming auth.anonymous', (host) => {
    let error: unknown;
    try {
      parseConfig(yaml(host.includes(':') ? `"${host}"` : host), 'test', {});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toContain('auth.anonymous');
    expect(String((error as Error).message)).toMatch(/non-loopback/);
  });

  it('is refused when HOST from the environment moves a loopback file onto the network', () => {
    expect(() => parseConfig(yaml('127.0.0.1'), 'test', { HOST: '0.0.0.0' })).toThrow(/auth\.anonymous/);
  });

  it('is accepted on loopback (development only)', () => {
    expect(parseConfig(yaml('127.0.0.1'), 'test', {}).auth.anonymous).toBe(true);
  });
});
