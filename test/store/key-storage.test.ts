// Runs the KeyStorage conformance suite against the file backend and PostgreSQL (own database, one schema per test).

import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyStorage } from '../../src/store/file/key-file-storage.js';
import type { PostgresDatabase } from '../../src/store/postgres/database.js';
import { PostgresKeyStorage } from '../../src/store/postgres/key-storage.js';
import { createTestDatabase, openMigrated, randomSchema, type TestDatabase } from '../support/postgres.js';
import { keyStorageConformance } from './key-storage.cases.js';

keyStorageConformance('file', {
  async fresh() {
    const dir = await mkdtemp(join(tmpdir(), 'parley-keys-'));
    return { open: () => FileKeyStorage.open(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
  },
});

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.drop();
});

keyStorageConformance('postgres', {
  async fresh() {
    const schema = randomSchema();
    const pools: PostgresDatabase[] = [];
    return {
      async open() {
        const db = await openMigrated(database.url, schema);
        pools.push(db);
        return new PostgresKeyStorage(db);
      },
      async cleanup() {
        await Promise.all(pools.map((p) => p.close()));
      },
    };
  },
});
