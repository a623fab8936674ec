import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { queryAudit } from '../../src/audit/query.js';
import { auditFileReader } from '../../src/compose/audit-file.js';
import { keysCommand } from '../../src/cli/keys-command.js';
import { isWellFormedApiKey } from '../../src/security/api-key-format.js';
import { createAuthenticator } from '../../src/security/authenticator.js';
import { FileKeyStore } from '../../src/compose/file-key-store.js';
import { FileAuditStorage } from '../../src/store/file/audit-file-storage.js';

let dataDir: string;
let now = Date.parse('2026-02-01T00:00:00Z');
let stdout: string[];
let stderr: string[];

const run = (...args: string[]) =>
  keysCommand(args, { dataDir, clock: () => now, stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) });

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-keys-cli-'));
  stdout = [];
  stderr = [];
  now = Date.parse('2026-02-01T00:00:00Z');
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('parley keys', () => {
  it('creates a key, prints its secret once, and the secret authenticates', async () => {
    expect(await run('create', '--name', 'ci', '--role', 'user', '--expires-in', '30d')).toBe(0);
    const secret = stdout.join('\n').split('\n').at(-1) ?? '';
    expect(isWellFormedApiKey(secret)).toBe(true);
    expect(stdout.join('\n')).toContain('expires 2026-03-03T00:00:00.000Z');
    const store = await FileKeyStore.open({ dataDir });
    await expect(
      createAuthenticator({ keyStore: store, clock: () => now }).authenticate(`Bearer ${secret}`),
    ).resolves.toMatchObject({ role: 'user' });
    await store.close();

    stdout = [];
    expect(await run('list')).toBe(0);
    expect(stdout.join('\n')).toMatch(/ID\s+NAME\s+ROLE/);
    expect(stdout.join('\n')).toContain('ci');
    expect(stdout.join('\n')).not.toContain(secret);
    stdout = [];
    expect(await run('list', '--json')).toBe(0);
    expect(stdout.join('')).not.toContain(secret);
    expect(stdout.join('')).not.toContain('hash');
    expect(JSON.parse(stdout.join(''))).toEqual([
      expect.objectContaining({ name: 'ci', role: 'user', state: 'active' }),
    ]);
    expect(await readFile(join(dataDir, 'keys.json'), 'utf8')).not.toContain(secret);
  });

  it('rotates with a grace period and revokes, recording audit events', async () => {
    const audit = createAuditLog({ storage: new FileAuditStorage(join(dataDir, 'audit.jsonl')), clock: () => now });
    const runAudited = (...args: string[]) =>
      keysCommand(args, {
        dataDir,
        clock: () => now,
        audit,
        stdout: (t) => stdout.push(t),
        stderr: (t) => stderr.push(t),
      });
    expect(await runAudited('create', '--name', 'svc', '--role', 'admin', '--json')).toBe(0);
    const created = JSON.parse(stdout.pop() ?? '') as { id: string; secret: string };
    expect(await runAudited('rotate', created.id, '--grace', '1h', '--json')).toBe(0);
    const rotated = JSON.parse(stdout.pop() ?? '') as {
      id: string;
      secret: string;
      previous: { state: string; graceUntil: string };
    };
    expect(rotated.secret).not.toBe(created.secret);
    expect(rotated.previous).toMatchObject({ state: 'expiring', graceUntil: '2026-02-01T01:00:00.000Z' });
    expect(await runAudited('revoke', rotated.id)).toBe(0);
    expect(stdout.pop()).toContain(`Revoked ${rotated.id}`);
    await audit.close();
    const events = await queryAudit(auditFileReader(join(dataDir, 'audit.jsonl')), { action: 'key.', limit: 10 });
    expect(events.map((e) => `${e.action} ${e.resource}`)).toEqual([
      `key.created key:${created.id}`,
      `key.rotated key:${created.id}`,
      `key.revoked key:${rotated.id}`,
    ]);
    expect(JSON.stringify(events)).not.toContain(created.secret);
  });

  it('explains usage errors with exit code 2 and failures with 1', async () => {
    expect(await run('create', '--role', 'user')).toBe(2);
    expect(stderr.pop()).toContain('needs --name');
    expect(await run('create', '--name', 'x', '--role', 'user', '--expires-in', 'soon')).toBe(1);
    expect(stderr.pop()).toContain('e.g. 90s, 15m, 24h, 30d');
    expect(await run('create', '--name', 'x', '--role', 'user', '--expires-in', '9999999999d')).toBe(1);
    expect(stderr.pop()).toContain('--expires-in may be at most 3650d');
    expect(await run('create', '--name', 'x', '--role', 'root')).toBe(1);
    expect(stderr.pop()).toContain('use one of user, auditor, admin');
    expect(await run('revoke', 'key_missing')).toBe(1);
    expect(stderr.pop()).toContain('parley keys list');
    expect(await run('frobnicate')).toBe(2);
    expect(await run('list', '--bogus')).toBe(2);
  });
});
