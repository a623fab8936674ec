// The key store's lock file names its holder: a SIGKILLed holder's lock is taken over at once, a live one is waited
// for.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FileLock, holderIsDead, processStart } from '../../src/store/file/file-lock.js';
import { spawnParley, type SpawnedParley } from '../../bench/reliability/spawned-parley.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'parley-lock-'));
const children: ChildProcess[] = [];

/** A separate process that takes the lock on `path` and holds it until killed; resolves once it holds it. */
async function holdLock(path: string): Promise<ChildProcess> {
  const code =
    `import { FileLock } from './src/store/file/file-lock.ts'; await new ` +
    `FileLock(${JSON.stringify(path)}).acquire(); console.log('locked'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (c) => reject(new Error(`lock holder exited with ${c}`)));
  });
  return child;
}

async function sigkill(child: ChildProcess): Promise<void> {
  const gone = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await gone;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('FileLock', () => {
  it('records pid, process start time and host', async () => {
    const path = join(dir, 'a.lock');
    const release = await new FileLock(path).acquire();
    const holder = JSON.parse(readFileSync(path, 'utf8'));
    expect(holder).toMatchObject({ pid: process.pid, host: hostname(), start: processStart(process.pid) });
    await release();
    expect(() => readFileSync(path)).toThrow();
  });

  it('takes over the lock of a SIGKILLed holder at once', async () => {
    const path = join(dir, 'b.lock');
    const holder = await holdLock(path);
    await sigkill(holder);
    const release = await new FileLock(path, { waitMs: 0 }).acquire(); // no waiting allowed: it must be taken at once
    expect(JSON.parse(readFileSync(path, 'utf8')).pid).toBe(process.pid);
    await release();
  });

  it('waits for a live holder, then refuses with 503 store_busy (never a 500)', async () => {
    const path = join(dir, 'c.lock');
    const holder = await holdLock(path);
    await expect(new FileLock(path, { waitMs: 50 }).acquire()).rejects.toMatchObject({
      code: 'store_busy',
      status: 503,
    });
    await sigkill(holder);
  });

  it('tells a reused pid from its first owner by the start time', () => {
    const base = { pid: process.pid, host: hostname(), nonce: 'n', acquiredAt: 0 };
    expect(holderIsDead({ ...base, start: processStart(process.pid) })).toBe(false);
    expect(holderIsDead({ ...base, start: '1' })).toBe(true);
    expect(holderIsDead({ ...base, start: null, host: 'another-host' })).toBe(false);
  });

  it('an old-style empty lock file still expires by age', async () => {
    const path = join(dir, 'd.lock');
    writeFileSync(path, '');
    await expect(new FileLock(path, { waitMs: 30, staleMs: 60_000 }).acquire()).rejects.toMatchObject({
      code: 'store_busy',
    });
    const release = await new FileLock(path, { waitMs: 0, staleMs: 0 }).acquire();
    await release();
  });
});

describe('POST /v1/admin/keys after a SIGKILL of the lock holder', () => {
  let parley: SpawnedParley;
  beforeAll(async () => {
    parley = await spawnParley('');
  }, 30_000);
  afterAll(async () => {
    await parley?.close();
  });

  it('succeeds at once', async () => {
    const holder = await holdLock(join(parley.dataDir, 'keys.json.lock'));
    await sigkill(holder);
    const t0 = performance.now();
    const res = await fetch(`${parley.url}/v1/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${parley.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'after-crash', role: 'user' }),
    });
    const ms = performance.now() - t0;
    expect(res.status).toBe(201);
    console.log(`POST /v1/admin/keys after SIGKILL of the lock holder: ${res.status} in ${Math.round(ms)} ms`);
  });
});
