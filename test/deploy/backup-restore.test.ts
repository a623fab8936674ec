// Backup and restore of PostgreSQL as docs/deployment.md tells operators to do it: `parley state migrate`, keys
// minted and revoked with the CLI, audit events written by a serving Parley, `pg_dump --format=custom`, then
// `pg_restore` into a fresh database. A Parley on the restored database accepts the keys (and still refuses the
// revoked one), the restored trail passes `parley audit verify` against the checkpoint recorded at backup time,
// and new events extend it. A restore from an older backup verifies by itself, but not against a later recorded
// checkpoint: that is how a lost tail is caught.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { generateAuditSigningKeys } from '../../src/audit/signing-key.js';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { startParley } from '../../src/main.js';
import { startMockUpstream, type MockUpstream } from '../../src/mock-upstream/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const run = promisify(execFile);
const databases: TestDatabase[] = [];
let dir: string;
let mock: MockUpstream;
let publicKeyFile: string;
let signingKeyFile: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-backup-'));
  const keys = generateAuditSigningKeys();
  signingKeyFile = join(dir, 'audit-signing-key.pem');
  publicKeyFile = join(dir, 'audit-signing-key.pub.pem');
  await writeFile(signingKeyFile, keys.privatePem, { mode: 0o600 });
  await writeFile(publicKeyFile, keys.publicPem);
  mock = await startMockUpstream({ record: false });
});

