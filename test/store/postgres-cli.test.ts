// `parley state migrate`, `parley keys …` and `parley audit verify|query|purge` against PostgreSQL, and the roles:
// the role Parley runs as cannot UPDATE or DELETE audit rows; only the retention role purges, and the purge is audited.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { migrate } from '../../src/store/postgres/migrate.js';
import { ADMIN_URL, createTestDatabase, randomSchema, type TestDatabase } from '../support/postgres.js';

const run = promisify(execFile);
let database: TestDatabase;
let dir: string;
let configFile: string;
const schema = randomSchema();
const suffix = randomBytes(4).toString('hex');
const appRole = `parley_app_${suffix}`;
const purgeRole = `parley_purge_${suffix}`;

function roleUrl(role: string): string {
  const url = new URL(database.url);
  url.username = role;
  return url.toString();
}

async function parley(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args, '--config', configFile],
      {
        env: {
          ...process.env,
          PARLEY_TEST_DB_URL: database.url,
          PARLEY_TEST_APP_URL: roleUrl(appRole),
          PARLEY_TEST_PURGE_URL: roleUrl(purgeRole),
        },
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Runs one statement as `role` and returns the error's SQLSTATE and message (undefined when it succeeded). */
async function asRole(role: string, sql: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: roleUrl(role) });
  await client.connect();
  try {
    await client.query(sql);
    return undefined;
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as Error).message}`;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), 'parley-pgcli-'));
  configFile = join(dir, 'parley.yaml');
  await writeFile(
    configFile,
    `dataDir: ${join(dir, 'data')}\nstate:\n  postgres:\n    url: env:PARLEY_TEST_DB_URL\n    schema: ${schema}\n`,
  );
});

afterAll(async () => {
  await database?.drop();
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  for (const role of [appRole, purgeRole]) await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await admin.end();
  await rm(dir, { recursive: true, force: true });
});

// Each step is a real `parley` process; on a busy machine that takes seconds each.
describe('parley CLI against PostgreSQL', { timeout: 600_000 }, () => {
  it('migrates once, keeps keys as hashes only, audits key changes on the chain, verifies and finds the first edited row', async () => {
    const first = await parley('state', 'migrate');
    expect(first.stdout).toContain('applied 001-keys-and-audit');
    expect(first.stdout).toContain('applied 002-audit-append-only');
    expect((await migrate({ url: database.url, schema })).applied).toEqual([]);

    const created = await parley('keys', 'create', '--name', 'ci', '--role', 'user', '--json');
    expect(created.code).toBe(0);
    const { id, secret } = JSON.parse(created.stdout) as { id: string; secret: string };
    const rows = await database.sql(`SELECT * FROM ${schema}.api_keys`);
    expect(rows.rows).toHaveLength(1);
    expect(JSON.stringify(rows.rows)).not.toContain(secret);
    expect((await parley('keys', 'revoke', id)).stdout).toContain(`Revoked ${id}`);
    expect((await database.sql(`SELECT state FROM ${schema}.api_keys WHERE id = $1`, [id])).rows).toEqual([
      { state: 'revoked' },
    ]);

    const verified = await parley('audit', 'verify');
    expect(verified.stdout).toMatch(new RegExp(`^OK postgres schema ${schema}: 2 records`));
    const found = (await parley('audit', 'query', '--action', 'key.')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string });
    expect(found.map((e) => e.action)).toEqual(['key.created', 'key.revoked']);

    await database.sql(
      `SET session_replication_role = replica; UPDATE ${schema}.audit_log SET line = ` +
        `replace(line, '"key.revoked"', '"key.rotated"') WHERE seq = 2; SET session_replication_role = origin`,
    );
    const tampered = await parley('audit', 'verify');
    expect(tampered.code).toBe(1);
    expect(tampered.stdout).toContain('first bad row 2: row 2 was edited');
  });

  it('lets the role Parley runs as append but never UPDATE or DELETE audit rows; the retention role purges, and the purge is audited', async () => {
    await database.sql(
      `SET session_replication_role = replica; DELETE FROM ${schema}.audit_log; SET session_replication_role = origin`,
    );
    await database.sql(
      `CREATE ROLE ${appRole} LOGIN IN ROLE parley_writer; CREATE ROLE ${purgeRole} LOGIN IN ROLE parley_retention`,
    );
    await writeFile(
      configFile,
      `dataDir: ${join(dir, 'data')}\nstate:\n  postgres:\n    url: env:PARLEY_TEST_APP_URL\n    schema: ${schema}\n`,
    );

    expect((await parley('keys', 'create', '--name', 'svc', '--role', 'user')).code).toBe(0);
    expect(
      await asRole(
        appRole,
        `INSERT INTO ${schema}.api_keys (id, name, role, owner, hash, state, created_at_ms) VALUES ` +
          `('key_x', 'x', 'user', 'x', '${'a'.repeat(64)}', 'active', 1)`,
      ),
    ).toBeUndefined();
    expect(await asRole(appRole, `UPDATE ${schema}.audit_log SET outcome = 'failure'`)).toMatch(
      /^42501: permission denied/,
    );
    expect(await asRole(appRole, `DELETE FROM ${schema}.audit_log`)).toMatch(/^42501: permission denied/);
    // Even the table's owner is stopped by the trigger.
    const owner = await database.sql(`UPDATE ${schema}.audit_log SET outcome = 'failure'`).then(
      () => 'updated',
      (e: Error) => e.message,
    );
    expect(owner).toContain('audit_log is append-only');
    expect((await parley('audit', 'purge', '--before', '2999-01-01T00:00:00Z')).stderr).toMatch(
      /permission denied|append-only/,
    );

    const purged = await parley(
      'audit',
      'purge',
      '--before',
      '2999-01-01T00:00:00Z',
      '--database-url',
      'env:PARLEY_TEST_PURGE_URL',
    );
    expect(purged.stdout).toContain('Purged 1 records');
    const verified = await parley('audit', 'verify');
    expect(verified.stdout).toContain('OK');
    const events = (await parley('audit', 'query')).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; details: Record<string, unknown> });
    expect(events).toMatchObject([{ action: 'audit.purged', details: { deleted: 1, firstKeptSeq: 2 } }]);

    // Removing the oldest rows without an audited purge is named.
    expect((await parley('keys', 'create', '--name', 'svc3', '--role', 'user')).code).toBe(0);
    await database.sql(
      `SET session_replication_role = replica; DELETE FROM ${schema}.audit_log WHERE seq = 2; ` +
        `SET session_replication_role = origin`,
    );
    const cut = await parley('audit', 'verify');
    expect(cut.code).toBe(1);
    expect(cut.stdout).toContain('no audit.purged event accounts for seq 1 to 2');
  });
});
