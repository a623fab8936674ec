import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParleyError } from '../../src/domain/index.js';
import { hashApiKey } from '../../src/security/api-key-format.js';
import { writeFileAtomic } from '../../src/store/file/atomic-write.js';
import { FileKeyStore, KEYS_FILE_NAME } from '../../src/compose/file-key-store.js';
import { effectiveKeyState } from '../../src/security/key-store.js';

let dir: string;
let now = 1_700_000_000_000;
const clock = () => now;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-keys-'));
  now = 1_700_000_000_000;
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileKeyStore', () => {
  it('stores only the hash, in a 0600 file, and survives a restart', async () => {
    const store = await FileKeyStore.open({ dataDir: dir, clock });
    const { record, secret } = await store.create({ name: 'ci', role: 'user' });
    const text = await readFile(join(dir, KEYS_FILE_NAME), 'utf8');
    expect(text).not.toContain(secret);
    expect(text).toContain(hashApiKey(secret));
    expect((await stat(join(dir, KEYS_FILE_NAME))).mode & 0o777).toBe(0o600);
    expect(record).toMatchObject({ name: 'ci', role: 'user', owner: record.id, state: 'active', createdAt: now });
    await store.close();

    const reopened = await FileKeyStore.open({ dataDir: dir, clock });
    expect(reopened.findByHash(hashApiKey(secret))?.id).toBe(record.id);
    expect(JSON.stringify(await reopened.list())).not.toContain(secret);
    await reopened.close();
  });

  it('rotates: same name/role/owner, old key expiring until the grace ends', async () => {
    const store = await FileKeyStore.open({ dataDir: dir, clock });
    const first = await store.create({ name: 'svc', role: 'auditor', owner: 'team-a', expiresAt: now + 1e9 });
    const rotated = await store.rotate(first.record.id, 3_600_000);
    expect(rotated.record).toMatchObject({
      name: 'svc',
      role: 'auditor',
      owner: 'team-a',
      state: 'active',
      expiresAt: now + 1e9,
    });
    expect(rotated.secret).not.toBe(first.secret);
    expect(rotated.previous).toMatchObject({
      state: 'expiring',
      graceUntil: now + 3_600_000,
      replacedBy: rotated.record.id,
    });
    const old = store.findByHash(hashApiKey(first.secret));
    expect(old && effectiveKeyState(old, now + 3_599_999)).toBe('expiring');
    expect(old && effectiveKeyState(old, now + 3_600_000)).toBe('expired');
    await expect(store.rotate(first.record.id, 1000)).rejects.toThrow(
      /expiring and cannot be rotated; rotate its replacement/,
    );
    await store.close();
  });

  it('revokes at once, idempotently, and refuses unknown ids with a hint', async () => {
    const store = await FileKeyStore.open({ dataDir: dir, clock });
    const { record, secret } = await store.create({ name: 'x', role: 'admin' });
    await store.revoke(record.id);
    const revoked = await store.revoke(record.id);
    expect(revoked).toMatchObject({ state: 'revoked', revokedAt: now });
    expect(store.findByHash(hashApiKey(secret))?.state).toBe('revoked');
    const error = await store.revoke('key_nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('not_found');
    expect((error as ParleyError).message).toContain('parley keys list');
    await expect(store.create({ name: 'y', role: 'root' as 'user' })).rejects.toThrow('Unknown role "root"');
    await store.close();
  });

  it('updates name/role in place', async () => {
    const store = await FileKeyStore.open({ dataDir: dir, clock });
    const { record, secret } = await store.create({ name: 'x', role: 'user' });
    await store.update(record.id, { role: 'auditor', name: undefined });
    expect(store.findByHash(hashApiKey(secret))).toMatchObject({ role: 'auditor', name: 'x' });
    await store.close();
  });

  it('loses no update under concurrent writers (two processes sharing the file) and leaves no temp files', async () => {
    const a = await FileKeyStore.open({ dataDir: dir, clock });
    const b = await FileKeyStore.open({ dataDir: dir, clock });
    const issued = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).create({ name: `k${i}`, role: 'user' })),
    );
    await a.reload();
    expect((await a.list()).map((r) => r.id).sort()).toEqual(issued.map((k) => k.record.id).sort());
    expect((await readdir(dir)).sort()).toEqual([KEYS_FILE_NAME]);
    await a.close();
    await b.close();
  });

  it('never exposes a half-written file to readers', async () => {
    const store = await FileKeyStore.open({ dataDir: dir, clock });
    await store.create({ name: 'seed', role: 'user' });
    let writing = true;
    const writes = (async () => {
      for (let i = 0; i < 15; i++) await store.create({ name: `n${i}`.repeat(200), role: 'user' });
      writing = false;
    })();
    let reads = 0;
    while (writing) {
      const text = await readFile(join(dir, KEYS_FILE_NAME), 'utf8');
      expect(() => JSON.parse(text)).not.toThrow();
      reads++;
    }
    await writes;
    expect(reads).toBeGreaterThan(0);
    await store.close();
  });

  it('refuses to start on a corrupt file and does not overwrite it', async () => {
    await writeFile(join(dir, KEYS_FILE_NAME), '{"keys": [', { mode: 0o600 });
    await expect(FileKeyStore.open({ dataDir: dir })).rejects.toThrow(/not valid JSON; restore it from backup/);
    expect(await readFile(join(dir, KEYS_FILE_NAME), 'utf8')).toBe('{"keys": [');
    await writeFile(
      join(dir, KEYS_FILE_NAME),
      '{"version":1,"keys":[{"id":"key_a","role":"user","state":"active","createdAt":1}]}',
    );
    await expect(FileKeyStore.open({ dataDir: dir })).rejects.toThrow(/key #1 has no SHA-256 hex hash/);
  });

  it('picks up keys created by another process when watching', async () => {
    const server = await FileKeyStore.open({ dataDir: dir, watch: true });
    const cli = await FileKeyStore.open({ dataDir: dir });
    const { secret } = await cli.create({ name: 'from-cli', role: 'user' });
    await vi.waitFor(() => expect(server.findByHash(hashApiKey(secret))?.name).toBe('from-cli'), {
      timeout: 5000,
      interval: 20,
    });
    await server.close();
    await cli.close();
  });
});

describe('writeFileAtomic', () => {
  it('cleans up its temp file and keeps the target intact when the rename fails', async () => {
    const target = join(dir, 'target');
    await mkdir(target); // renaming a file over a directory fails
    await writeFile(join(target, 'inside'), 'keep');
    await expect(writeFileAtomic(target, 'new content')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['target']);
    expect(await readFile(join(target, 'inside'), 'utf8')).toBe('keep');
  });

  it('writes exactly the data with mode 0600', async () => {
    const target = join(dir, 'f.json');
    await writeFile(target, 'old', { mode: 0o644 });
    await writeFileAtomic(target, 'new');
    expect(await readFile(target, 'utf8')).toBe('new');
    expect((await stat(target)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['f.json']);
  });
});
