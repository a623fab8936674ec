// Runs the AuditStorage conformance suite against the file backend and PostgreSQL (own database, one schema per test).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { queryAudit } from '../../src/audit/query.js';
import { verifyAuditStorage } from '../../src/audit/verify.js';
import { FileAuditStorage } from '../../src/store/file/audit-file-storage.js';
import type { PostgresDatabase } from '../../src/store/postgres/database.js';
import pg from 'pg';
import { guardedInsert, PostgresAuditStorage } from '../../src/store/postgres/audit-storage.js';
import { createTestDatabase, openMigrated, randomSchema, type TestDatabase } from '../support/postgres.js';
import { auditStorageConformance } from './audit-storage.cases.js';

auditStorageConformance('file', {
  async fresh() {
    const dir = await mkdtemp(join(tmpdir(), 'parley-audit-'));
    const file = join(dir, 'audit.jsonl');
    const rewrite = async (change: (lines: string[]) => void) => {
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      change(lines);
      await writeFile(file, `${lines.join('\n')}\n`);
    };
    return {
      open: async () => new FileAuditStorage(file),
      tamper: {
        edit: (p, change) => rewrite((l) => void (l[p - 1] = change(l[p - 1]))),
        remove: (p) => rewrite((l) => void l.splice(p - 1, 1)),
        swap: (a, b) => rewrite((l) => void ([l[a - 1], l[b - 1]] = [l[b - 1], l[a - 1]])),
        insertCopy: (p) => rewrite((l) => void l.splice(p - 1, 0, l[p - 2])),
      },
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  },
});

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

auditStorageConformance('postgres', {
  async fresh() {
    const schema = randomSchema();
    const pools: PostgresDatabase[] = [];
    const t = `${schema}.audit_log`;
    // The superuser bypasses the append-only trigger the way an attacker with table rights would.
    const asAttacker = (sql: string, params: unknown[] = []) =>
      database.sql(
        `SET session_replication_role = replica; ${sql}; SET session_replication_role = origin;`.replace(
          /\$(\d)/g,
          (_, n) => String(params[Number(n) - 1]),
        ),
      );
    return {
      async open() {
        const db = await openMigrated(database.url, schema);
        pools.push(db);
        return new PostgresAuditStorage(db);
      },
      tamper: {
        async edit(p, change) {
          const line = (await database.sql(`SELECT line FROM ${t} WHERE seq = $1`, [p])).rows[0].line as string;
          await database.sql('SET session_replication_role = replica');
          await database.sql(`UPDATE ${t} SET line = $1 WHERE seq = $2`, [change(line), p]);
          await database.sql('SET session_replication_role = origin');
        },
        remove: (p) => asAttacker(`DELETE FROM ${t} WHERE seq = $1`, [p]).then(() => undefined),
        swap: (a, b) =>
          asAttacker(
            `UPDATE ${t} x SET line = y.line FROM ${t} y WHERE (x.seq, y.seq) IN ((${a}, ${b}), (${b}, ${a}))`,
          ).then(() => undefined),
        insertCopy: (p) =>
          asAttacker(
            `UPDATE ${t} SET seq = seq + 1000000 WHERE seq >= ${p}; UPDATE ${t} SET seq = seq - 999999 ` +
              `WHERE seq > 1000000; INSERT INTO ${t} (seq, type, line, line_hash, time, since_checkpoint) ` +
              `SELECT ${p}, type, line, line_hash, time, since_checkpoint FROM ${t} WHERE seq = ${p - 1}`,
          ).then(() => undefined),
      },
      async cleanup() {
        await Promise.all(pools.map((p) => p.close()));
      },
    };
  },
});

describe('PostgreSQL audit appends from two replicas', () => {
  it('keep one chain when both write at once; a lone writer appends with one statement after the head it knows', async () => {
    const schema = randomSchema();
    const calls: string[] = [];
    const observer = { observe: (_backend: string, operation: string) => void calls.push(operation) };
    const [dbA, dbB] = [
      await openMigrated(database.url, schema, { observer }),
      await openMigrated(database.url, schema),
    ];
    try {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const logA = createAuditLog({
        storage: new PostgresAuditStorage(dbA),
        signingKey: privateKey,
        checkpointEvery: 5,
        commitDelayMs: 0,
      });
      const logB = createAuditLog({
        storage: new PostgresAuditStorage(dbB),
        signingKey: privateKey,
        checkpointEvery: 5,
        commitDelayMs: 0,
      });
      const event = (who: string, i: number) => ({
        requestId: `${who}${i}`,
        action: 'auth.success',
        outcome: 'success' as const,
      });
      // A alone: the first append reads the head under the lock, the next ones are one statement each.
      for (let i = 0; i < 3; i++) {
        logA.append(event('a', i));
        await logA.flush();
      }
      expect(calls).toEqual(['audit.append_locked', 'audit.append', 'audit.append']);
      // B appends, so A's head is stale: A's next statement inserts nothing and A falls back to the lock.
      logB.append(event('b', 0));
      await logB.flush();
      calls.length = 0;
      logA.append(event('a', 3));
      await logA.flush();
      expect(calls).toEqual(['audit.append', 'audit.append_locked']);
      // Both at once, many times over.
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 3; i++) {
          logA.append(event('a', 10 + round * 3 + i));
          logB.append(event('b', 10 + round * 3 + i));
        }
        await Promise.all([logA.flush(), logB.flush()]);
      }
      await Promise.all([logA.close(), logB.close()]);
      const reader = new PostgresAuditStorage(dbB);
      const events = await queryAudit(reader, { action: 'auth.success', limit: 1000 });
      expect(events).toHaveLength(4 + 1 + 120);
      expect(new Set(events.map((e) => e.requestId)).size).toBe(125);
      expect(await verifyAuditStorage(reader, publicKey)).toMatchObject({ ok: true, signaturesChecked: true });
    } finally {
      await Promise.all([dbA.close(), dbB.close()]);
    }
  });
});

