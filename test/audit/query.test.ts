import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { queryAudit } from '../../src/audit/query.js';
import { auditFileReader } from '../../src/compose/audit-file.js';
import { FileAuditStorage } from '../../src/store/file/audit-file-storage.js';

let dir: string;
let file: string;
const base = Date.parse('2026-03-01T00:00:00Z');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-query-'));
  file = join(dir, 'audit.jsonl');
  let t = base;
  const log = createAuditLog({
    storage: new FileAuditStorage(file),
    signingKey: generateKeyPairSync('ed25519').privateKey,
    checkpointEvery: 5,
    clock: () => t,
  });
  const actions = ['auth.success', 'key.created', 'auth.failure', 'key.revoked', 'session.created'];
  for (let i = 0; i < 20; i++) {
    t = base + i * 60_000;
    log.append({
      requestId: `r${i}`,
      principalId: i % 2 ? 'key_odd' : 'key_even',
      action: actions[i % 5],
      outcome: i % 5 === 2 ? 'denied' : 'success',
    });
    await log.flush();
  }
  await log.close();
  await appendFile(file, '{"torn":'); // a torn tail is skipped, not fatal
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const ids = (records: { requestId: string }[]) => records.map((r) => r.requestId);

describe('queryAudit', () => {
  it('returns the newest matches, oldest first, skipping checkpoints', async () => {
    expect(ids(await queryAudit(auditFileReader(file), { limit: 3 }))).toEqual(['r17', 'r18', 'r19']);
    expect((await queryAudit(auditFileReader(file), { limit: 100 })).every((r) => r.type === 'event')).toBe(true);
    expect(await queryAudit(auditFileReader(file), { limit: 100 })).toHaveLength(20);
  });

  it('filters by action (exact or prefix), principal and outcome', async () => {
    expect(ids(await queryAudit(auditFileReader(file), { action: 'key.created', limit: 10 }))).toEqual([
      'r1',
      'r6',
      'r11',
      'r16',
    ]);
    expect(ids(await queryAudit(auditFileReader(file), { action: 'key.', limit: 3 }))).toEqual(['r13', 'r16', 'r18']);
    expect(
      ids(await queryAudit(auditFileReader(file), { outcome: 'denied', principalId: 'key_even', limit: 10 })),
    ).toEqual(['r2', 'r12']);
  });

  it('filters by time window [since, until)', async () => {
    const since = new Date(base + 5 * 60_000);
    expect(ids(await queryAudit(auditFileReader(file), { since, until: base + 8 * 60_000, limit: 10 }))).toEqual([
      'r5',
      'r6',
      'r7',
    ]);
    expect(ids(await queryAudit(auditFileReader(file), { since: '2026-03-01T00:18:00Z', limit: 10 }))).toEqual([
      'r18',
      'r19',
    ]);
    await expect(queryAudit(auditFileReader(file), { since: 'yesterday', limit: 1 })).rejects.toThrow(/ISO 8601/);
  });
});
