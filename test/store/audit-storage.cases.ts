// One conformance suite for AuditStorage, run against every backend (file, PostgreSQL), with the chain rules on top.

import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditEventInput } from '../../src/audit/audit-event.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { queryAudit } from '../../src/audit/query.js';
import { AuditSpool } from '../../src/audit/spool.js';
import { verifyAuditStorage } from '../../src/audit/verify.js';
import type { AuditStorage } from '../../src/store/audit-storage.js';

/** Edits the stored trail behind Parley's back, as an attacker with write access would. Positions are 1-based seqs. */
export interface Tamper {
  edit(position: number, change: (line: string) => string): Promise<void>;
  remove(position: number): Promise<void>;
  swap(a: number, b: number): Promise<void>;
  /** Inserts a copy of line `position - 1` before `position` (renumbering what follows, where rows have numbers). */
  insertCopy(position: number): Promise<void>;
}

export interface AuditStorageHarness {
  fresh(): Promise<{ open(): Promise<AuditStorage>; tamper: Tamper; cleanup(): Promise<void> }>;
}

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const event = (i: number, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  requestId: `r${i}`,
  principalId: `key_${i % 2}`,
  action: i % 3 === 0 ? 'key.created' : 'session.created',
  outcome: 'success',
  ...extra,
});

/** A storage whose appends fail while `down` is set, as a remote store that went away would. */
function flaky(storage: AuditStorage): AuditStorage & { down: boolean } {
  return {
    down: false,
    backend: storage.backend,
    unit: storage.unit,
    open: () => storage.open(),
    append(build) {
      return this.down ? Promise.reject(new Error('store away')) : storage.append(build);
    },
    lines: () => storage.lines(),
    close: () => storage.close(),
  };
}

export function auditStorageConformance(backend: string, harness: AuditStorageHarness): void {
  describe(`AuditStorage conformance: ${backend}`, () => {
    const withTrail = async (
      test: (t: Awaited<ReturnType<AuditStorageHarness['fresh']>>) => Promise<void>,
    ): Promise<void> => {
      const trail = await harness.fresh();
      try {
        await test(trail);
      } finally {
        await trail.cleanup();
      }
    };

    async function write(open: () => Promise<AuditStorage>, from: number, to: number): Promise<void> {
      const log = createAuditLog({
        storage: await open(),
        signingKey: privateKey,
        checkpointEvery: 3,
        commitDelayMs: 0,
      });
      for (let i = from; i <= to; i++) log.append(event(i));
      await log.close();
    }

    it('keeps one chain with signed checkpoints across restarts, readable in order and searchable', () =>
      withTrail(async ({ open }) => {
        await write(open, 1, 5);
        await write(open, 6, 10);
        const storage = await open();
        expect(await verifyAuditStorage(storage, publicKey)).toMatchObject({
          ok: true,
          records: 10,
          signaturesChecked: true,
          unsignedTail: 0,
        });
        const seqs: number[] = [];
        for await (const { line } of storage.lines()) seqs.push((JSON.parse(line) as { seq: number }).seq);
        expect(seqs).toEqual(seqs.map((_, i) => i + 1));
        expect((await queryAudit(storage, { action: 'key.created', limit: 10 })).map((e) => e.requestId)).toEqual([
          'r3',
          'r6',
          'r9',
        ]);
        await storage.close();
      }));

    for (const [what, damage, first] of [
      ['edited', (t: Tamper) => t.edit(4, (l) => l.replace('"time":"20', '"time":"19')), 4],
      // A file renumbers its lines: the line after the gap becomes line 4; a row keeps its seq.
      ['removed', (t: Tamper) => t.remove(4), backend === 'file' ? 4 : 5],
      ['reordered', (t: Tamper) => t.swap(4, 5), 4],
      ['inserted', (t: Tamper) => t.insertCopy(4), 4],
    ] as const) {
      it(`names the first ${what} ${backend === 'file' ? 'line' : 'row'}`, () =>
        withTrail(async ({ open, tamper }) => {
          await write(open, 1, 8);
          await damage(tamper);
          const result = await verifyAuditStorage(await open(), publicKey);
          expect(result).toMatchObject({ ok: false, line: first });
          expect(result.ok === false && result.reason).toContain(`${backend === 'file' ? 'line' : 'row'} ${first}`);
        }));
    }

    it('spools events while the storage is away and flushes them in order when it returns, chain intact, nothing lost', () =>
      withTrail(async ({ open }) => {
        const dir = await mkdtemp(join(tmpdir(), 'parley-spool-'));
        try {
          const storage = flaky(await open());
          const spool = await AuditSpool.open(join(dir, 'audit-spool.jsonl'), 1_000);
          const depths: number[] = [];
          const log = createAuditLog({
            storage,
            spool,
            signingKey: privateKey,
            checkpointEvery: 4,
            commitDelayMs: 0,
            retryMs: { first: 20, max: 50 },
            onSpoolDepth: (d) => depths.push(d),
          });
          log.append(event(1));
          await log.flush();
          storage.down = true;
          for (let i = 2; i <= 30; i++) log.append(event(i));
          await expect(log.flush()).rejects.toThrow('store away');
          expect(spool.depth).toBe(29);
          storage.down = false;
          await expect.poll(() => spool.depth, { timeout: 5_000 }).toBe(0);
          await log.close();
          const reader = await open();
          expect(await verifyAuditStorage(reader, publicKey)).toMatchObject({ ok: true, records: 30 });
          expect((await queryAudit(reader, { limit: 100 })).map((e) => e.requestId)).toEqual(
            Array.from({ length: 30 }, (_, i) => `r${i + 1}`),
          );
          expect(Math.max(...depths)).toBe(29);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }));

    it('keeps what the spool cannot hold in memory, in order, and never drops it silently', () =>
      withTrail(async ({ open }) => {
        const dir = await mkdtemp(join(tmpdir(), 'parley-spool-'));
        try {
          const storage = flaky(await open());
          const spool = await AuditSpool.open(join(dir, 'audit-spool.jsonl'), 5);
          const log = createAuditLog({
            storage,
            spool,
            commitDelayMs: 0,
            maxQueue: 3,
            retryMs: { first: 20, max: 50 },
          });
          storage.down = true;
          for (let i = 1; i <= 10; i++) log.append(event(i));
          await log.flush().catch(() => undefined);
          for (let i = 11; i <= 12; i++) log.append(event(i));
          storage.down = false;
          await log.flush().catch(() => undefined);
          await expect.poll(() => spool.depth, { timeout: 5_000 }).toBe(0);
          await log.close();
          const events = await queryAudit(await open(), { limit: 100 });
          const kept = events.filter((e) => e.action !== 'audit.overflow').map((e) => Number(e.requestId.slice(1)));
          expect(kept).toEqual([...kept].sort((a, b) => a - b));
          const overflow = events.find((e) => e.action === 'audit.overflow');
          expect(kept.length + Number(overflow?.details?.dropped ?? 0)).toBe(12);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }));
  });
}