describe('the one-statement PostgreSQL append', () => {
  it('decides its lock-and-head guard once for the statement, never per row (a per-row lock call could skip the first rows and insert the later ones)', async () => {
    const schema = randomSchema();
    const db = await openMigrated(database.url, schema);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const types = 'bigint[], text[], text[], text[], timestamptz[], text[], text[], text[], integer[], bigint, text';
      await client.query(`PREPARE guarded (${types}) AS ${guardedInsert(schema)}`);
      const plan = (
        await client.query(
          "EXPLAIN EXECUTE guarded ('{1,2}', '{event,event}', '{a,b}', '{h1,h2}', " +
            "'{2026-01-01,2026-01-01}', '{x,x}', '{p,p}', '{success,success}', '{1,2}', 0, 'k')",
        )
      ).rows
        .map((r: Record<string, string>) => r['QUERY PLAN'])
        .join('\n');
      expect(plan).toMatch(/One-Time Filter/);
      expect(plan).not.toMatch(/^\s*Filter: .*pg_try_advisory_xact_lock/m);
    } finally {
      await client.end();
      await db.close();
    }
  });
});

describe('file trail reading', () => {
  it('a reader that stops early leaves no read in flight on a closed descriptor (no EBADF)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-audit-early-'));
    const file = join(dir, 'audit.jsonl');
    try {
      const log = createAuditLog({ storage: new FileAuditStorage(file), commitDelayMs: 0 });
      for (let i = 0; i < 3_000; i++) log.append({ requestId: `r${i}`, action: 'auth.success', outcome: 'success' });
      await log.close();
      const storage = new FileAuditStorage(file);
      const errors: unknown[] = [];
      const onError = (error: unknown) => errors.push(error);
      process.on('uncaughtException', onError);
      try {
        for (let i = 0; i < 200; i++) {
          // the file is far larger than one chunk
          for await (const { position } of storage.lines()) if (position === 1) break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50)); // late read callbacks land here
      } finally {
        process.off('uncaughtException', onError);
      }
      expect(errors).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a reader that stops early closes its descriptor once: files opened meanwhile keep theirs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-audit-fd-'));
    const file = join(dir, 'audit.jsonl');
    const other = join(dir, 'keys.json');
    try {
      const log = createAuditLog({ storage: new FileAuditStorage(file), commitDelayMs: 0 });
      for (let i = 0; i < 3_000; i++) log.append({ requestId: `r${i}`, action: 'auth.success', outcome: 'success' });
      await log.close();
      await writeFile(other, JSON.stringify({ keys: [] }));
      const storage = new FileAuditStorage(file);
      // Early stops while another file is read over and over: a second close of a descriptor number that the
      // other read has just been given makes that read fail with EBADF (what GET /v1/admin/keys met under fuzzing).
      let reading = true;
      const reads = (async () => {
        let n = 0;
        while (reading) {
          await readFile(other, 'utf8');
          n++;
        }
        return n;
      })();
      try {
        for (let i = 0; i < 300; i++) for await (const { position } of storage.lines()) if (position === 1) break;
      } finally {
        reading = false;
      }
      expect(await reads).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
