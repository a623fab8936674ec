// Runs the AuditStorage conformance suite against the file backend and PostgreSQL (own database, one schema per test).

import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileAuditStorage } from '../../src/store/file/audit-file-storage.js';
import type { PostgresDatabase } from '../../src/store/postgres/database.js';
import { PostgresAuditStorage } from '../../src/store/postgres/audit-storage.js';
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
    const asAttacker = (sql: string, params: unknown[] = []) => database.sql(`SET session_replication_role = replica; ${sql}; SET session_replication_role = origin;`.replace(/\$(\d)/g, (_, n) => String(params[Number(n) - 1])));
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
        swap: (a, b) => asAttacker(`UPDATE ${t} x SET line = y.line FROM ${t} y WHERE (x.seq, y.seq) IN ((${a}, ${b}), (${b}, ${a}))`).then(() => undefined),
        insertCopy: (p) =>
          asAttacker(`UPDATE ${t} SET seq = seq + 1000000 WHERE seq >= ${p}; UPDATE ${t} SET seq = seq - 999999 WHERE seq > 1000000; INSERT INTO ${t} (seq, type, line, line_hash, time, since_checkpoint) SELECT ${p}, type, line, line_hash, time, since_checkpoint FROM ${t} WHERE seq = ${p - 1}`).then(() => undefined),
      },
      async cleanup() {
        await Promise.all(pools.map((p) => p.close()));
      },
    };
  },
});
