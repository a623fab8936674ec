// Migrations that survive a rolling upgrade and a rollback: every shipped migration is additive (expand) unless it
// declares itself a contract; this release runs on a schema a newer release expanded; and it refuses, by name, a
// schema a newer release contracted past what it knows, instead of failing later on a missing column.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { verifyAuditStorage } from '../../src/audit/verify.js';
import { openDurableState } from '../../src/compose/durable-state.js';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { loadMigrations, migrate, SchemaTooNewError } from '../../src/store/postgres/migrate.js';
import { createTestDatabase, randomSchema, type TestDatabase } from '../support/postgres.js';

const run = promisify(execFile);
let database: TestDatabase;
let dir: string;
const schema = randomSchema();

beforeAll(async () => {
  database = await createTestDatabase('parley_migrations');
  dir = await mkdtemp(join(tmpdir(), 'parley-migrations-'));
});

afterAll(async () => {
  await database?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** Statements an expand migration must not contain: each breaks the release before it while both run. */
const CONTRACTING = [
  /\bDROP\s+(TABLE|COLUMN|INDEX|VIEW|SCHEMA|TYPE)\b/i,
  /\bALTER\s+TABLE\b[^;]*\bDROP\b(?!\s+(DEFAULT|TRIGGER))/i,
  /\bRENAME\b/i,
  /\bALTER\s+COLUMN\b[^;]*\b(TYPE|SET\s+NOT\s+NULL)\b/i,
  /\bADD\s+COLUMN\b(?![^;,]*\bDEFAULT\b)[^;,]*\bNOT\s+NULL\b/i, // a NOT NULL column without a default: the older release's INSERTs fail
];

describe('schema migrations across a rolling upgrade', { timeout: 300_000 }, () => {
  it('are numbered without gaps, and every one without a compatible-from marker is additive', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    for (const m of migrations.filter((x) => x.compatibleFrom === undefined)) {
      const sql = m.sql.replace(/--[^\n]*/g, ''); // comments may name what is forbidden
      for (const rule of CONTRACTING)
        expect(
          rule.test(sql),
          `${m.version}-${m.name} contracts the schema (${rule.source}); mark it "-- ` +
            `parley:compatible-from NNN" and release it only after every replica runs NNN`,
        ).toBe(false);
    }
    // The rules bite: a drop, a rename and a NOT NULL column without a default are each caught.
    for (const bad of [
      'ALTER TABLE api_keys DROP COLUMN owner;',
      'ALTER TABLE api_keys RENAME COLUMN owner TO principal;',
      'ALTER TABLE api_keys ADD COLUMN tenant text NOT NULL;',
    ]) {
      expect(
        CONTRACTING.some((rule) => rule.test(bad)),
        bad,
      ).toBe(true);
    }
    expect(
      CONTRACTING.some((rule) => rule.test("ALTER TABLE api_keys ADD COLUMN tenant text NOT NULL DEFAULT 'default';")),
    ).toBe(false);
  });

  it('run on a schema that a newer release expanded (unknown version, new column): keys and the audit chain keep working', async () => {
    const first = await migrate({ url: database.url, schema });
    const known = Math.max(...(await loadMigrations()).map((m) => m.version));
    expect(first.version).toBe(known);
    // What release N+1 would do in an expand migration: a new nullable column on each table, a new table.
    await database.sql(`ALTER TABLE ${schema}.api_keys ADD COLUMN tenant text; ALTER TABLE ${schema}.audit_log ADD COLUMN region text DEFAULT 'eu';
      CREATE TABLE ${schema}.future_quotas (id text PRIMARY KEY);
      INSERT INTO ${schema}.schema_migrations (version, name, compatible_from) VALUES (${known + 1}, 'future-expand', NULL)`);
    const again = await migrate({ url: database.url, schema });
    expect(again).toMatchObject({ applied: [], version: known + 1, unknown: [known + 1] });

    const env = { PARLEY_DB: database.url };
    const config = parseConfig(
      `dataDir: ${JSON.stringify(join(dir, 'data'))}\naudit: { checkpointEvery: 2 }\nstate:\n  ` +
        `postgres: { url: env:PARLEY_DB, schema: ${schema} }\n`,
      'test',
      env,
    );
    const durable = await openDurableState(config, { secrets: createSecretResolver({ env }), mode: 'cli' });
    try {
      const issued = await durable.keyStore.create({ name: 'during-rollout', role: 'user' });
      await durable.keyStore.reload();
      expect(durable.keyStore.findByHash(createHash('sha256').update(issued.secret).digest('hex'))?.id).toBe(
        issued.record.id,
      );
      for (let i = 0; i < 5; i++)
        durable.audit.append({
          requestId: `r${i}`,
          principalId: issued.record.id,
          action: 'auth.success',
          outcome: 'success',
        });
      await durable.audit.flush();
      expect(await verifyAuditStorage(durable.auditStorage)).toMatchObject({ ok: true, records: 5 });
    } finally {
      await durable.close();
    }
  });

  it('refuses, by name, a schema a newer release contracted past what this release knows, in the runner and in `parley state migrate`', async () => {
    const known = Math.max(...(await loadMigrations()).map((m) => m.version));
    // A contract that still admits this release (compatible from a version it knows) is run on.
    await database.sql(
      `INSERT INTO ${schema}.schema_migrations (version, name, compatible_from) VALUES ` +
        `(${known + 2}, 'future-contract-old', ${known})`,
    );
    expect((await migrate({ url: database.url, schema })).unknown).toEqual([known + 1, known + 2]);
    // One that needs release N+3 is refused.
    await database.sql(
      `INSERT INTO ${schema}.schema_migrations (version, name, compatible_from) VALUES ` +
        `(${known + 3}, 'future-contract', ${known + 3})`,
    );
    const refused = await migrate({ url: database.url, schema }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(SchemaTooNewError);
    expect((refused as Error).message).toBe(
      `PostgreSQL schema ${schema} is at version ${known + 3}, migrated by a newer Parley, and ` +
        `since migration ${known + 3} it works only with releases that know migration ${known + 3} ` +
        `or later; this release knows up to ${known}. Run the newer release, or restore the backup ` +
        `taken before migration ${known + 3} (docs/deployment.md, "Upgrades and rollback")`,
    );

    const configFile = join(dir, 'parley.yaml');
    await writeFile(
      configFile,
      `dataDir: ${JSON.stringify(join(dir, 'data'))}\nstate:\n  postgres: { url: env:PARLEY_DB, schema: ${schema} }\n`,
    );
    const cli = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'state', 'migrate', '--config', configFile],
      { env: { ...process.env, PARLEY_DB: database.url }, timeout: 120_000 },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(
      `this release knows up to ${known}. Run the newer release, or restore the backup taken ` +
        `before migration ${known + 3}`,
    );
  });
});
