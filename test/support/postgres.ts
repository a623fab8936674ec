// A throw-away PostgreSQL database per test file on the shared server (127.0.0.1:5432, user postgres).

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresDatabase, type PostgresOptions } from '../../src/store/postgres/database.js';
import { migrate } from '../../src/store/postgres/migrate.js';

/** The server the test command starts (trust auth). */
export const ADMIN_URL = process.env.PARLEY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database made for one test file. */
export interface TestDatabase {
  name: string;
  url: string;
  /** Runs SQL as the superuser in this database. */
  sql(text: string, params?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

function urlFor(name: string, base = ADMIN_URL): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** CREATE DATABASE with a random name; `drop()` removes it (and ends its connections). */
export async function createTestDatabase(prefix = 'parley_test'): Promise<TestDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = urlFor(name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    name,
    url,
    sql: (text, params) => client.query(text, params),
    async drop() {
      await client.end().catch(() => undefined);
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A pool on `url` with a fresh schema, migrated. */
export async function openMigrated(
  url: string,
  schema: string,
  extra: Partial<PostgresOptions> = {},
): Promise<PostgresDatabase> {
  await migrate({ url, schema });
  return new PostgresDatabase({ url, schema, queryTimeoutMs: 5_000, poolSize: 4, ...extra });
}

/** A random schema name for one test. */
export function randomSchema(): string {
  return `s_${randomBytes(4).toString('hex')}`;
}