afterAll(async () => {
  await mock?.close();
  for (const d of databases) await d.drop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

/** The configuration every step uses, pointed at one database (its own data directory, so its own audit spool). */
function yaml(name: string): string {
  return [
    'server: { host: 127.0.0.1, port: 0, drainTimeout: 2s }',
    `dataDir: ${JSON.stringify(join(dir, `data-${name}`))}`,
    'logging: { level: warn }',
    `audit: { signingKey: "file:${signingKeyFile}", checkpointEvery: 4 }`,
    'providers:',
    '  - { id: mock, type: openai, baseUrl: "' + mock.url + '/v1" }',
    'models:',
    '  - { name: chat, targets: [{ provider: mock, model: m }] }',
    'state:',
    '  postgres: { url: env:PARLEY_DATABASE_URL }',
    '',
  ].join('\n');
}

async function configFor(name: string): Promise<string> {
  const file = join(dir, `parley-${name}.yaml`);
  await writeFile(file, yaml(name));
  return file;
}

/** A real `parley` process (the CLI operators run). */
async function parley(
  db: TestDatabase,
  config: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', ...args, '--config', config],
      {
        env: { ...process.env, PARLEY_DATABASE_URL: db.url },
        timeout: 120_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `parley audit verify --json` with the public key; `anchor` is a checkpoint recorded earlier (SEQ:HASH). */
async function verify(
  db: TestDatabase,
  config: string,
  anchor?: string,
): Promise<{
  code: number;
  result: { ok: boolean; records?: number; reason?: string; lastCheckpoint?: { seq: number; hash: string } };
}> {
  const r = await parley(
    db,
    config,
    'audit',
    'verify',
    '--public-key',
    publicKeyFile,
    '--json',
    ...(anchor ? ['--expect-checkpoint', anchor] : []),
  );
  return { code: r.code, result: JSON.parse(r.stdout) as never };
}

/**
 * Serves with Parley on `db`, sends one chat request per secret, and returns the statuses; stops (and flushes) after.
 */
async function serve(db: TestDatabase, name: string, secrets: string[]): Promise<number[]> {
  const env = { PARLEY_DATABASE_URL: db.url };
  const running = await startParley({
    config: parseConfig(yaml(name), name, env),
    logger: pino({ level: 'warn' }),
    secrets: createSecretResolver({ env }),
  });
  try {
    await vi.waitFor(async () => expect((await fetch(`${running.url}/readyz`)).status).toBe(200), {
      timeout: 60_000,
      interval: 100,
    });
    const statuses: number[] = [];
    for (const secret of secrets) {
      const res = await fetch(`${running.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'hello' }] }),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    return statuses;
  } finally {
    await running.shutdown();
  }
}

async function pgDump(db: TestDatabase, file: string): Promise<void> {
  // The documented command: custom format, only Parley's schema, ACLs (grants to parley_writer/parley_retention) kept.
  await run('pg_dump', ['--format=custom', '--schema=parley', `--file=${file}`, `--dbname=${db.url}`], {
    timeout: 120_000,
  });
}

async function restoreInto(file: string, prefix: string): Promise<TestDatabase> {
  const fresh = await createTestDatabase(prefix);
  databases.push(fresh);
  await run('pg_restore', ['--exit-on-error', '--single-transaction', `--dbname=${fresh.url}`, file], {
    timeout: 120_000,
  });
  return fresh;
}

// Each CLI step is a real process; on a busy machine that takes seconds each.
describe('PostgreSQL backup and restore (keys and audit trail)', { timeout: 900_000 }, () => {
  it('restores keys that authenticate and a trail that verifies against the checkpoint recorded at backup time; an older backup is caught as a lost tail', async () => {
    const source = await createTestDatabase('parley_backup_src');
    databases.push(source);
    const config = await configFor('source');
    expect((await parley(source, config, 'state', 'migrate')).stdout).toContain('applied 001-keys-and-audit');
    const alice = JSON.parse(
      (await parley(source, config, 'keys', 'create', '--name', 'alice', '--role', 'user', '--json')).stdout,
    ) as { id: string; secret: string };
    const bob = JSON.parse(
      (await parley(source, config, 'keys', 'create', '--name', 'bob', '--role', 'user', '--json')).stdout,
    ) as { id: string; secret: string };
    expect((await parley(source, config, 'keys', 'revoke', bob.id)).stdout).toContain(`Revoked ${bob.id}`);
    expect(await serve(source, 'source', [alice.secret, alice.secret, alice.secret, bob.secret])).toEqual([
      200, 200, 200, 401,
    ]);

    // Backup 1, with the checkpoint that `parley audit verify` printed at that moment recorded next to it.
    const atBackup1 = await verify(source, config);
    expect(atBackup1).toMatchObject({ code: 0, result: { ok: true } });
    const anchor1 = `${atBackup1.result.lastCheckpoint?.seq}:${atBackup1.result.lastCheckpoint?.hash}`;
    const dump1 = join(dir, 'parley-1.dump');
    await pgDump(source, dump1);

    // More traffic, backup 2 and its checkpoint.
    expect(
      await serve(source, 'source', [alice.secret, alice.secret, alice.secret, alice.secret, alice.secret]),
    ).toEqual([200, 200, 200, 200, 200]);
    const atBackup2 = await verify(source, config, anchor1);
    expect(atBackup2).toMatchObject({ code: 0, result: { ok: true } });
    expect(atBackup2.result.lastCheckpoint!.seq).toBeGreaterThan(atBackup1.result.lastCheckpoint!.seq);
    const anchor2 = `${atBackup2.result.lastCheckpoint?.seq}:${atBackup2.result.lastCheckpoint?.hash}`;
    const dump2 = join(dir, 'parley-2.dump');
    await pgDump(source, dump2);

    // Restore backup 2 into a fresh database: the same rows, the grants and the append-only guard.
    const restored = await restoreInto(dump2, 'parley_backup_dst');
    const count =
      'SELECT (SELECT count(*) FROM parley.api_keys)::int AS ' +
      'keys, (SELECT count(*) FROM parley.audit_log)::int AS rows';
    expect((await restored.sql(count)).rows).toEqual((await source.sql(count)).rows);
    const grants = await restored.sql(
      "SELECT has_table_privilege('parley_writer', 'parley.audit_log', 'INSERT') AS ins, " +
        "has_table_privilege('parley_writer', 'parley.audit_log', 'UPDATE') AS upd",
    );
    expect(grants.rows).toEqual([{ ins: true, upd: false }]);
    expect(
      await restored.sql("UPDATE parley.audit_log SET outcome = 'failure'").then(
        () => 'updated',
        (e: Error) => e.message,
      ),
    ).toContain('audit_log is append-only');

    const restoredConfig = await configFor('restored');
    const verified = await verify(restored, restoredConfig, anchor2);
    expect(verified).toMatchObject({ code: 0, result: { ok: true, records: atBackup2.result.records } });
    // A Parley on the restored database: the key authenticates, the revoked one stays revoked, the chain continues.
    expect(await serve(restored, 'restored', [alice.secret, bob.secret, alice.secret])).toEqual([200, 401, 200]);
    const extended = await verify(restored, restoredConfig, anchor2);
    expect(extended.code).toBe(0);
    expect(extended.result.records).toBeGreaterThan(atBackup2.result.records!);

    // Restoring backup 1 instead loses the tail: the shorter chain is intact by itself, but not against anchor 2.
    const older = await restoreInto(dump1, 'parley_backup_old');
    const olderConfig = await configFor('older');
    expect(await verify(older, olderConfig)).toMatchObject({
      code: 0,
      result: { ok: true, records: atBackup1.result.records },
    });
    const lost = await verify(older, olderConfig, anchor2);
    expect(lost.code).toBe(1);
    expect(lost.result.reason).toContain(
      `before the checkpoint ${atBackup2.result.lastCheckpoint?.seq} recorded outside it`,
    );
  });
});
