// Versioned schema migrations (migrations/NNN-name.sql), applied in order under an advisory lock.

import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';
import { quoteIdent, type PostgresOptions } from './database.js';

/** One migration file. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
  /**
   * From a `-- parley:compatible-from NNN` line: a *contract* migration, after which only releases that know
   * migration NNN or later can run on the schema. Absent for *expand* migrations (additive: older releases keep
   * working), which is the rule for a rolling upgrade (docs/deployment.md, "Upgrades and rollback").
   */
  compatibleFrom?: number;
}

/** The version that adds `schema_migrations.compatible_from`; older rows have none (they were all expand). */
const COMPATIBILITY_COLUMN_VERSION = 3;

/** The database was migrated by a newer release past a contract migration this release cannot run behind. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly schema: string,
    readonly databaseVersion: number,
    readonly compatibleFrom: number,
    readonly knownVersion: number,
  ) {
    super(
      `PostgreSQL schema ${schema} is at version ${databaseVersion}, migrated by a newer Parley, ` +
        `and since migration ${compatibleFrom} it ` +
        `works only with releases that know migration ${compatibleFrom} or later; this release ` +
        `knows up to ${knownVersion}. ` +
        `Run the newer release, or restore the backup taken before migration ${compatibleFrom} ` +
        `(docs/deployment.md, "Upgrades and rollback")`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** What a run did. */
export interface MigrationReport {
  applied: Migration[];
  /** The schema's version afterwards. */
  version: number;
  /** Versions in the database that this Parley does not know (a newer release migrated it). */
  unknown: number[];
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
/** Longest a migration run may take (the advisory lock wait included). */
const MIGRATION_TIMEOUT_MS = 5 * 60_000;

/** The migrations shipped with this release, oldest first. */
export async function loadMigrations(): Promise<Migration[]> {
  const names = (await readdir(MIGRATIONS_DIR)).filter((n) => /^\d{3}-[a-z0-9-]+\.sql$/.test(n)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(new URL(name, MIGRATIONS_DIR), 'utf8');
      const marker = /^-- parley:compatible-from (\d{3})\s*$/m.exec(sql);
      return {
        version: Number(name.slice(0, 3)),
        name: name.slice(4, -4),
        sql,
        ...(marker ? { compatibleFrom: Number(marker[1]) } : {}),
      };
    }),
  );
}

/** Refuses a database that a newer release contracted beyond what `known` (this release's newest migration) can use. */
async function refuseIfTooNew(client: pg.Client, schema: string, done: Set<number>, known: number): Promise<void> {
  const newest = Math.max(0, ...done);
  if (newest <= known) return;
  const column = await client.query(
    'SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = $3',
    [schema, 'schema_migrations', 'compatible_from'],
  );
  if (column.rowCount === 0) return;
  const floor = await client.query<{ floor: number | null }>(
    `SELECT max(compatible_from) AS floor FROM ${quoteIdent(schema)}.schema_migrations`,
  );
  const compatibleFrom = floor.rows[0]?.floor ?? null;
  if (compatibleFrom !== null && compatibleFrom > known)
    throw new SchemaTooNewError(schema, newest, compatibleFrom, known);
}

/**
 * Brings `schema` up to date. Replicas starting together take turns on a session advisory lock keyed by the
 * schema name, so each migration runs once; each runs in its own transaction with its version row.
 */
export async function migrate(
  options: Pick<PostgresOptions, 'url' | 'schema' | 'ssl'>,
  onApply?: (m: Migration) => void,
): Promise<MigrationReport> {
  const migrations = await loadMigrations();
  const s = quoteIdent(options.schema);
  const client = new pg.Client({
    connectionString: options.url,
    connectionTimeoutMillis: 10_000,
    query_timeout: MIGRATION_TIMEOUT_MS,
    application_name: 'parley-migrate',
    ...(options.ssl ? { ssl: { ca: options.ssl.ca, rejectUnauthorized: options.ssl.rejectUnauthorized } } : {}),
  });
  client.on('error', () => undefined); // reported through the failing query
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`parley:migrate:${options.schema}`]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [options.schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    // Checked first: a role without CREATE on the schema (Parley's own, in the hardened set-up) may still start.
    const table = await client.query('SELECT to_regclass($1) AS t', [`${s}.schema_migrations`]);
    if (table.rows[0]?.t === null)
      await client.query(
        `CREATE TABLE ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, ` +
          `applied_at timestamptz NOT NULL DEFAULT now())`,
      );
    const done = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_migrations`)).rows.map(
        (r) => r.version,
      ),
    );
    await refuseIfTooNew(client, options.schema, done, Math.max(0, ...migrations.map((m) => m.version)));
    const applied: Migration[] = [];
    for (const migration of migrations) {
      if (done.has(migration.version)) continue;
      try {
        await client.query('BEGIN');
        await client.query(`SET LOCAL search_path TO ${s}, pg_catalog`);
        await client.query(migration.sql);
        if (migration.version >= COMPATIBILITY_COLUMN_VERSION) {
          await client.query(
            `INSERT INTO ${s}.schema_migrations (version, name, compatible_from) VALUES ($1, $2, $3)`,
            [migration.version, migration.name, migration.compatibleFrom ?? null],
          );
        } else {
          await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
            migration.version,
            migration.name,
          ]);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const reason = (error as Error).message;
        throw new Error(
          `PostgreSQL migration ${String(migration.version).padStart(3, '0')}-${migration.name} ` +
            `failed in schema ${options.schema}: ${reason}; if the role lacks rights, run "parley state ` +
            `migrate" as the schema owner (docs/deployment.md)`,
          { cause: error },
        );
      }
      applied.push(migration);
      onApply?.(migration);
    }
    const known = new Set(migrations.map((m) => m.version));
    const all = [...done, ...applied.map((m) => m.version)];
    return {
      applied,
      version: Math.max(0, ...all),
      unknown: [...done].filter((v) => !known.has(v)).sort((a, b) => a - b),
    };
  } finally {
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
