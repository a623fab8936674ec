// One conformance suite for KeyStorage, run against every backend (file, PostgreSQL), with the key rules on top.

import { describe, expect, it, vi } from 'vitest';
import { hashApiKey } from '../../src/security/api-key-format.js';
import { ManagedKeyStore } from '../../src/security/key-manager.js';
import { effectiveKeyState } from '../../src/security/key-store.js';
import type { KeyRecord, KeyStorage } from '../../src/store/key-storage.js';
import { MemoryChangeNotices } from '../../src/store/memory/change-notices.js';

/** Makes storages that share one backing store (two "processes" or replicas); cleanup runs after each test. */
export interface KeyStorageHarness {
  /** A fresh, empty backing store; every call to `open` of the result sees the same records. */
  fresh(): Promise<{ open(): Promise<KeyStorage>; cleanup(): Promise<void> }>;
}

const record = (id: string, extra: Partial<KeyRecord> = {}): KeyRecord => ({
  id,
  name: `name-${id}`,
  role: 'user',
  owner: id,
  hash: hashApiKey(`secret-${id}`),
  createdAt: 1_700_000_000_000 + Number(id.replace(/\D/g, '') || 0),
  state: 'active',
  ...extra,
});

export function keyStorageConformance(backend: string, harness: KeyStorageHarness): void {
  describe(`KeyStorage conformance: ${backend}`, () => {
    const withStore = async (test: (open: () => Promise<KeyStorage>) => Promise<void>): Promise<void> => {
      const store = await harness.fresh();
      try {
        await test(store.open);
      } finally {
        await store.cleanup();
      }
    };

    it('starts empty, stores every field of a record and loads them back oldest first', () =>
      withStore(async (open) => {
        const storage = await open();
        expect(storage.backend).toBe(backend);
        expect(await storage.loadAll()).toEqual([]);
        const full = record('key_2', {
          role: 'admin',
          owner: 'team',
          expiresAt: 1_800_000_000_000,
          state: 'expiring',
          graceUntil: 1_750_000_000_000,
          replacedBy: 'key_3',
          revokedAt: 1_760_000_000_000,
        });
        await storage.change(undefined, () => ({ write: [record('key_1')], result: undefined }));
        await storage.change(undefined, () => ({ write: [full], result: undefined }));
        expect(await storage.loadAll()).toEqual([record('key_1'), full]);
        await storage.close();
      }));

    it('hands the current record to a change, replaces it by id, and writes nothing when the change throws', () =>
      withStore(async (open) => {
        const storage = await open();
        await storage.change(undefined, () => ({ write: [record('key_1')], result: 0 }));
        const seen = await storage.change('key_1', (current) => ({
          write: current ? [{ ...current, name: 'renamed' }] : [],
          result: current?.name,
        }));
        expect(seen).toBe('name-key_1');
        expect((await storage.loadAll())[0].name).toBe('renamed');
        expect(await storage.change('key_nope', (current) => ({ write: [], result: current }))).toBeUndefined();
        await expect(
          storage.change('key_1', () => {
            throw new Error('refused');
          }),
        ).rejects.toThrow('refused');
        expect((await storage.loadAll()).map((r) => r.name)).toEqual(['renamed']);
        await storage.close();
      }));

    it('loses no update when two processes change the same records at once', () =>
      withStore(async (open) => {
        const [a, b] = [await open(), await open()];
        await a.change(undefined, () => ({ write: [record('key_1', { name: '' })], result: 0 }));
        const appendName = (s: KeyStorage, i: number) =>
          s.change('key_1', (c) => ({
            write: [{ ...(c as KeyRecord), name: `${(c as KeyRecord).name}${i},` }],
            result: 0,
          }));
        await Promise.all(Array.from({ length: 12 }, (_, i) => appendName(i % 2 ? a : b, i)));
        const name = (await b.loadAll())[0].name;
        expect(
          name
            .split(',')
            .filter(Boolean)
            .map(Number)
            .sort((x, y) => x - y),
        ).toEqual(Array.from({ length: 12 }, (_, i) => i));
        await a.close();
        await b.close();
      }));

    it('under the key rules: hashes only, rotation with grace, revocation seen by another replica through a change notice', () =>
      withStore(async (open) => {
        let now = 1_700_000_000_000;
        const notices = new MemoryChangeNotices();
        const a = await ManagedKeyStore.open({ storage: await open(), clock: () => now, notices });
        const b = await ManagedKeyStore.open({ storage: await open(), clock: () => now, notices });
        const issued = await a.create({ name: 'ci', role: 'user' });
        expect(JSON.stringify(await (await open()).loadAll())).not.toContain(issued.secret);
        await vi.waitFor(() => expect(b.findByHash(hashApiKey(issued.secret))?.id).toBe(issued.record.id));
        const rotated = await b.rotate(issued.record.id, 60_000);
        await vi.waitFor(() => expect(a.findByHash(hashApiKey(rotated.secret))?.id).toBe(rotated.record.id));
        const old = a.findByHash(hashApiKey(issued.secret)) as KeyRecord;
        expect(effectiveKeyState(old, now + 59_999)).toBe('expiring');
        expect(effectiveKeyState(old, now + 60_000)).toBe('expired');
        now += 1;
        await a.revoke(rotated.record.id);
        await vi.waitFor(() => expect(b.findByHash(hashApiKey(rotated.secret))?.state).toBe('revoked'));
        await expect(b.rotate(rotated.record.id, 1)).rejects.toThrow(/revoked and cannot be rotated/);
        await a.close();
        await b.close();
        await notices.close();
      }));

    it('knows a key it just created even when a read that began before the write ends after it', () =>
      withStore(async (open) => {
        const storage = await open();
        // A read held back until the change is written: what a watcher's reload or a listing under load looks like.
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const loadAll = storage.loadAll.bind(storage);
        let first = true;
        storage.loadAll = async () => {
          if (!first) return loadAll();
          first = false;
          const before = await loadAll();
          await held;
          return before;
        };
        const store = await ManagedKeyStore.open({ storage, loadNow: false });
        const stale = store.reload();
        const created = store.create({ name: 'fresh', role: 'user' });
        await new Promise((resolve) => setTimeout(resolve, 20));
        release();
        const { secret, record: key } = await created;
        await stale;
        expect(store.findByHash(hashApiKey(secret))?.id).toBe(key.id);
        await store.close();
      }));

    it('picks up changes made elsewhere by the periodic resync when no notice came', () =>
      withStore(async (open) => {
        const server = await ManagedKeyStore.open({ storage: await open(), resyncIntervalMs: 50 });
        const cli = await ManagedKeyStore.open({ storage: await open() });
        const { secret } = await cli.create({ name: 'from-cli', role: 'user' });
        await vi.waitFor(() => expect(server.findByHash(hashApiKey(secret))?.name).toBe('from-cli'), {
          timeout: 5_000,
          interval: 20,
        });
        await server.close();
        await cli.close();
      }));
  });
}
