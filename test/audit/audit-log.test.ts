import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { statSync } from 'node:fs';
import type { AuditEventInput } from '../../src/audit/audit-event.js';
import { createAuditLog } from '../../src/audit/audit-log.js';
import type { AuditStorage } from '../../src/store/audit-storage.js';
import { verifyAuditFile } from '../../src/compose/audit-file.js';
import { FileAuditStorage } from '../../src/store/file/audit-file-storage.js';

let dir: string;
let file: string;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const clock = () => Date.parse('2026-01-01T00:00:00Z');

const event = (i: number, extra: Partial<AuditEventInput> = {}): AuditEventInput => ({
  requestId: `req-${i}`,
  principalId: 'key_abc',
  role: 'user',
  action: 'session.created',
  outcome: 'success',
  ...extra,
});

async function lines(): Promise<Record<string, unknown>[]> {
  return (await readFile(file, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-audit-'));
  file = join(dir, 'audit.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Polls the file until it holds `count` lines (the writer is asynchronous); fails after 5 s. */
async function waitForLines(count: number): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const found = text === '' ? [] : text.trimEnd().split('\n');
    if (found.length >= count) return found.map((l) => JSON.parse(l) as Record<string, unknown>);
    if (Date.now() > deadline) throw new Error(`expected ${count} lines, found ${found.length}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('event time', () => {
  it('is the clock at append, to the millisecond, also when consecutive events share or change the millisecond', async () => {
    const times = [0, 0, 1, 1, 1_000].map((ms) => Date.parse('2026-01-01T00:00:00Z') + ms);
    let i = 0;
    const log = createAuditLog({
      storage: new FileAuditStorage(file),
      clock: () => times[Math.min(i, times.length - 1)],
      commitDelayMs: 0,
    });
    for (i = 0; i < times.length; i++) log.append(event(i));
    await log.flush();
    expect((await lines()).map((l) => l.time)).toEqual(times.map((ms) => new Date(ms).toISOString()));
    await log.close();
  });
});

describe('group commit', () => {
  it('holds events for commitDelayMs, then writes them together without any flush', async () => {
    const log = createAuditLog({ storage: new FileAuditStorage(file), clock, commitDelayMs: 300 });
    log.append(event(1));
    log.append(event(2));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(statSync(file, { throwIfNoEntry: false })?.size ?? 0).toBe(0); // still grouped
    expect((await waitForLines(2)).map((l) => l.requestId)).toEqual(['req-1', 'req-2']);
    await log.close();
  });

  it('writes at once when commitBatch events wait, and picks up events appended during a write', async () => {
    const log = createAuditLog({ storage: new FileAuditStorage(file), clock, commitDelayMs: 600_000, commitBatch: 3 });
    for (let i = 1; i <= 3; i++) log.append(event(i)); // the third starts a write
    log.append(event(4)); // arrives while that write runs: the writer takes it next
    expect((await waitForLines(4)).map((l) => l.seq)).toEqual([1, 2, 3, 4]);
    await log.close();
  });

  it('a close during the delay writes everything and leaves no timer behind', async () => {
    const log = createAuditLog({ storage: new FileAuditStorage(file), clock, commitDelayMs: 600_000 });
    log.append(event(1));
    await log.close(); // a pending 10-minute timer would keep vitest's worker alive; close clears it
    expect((await lines()).map((l) => l.requestId)).toEqual(['req-1']);
  });
});

describe('paced commits (a remote trail)', () => {
  /** A storage whose writes wait for `release()`, recording how many events each write carried. */
  function gatedStorage() {
    const writes: number[] = [];
    let open: (() => void) | undefined;
    let free = false;
    let started: (() => void) | undefined;
    let writeStarted = new Promise<void>((resolve) => (started = resolve));
    const storage: AuditStorage = {
      backend: 'postgres',
      unit: 'row',
      open: async () => ({ discardedBytes: 0 }),
      append: async (build) => {
        started?.();
        if (!free) await new Promise<void>((resolve) => (open = resolve));
        writes.push(build(undefined).filter((l) => l.type === 'event').length);
      },
      lines: async function* () {},
      close: async () => undefined,
    };
    return {
      storage,
      writes,
      /** Resolves once a write is under way (and arms the next wait). */
      async writing(): Promise<void> {
        await writeStarted;
        writeStarted = new Promise<void>((resolve) => (started = resolve));
      },
      release: () => open?.(),
      /** Writes no longer wait. */
      unblock: () => {
        free = true;
        open?.();
      },
    };
  }

  it('after a write the next one waits commitPaceMs, unless commitBatch events wait or a flush asks', async () => {
    const gated = gatedStorage();
    const log = createAuditLog({
      storage: gated.storage,
      clock,
      commitDelayMs: 0,
      commitPaceMs: 600_000,
      commitBatch: 3,
    });
    log.append(event(1));
    await gated.writing();
    log.append(event(2)); // queued while the first write runs
    gated.release();
    await vi.waitFor(() => expect(gated.writes).toEqual([1]));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(gated.writes).toEqual([1]); // event 2 waits for the pace, not written at once
    log.append(event(3));
    log.append(event(4)); // three queued: the paced writer goes at once
    await gated.writing();
    gated.release();
    await vi.waitFor(() => expect(gated.writes).toEqual([1, 3]));
    log.append(event(5));
    await gated.writing();
    log.append(event(6));
    gated.release();
    await vi.waitFor(() => expect(gated.writes).toEqual([1, 3, 1]));
    const flushed = log.flush(); // event 6 is paced: a flush does not wait for it
    await gated.writing();
    gated.release();
    await flushed;
    expect(gated.writes).toEqual([1, 3, 1, 1]);
    gated.unblock();
    await log.close();
  });
});

describe('createAuditLog', () => {
  it('returns from append before any I/O and writes a hash chain with signed checkpoints', async () => {
    const log = createAuditLog({
      storage: new FileAuditStorage(file),
      signingKey: privateKey,
      checkpointEvery: 3,
      clock,
    });
    for (let i = 1; i <= 7; i++) expect(log.append(event(i))).toBeUndefined();
    expect(statSync(file, { throwIfNoEntry: false })?.size ?? 0).toBe(0); // nothing written synchronously
    await log.close();
    const written = await lines();
    expect(written.map((l) => l.type)).toEqual([
      'event',
      'event',
      'event',
      'checkpoint',
      'event',
      'event',
      'event',
      'checkpoint',
      'event',
      'checkpoint',
    ]);
    expect(written.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(written[0]).toMatchObject({ prev: '0'.repeat(64), time: '2026-01-01T00:00:00.000Z', requestId: 'req-1' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await verifyAuditFile(file, publicKey)).toEqual({
      ok: true,
      records: 7,
      checkpoints: 3,
      signaturesChecked: true,
      unsignedTail: 0,
      lastCheckpoint: { seq: 10, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('keeps writing after a flush of an empty queue', async () => {
    const log = createAuditLog({ storage: new FileAuditStorage(file), clock });
    await log.flush();
    await log.flush();
    log.append(event(1));
    await log.flush();
    expect((await lines()).map((l) => l.requestId)).toEqual(['req-1']);
    log.append(event(2));
    await log.close();
    expect((await lines()).map((l) => l.requestId)).toEqual(['req-1', 'req-2']);
  });

  it('keeps order across many appends from the same tick and batches them', async () => {
    const log = createAuditLog({ storage: new FileAuditStorage(file), signingKey: privateKey, clock });
    for (let i = 1; i <= 450; i++) log.append(event(i));
    await log.flush();
    const written = (await lines()).filter((l) => l.type === 'event');
    expect(written.map((l) => l.requestId)).toEqual(Array.from({ length: 450 }, (_, i) => `req-${i + 1}`));
    await log.close();
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({ ok: true, records: 450, checkpoints: 5 });
  });

  it('truncates client addresses and keeps only primitive, bounded details', async () => {
    const log = createAuditLog({ storage: new FileAuditStorage(file), clock });
    log.append(
      event(1, {
        clientAddress: '203.0.113.77',
        details: { count: 3, ok: true, long: 'x'.repeat(1000), nested: { a: 1 } as unknown as string, nan: Number.NaN },
      }),
    );
    log.append(event(2, { clientAddress: 'not-an-ip' }));
    await log.close();
    const [first, second] = await lines();
    expect(first.clientAddress).toBe('203.0.113.0/24');
    expect(first.details).toEqual({ count: 3, ok: true, long: `${'x'.repeat(256)}…` });
    expect(second).not.toHaveProperty('clientAddress');
  });

  it('continues the chain after a restart, checkpointing an unsigned tail first', async () => {
    const unsigned = createAuditLog({ storage: new FileAuditStorage(file), clock });
    for (let i = 1; i <= 4; i++) unsigned.append(event(i));
    await unsigned.close(); // no key: no checkpoint, like a process killed before its checkpoint
    const resumed = createAuditLog({
      storage: new FileAuditStorage(file),
      signingKey: privateKey,
      checkpointEvery: 100,
      clock,
    });
    resumed.append(event(5));
    await resumed.close();
    const written = await lines();
    expect(written.map((l) => `${l.seq}:${l.type}`)).toEqual([
      '1:event',
      '2:event',
      '3:event',
      '4:event',
      '5:checkpoint',
      '6:event',
      '7:checkpoint',
    ]);
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({ ok: true, records: 5 });
  });

  it('cuts a torn last line left by a crash and records that it did', async () => {
    const first = createAuditLog({ storage: new FileAuditStorage(file), signingKey: privateKey, clock });
    first.append(event(1));
    await first.close();
    await appendFile(file, '{"seq":3,"prev":"abc","type":"ev');
    expect((await verifyAuditFile(file, publicKey)).ok).toBe(false);
    const second = createAuditLog({ storage: new FileAuditStorage(file), signingKey: privateKey, clock });
    second.append(event(2));
    await second.close();
    const written = await lines();
    expect(written.find((l) => l.action === 'audit.recovered')).toMatchObject({
      outcome: 'failure',
      details: { discardedBytes: 32 },
    });
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({ ok: true, records: 3 });
  });

  it('reports a file it cannot open through onError and rejects flush', async () => {
    const onError = vi.fn();
    const log = createAuditLog({ storage: new FileAuditStorage(dir), onError, clock }); // a directory, not a file
    log.append(event(1));
    await expect(log.flush()).rejects.toThrow();
    expect(onError).toHaveBeenCalled();
    await log.close().catch(() => undefined);
  });

  it('counts events dropped when the queue is full and records the count', async () => {
    const log = createAuditLog({ storage: new FileAuditStorage(file), maxQueue: 5, clock });
    for (let i = 1; i <= 8; i++) log.append(event(i));
    await log.close();
    const written = await lines();
    expect(written.filter((l) => l.action === 'session.created')).toHaveLength(5);
    expect(written.at(-1)).toMatchObject({ action: 'audit.overflow', details: { dropped: 3 } });
  });

  it('refuses to continue a file that is not an audit trail', async () => {
    await writeFile(file, 'hello world\n');
    const onError = vi.fn();
    const log = createAuditLog({ storage: new FileAuditStorage(file), onError, clock });
    log.append(event(1));
    await expect(log.flush()).rejects.toThrow(/not JSON/);
    await log.close().catch(() => undefined);
    expect(await readFile(file, 'utf8')).toBe('hello world\n');
  });
});
