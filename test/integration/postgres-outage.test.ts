// Failure drill against a PostgreSQL of the test's own: unreachable at start, lost while serving, back again.
// At start: retries with a log line naming the store and why, /readyz 503. While away: key lookups from the
// cache (a revocation seen before still holds), audit events in the local spool. Back: the spool drains in
// order onto one intact chain, by itself.

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createServer } from 'node:net';
import { queryAudit } from '../../src/audit/query.js';
import { verifyAuditStorage } from '../../src/audit/verify.js';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { startParley, type RunningParley } from '../../src/main.js';
import { PostgresAuditStorage } from '../../src/store/postgres/audit-storage.js';
import { PostgresDatabase } from '../../src/store/postgres/database.js';
import { createOwnPostgres, type OwnPostgres } from '../support/own-postgres.js';

let server: OwnPostgres;
let dataDir: string;
let parley: RunningParley | undefined;
const logs: Record<string, unknown>[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  server = await createOwnPostgres();
  dataDir = await mkdtemp(join(tmpdir(), 'parley-outage-'));
}, 180_000);

afterAll(async () => {
  await parley?.shutdown();
  await server?.destroy();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

const metric = async (url: string, name: string, headers: Record<string, string>): Promise<number> => {
  const text = await (await fetch(`${url}/metrics`, { headers })).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').at(-1)) : Number.NaN;
};

describe('PostgreSQL outage drill', { timeout: 300_000 }, () => {
  it('waits for PostgreSQL at start, serves through an outage from the cache and the spool, and recovers by itself', async () => {
    const port = await freePort();
    const env = { PARLEY_DATABASE_URL: server.url };
    const config = parseConfig(
      `server: { host: 127.0.0.1, port: ${port} }\ndataDir: ${JSON.stringify(dataDir)}\naudit: { ` +
        `checkpointEvery: 5 }\nstate:\n  postgres: { url: "env:PARLEY_DATABASE_URL", queryTimeout: 1s }\n`,
      'test',
      env,
    );
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const url = `http://127.0.0.1:${port}`;

    // 1. PostgreSQL is down: Parley listens, says why it waits, and is not ready.
    const starting = startParley({
      config,
      logger: pino({ level: 'info' }, sink),
      secrets: createSecretResolver({ env }),
    });
    await vi.waitFor(
      () =>
        expect(logs.find((l) => l.msg === 'PostgreSQL not reachable; retrying')).toMatchObject({
          store: 'postgres',
          reason: expect.stringContaining('ECONNREFUSED'),
        }),
      { timeout: 60_000, interval: 100 },
    );
    await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(503), {
      timeout: 60_000,
      interval: 100,
    });
    const early = await fetch(`${url}/v1/models`, {
      headers: { authorization: 'Bearer prl_ClSwpBONaJg7KxQn9KGCKiODNtONtrkH1rRVuL' },
    });
    expect([401, 503]).toContain(early.status);

    // 2. It comes up: migrated, ready, first admin key created in PostgreSQL.
    await server.start();
    parley = await starting;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const bearer = { authorization: `Bearer ${parley.firstStart?.adminKey}` };
    const admin = { ...bearer, 'content-type': 'application/json' };
    const made = (await (
      await fetch(`${url}/v1/admin/keys`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ name: 'leaver', role: 'user' }),
      })
    ).json()) as { key: { id: string }; secret: string };
    expect(
      (await fetch(`${url}/v1/admin/keys/${made.key.id}/revoke`, { method: 'POST', headers: bearer })).status,
    ).toBe(200);
    expect((await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${made.secret}` } })).status).toBe(401);

    // 3. PostgreSQL goes away while serving.
    await server.stop();
    expect((await fetch(`${url}/v1/models`, { headers: bearer })).status).toBe(200);
    const refused = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${made.secret}` } });
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('revoked');
    const sessions: string[] = [];
    for (let i = 0; i < 12; i++) {
      const response = await fetch(`${url}/v1/sessions`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ model: 'demo' }),
      });
      expect(response.status).toBe(201);
      sessions.push(((await response.json()) as { id: string }).id);
    }
    await vi.waitFor(
      async () => expect(await metric(url, 'parley_audit_spool_depth', bearer)).toBeGreaterThanOrEqual(12),
      { timeout: 60_000, interval: 200 },
    );
    expect(await metric(url, 'parley_store_up', bearer)).toBe(0);
    expect(
      (
        await fetch(`${url}/v1/admin/keys`, {
          method: 'POST',
          headers: admin,
          body: JSON.stringify({ name: 'x', role: 'user' }),
        })
      ).status,
    ).toBe(503);

    // 4. It returns: the spool drains by itself, in order, on one chain.
    await server.start();
    await vi.waitFor(async () => expect(await metric(url, 'parley_audit_spool_depth', bearer)).toBe(0), {
      timeout: 120_000,
      interval: 250,
    });
    expect(await metric(url, 'parley_store_up', bearer)).toBe(1);
    const db = new PostgresDatabase({ url: server.url, schema: 'parley', queryTimeoutMs: 5_000, poolSize: 1 });
    try {
      const storage = new PostgresAuditStorage(db);
      expect(await verifyAuditStorage(storage)).toMatchObject({ ok: true });
      const created = await queryAudit(storage, { action: 'session.created', limit: 100 });
      expect(created.map((e) => e.resource)).toEqual(sessions.map((id) => `session:${id}`));
    } finally {
      await db.close();
    }
  });
});
