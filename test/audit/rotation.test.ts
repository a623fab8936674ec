// The file trail rotates by size and by age into segments whose chain continues; verify checks every segment,
// names a missing, reordered or replaced one, and accepts a start after seq 1 only where an audited purge explains it.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { sealLine, sha256Hex, signingKeyId } from '../../src/audit/chain.js';
import { purgeAuditTrail } from '../../src/audit/purge.js';
import { queryAudit } from '../../src/audit/query.js';
import { auditFileReader, verifyAuditFile } from '../../src/compose/audit-file.js';
import { auditCommand } from '../../src/cli/audit-command.js';
import { openDurableState, purgeFileAuditTrail } from '../../src/compose/durable-state.js';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { listSegments, segmentsDir } from '../../src/store/file/audit-segments.js';
import { FileAuditStorage, type AuditRotation } from '../../src/store/file/audit-file-storage.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-rotation-'));
  file = join(dir, 'audit.jsonl');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sealSettings = (clock: () => number) => ({
  signingKey: privateKey,
  keyId: signingKeyId(privateKey),
  every: 5,
  now: () => new Date(clock()).toISOString(),
});

/** A writer on `file` with an injected clock; each `write` is one flushed batch (rotation is checked before each). */
function writer(rotation: AuditRotation, clock: { now: number }) {
  const storage = new FileAuditStorage(file, { rotation, clock: () => clock.now });
  const log = createAuditLog({
    storage,
    signingKey: privateKey,
    checkpointEvery: 5,
    commitDelayMs: 0,
    clock: () => clock.now,
  });
  let n = 0;
  return {
    storage,
    log,
    async write(count: number): Promise<void> {
      for (let i = 0; i < count; i++) {
        n += 1;
        log.append({ requestId: `r${n}`, principalId: 'key_1', action: 'auth.success', outcome: 'success' });
        await log.flush();
      }
    },
  };
}

const lines = async (path: string) => (await readFile(path, 'utf8')).trimEnd().split('\n');
const parsed = async (path: string) =>
  (await lines(path)).map(
    (l) =>
      JSON.parse(l) as { seq: number; prev: string; type: string; action?: string; details?: Record<string, unknown> },
  );

async function runVerify(): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const code = await auditCommand(['verify', '--file', file], {
    dataDir: dir,
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
  });
  return { code, out: out.join('\n') };
}

/** Rewrites a segment's lines from `from` on so seq, prev and hash agree again (what a careful forger does). */
function rechain(all: string[], from: number, prev: string): string[] {
  const out = all.slice(0, from);
  let previous = from === 0 ? prev : sha256Hex(out[from - 1]);
  for (let i = from; i < all.length; i++) {
    const { hash: _h, sig, ...body } = JSON.parse(all[i]) as Record<string, unknown>;
    const sealed = sealLine({ ...body, prev: previous }, typeof sig === 'string' ? () => sig : undefined);
    out.push(sealed.line);
    previous = sha256Hex(sealed.line);
  }
  return out;
}

describe('rotation', () => {
  it('seals the active file at the first write past the size limit; the chain continues across files and verify reads them all', async () => {
    const clock = { now: T0 };
    const w = writer({ maxBytes: 2_000, maxAgeMs: 365 * 24 * HOUR }, clock);
    await w.write(40);
    await w.log.close();
    const segments = await listSegments(file);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    let previousLast: string | undefined;
    for (const segment of segments) {
      const body = await lines(segment.path);
      const first = JSON.parse(body[0]) as { seq: number; prev: string; type: string };
      expect(first.seq).toBe(segment.firstSeq); // the name says where it starts
      if (previousLast) {
        expect(first.prev).toBe(sha256Hex(previousLast)); // the first record links to the last of the previous file
        // and a signed checkpoint over everything before opens the new file (unless the previous one ended on one)
        expect(
          first.type === 'checkpoint' || (JSON.parse(previousLast) as { type: string }).type === 'checkpoint',
        ).toBe(true);
      }
      expect(Buffer.byteLength(body.join('\n'))).toBeLessThan(3_000); // sealed at the first write past 2,000 bytes
      previousLast = body[body.length - 1];
    }
    const active = await parsed(file);
    expect(active[0].prev).toBe(sha256Hex(previousLast!));
    const result = await verifyAuditFile(file, publicKey);
    expect(result).toMatchObject({ ok: true, records: 40, signaturesChecked: true, segments: segments.length + 1 });
    // The read path (parley audit query, GET /v1/audit) reads across segments, oldest first.
    expect((await queryAudit(auditFileReader(file), { limit: 100 })).map((e) => e.requestId)).toEqual(
      Array.from({ length: 40 }, (_, i) => `r${i + 1}`),
    );
    expect((await queryAudit(auditFileReader(file), { limit: 3 })).map((e) => e.requestId)).toEqual([
      'r38',
      'r39',
      'r40',
    ]);
    const { code, out } = await runVerify();
    expect(code).toBe(0);
    expect(out).toContain(`in ${segments.length + 1} files`);
  });

  it('seals by age (the first record of the active file), also across a restart', async () => {
    const clock = { now: T0 };
    const rotation = { maxBytes: 64 * 1024 * 1024, maxAgeMs: 24 * HOUR };
    let w = writer(rotation, clock);
    await w.write(3);
    clock.now = T0 + 23 * HOUR;
    await w.write(2);
    expect(await listSegments(file)).toHaveLength(0);
    await w.log.close();
    // Restarted a day after the first record: the age comes from the file, not from the process.
    clock.now = T0 + 24 * HOUR;
    w = writer(rotation, clock);
    await w.write(1);
    await w.log.close();
    const segments = await listSegments(file);
    expect(segments.map((s) => s.name)).toEqual(['audit-000000000001.jsonl']);
    expect((await parsed(segments[0].path)).filter((r) => r.type === 'event')).toHaveLength(5);
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({ ok: true, records: 6, segments: 2 });
  });

  it('continues from the newest segment when a crash came right after a rotation (no active file yet)', async () => {
    const clock = { now: T0 };
    let w = writer({ maxBytes: 1_500, maxAgeMs: 24 * HOUR }, clock);
    await w.write(20);
    await w.log.close();
    const segments = await listSegments(file);
    // As if the process died between the rename and creating the new file: the active file's lines go to a segment.
    const activeFirst = (await parsed(file))[0].seq;
    await rename(file, join(segmentsDir(file), `audit-${String(activeFirst).padStart(12, '0')}.jsonl`));
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({
      ok: true,
      records: 20,
      segments: segments.length + 1,
    });
    w = writer({ maxBytes: 1_500, maxAgeMs: 24 * HOUR }, clock);
    await w.write(3);
    await w.log.close();
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({ ok: true, records: 23 });
  });
});

describe('verify across segments', () => {
  async function threeOrMore(): Promise<Awaited<ReturnType<typeof listSegments>>> {
    const w = writer({ maxBytes: 1_500, maxAgeMs: 24 * HOUR }, { now: T0 });
    await w.write(30);
    await w.log.close();
    const segments = await listSegments(file);
    expect(segments.length).toBeGreaterThanOrEqual(3);
    return segments;
  }

  it('names a missing middle segment (exit 4, MISSING)', async () => {
    const segments = await threeOrMore();
    await unlink(segments[1].path);
    const result = await verifyAuditFile(file, publicKey);
    expect(result).toMatchObject({ ok: false, fault: 'missing-segment', segment: segments[2].name, line: 1 });
    expect(!result.ok && result.reason).toContain(
      `between ${segments[0].name} and ${segments[2].name}: a segment was removed`,
    );
    const { code, out } = await runVerify();
    expect(code).toBe(4);
    expect(out).toMatch(/^MISSING /);
  });

  it('names a missing last sealed segment, before the active file', async () => {
    const segments = await threeOrMore();
    await unlink(segments[segments.length - 1].path);
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({
      ok: false,
      fault: 'missing-segment',
      segment: 'audit.jsonl',
    });
  });

  it('names missing first segments that no purge accounts for (exit 4)', async () => {
    const segments = await threeOrMore();
    await unlink(segments[0].path);
    const result = await verifyAuditFile(file, publicKey);
    expect(result).toMatchObject({ ok: false, fault: 'missing-segment', segment: segments[1].name });
    expect(!result.ok && result.reason).toContain('were removed without a retention purge');
    expect((await runVerify()).code).toBe(4);
  });

  it('names reordered segments (names swapped) and a segment that does not continue its predecessor (exit 5, REPLACED)', async () => {
    const segments = await threeOrMore();
    const [a, b] = [segments[0].path, segments[1].path];
    await rename(a, `${a}.x`);
    await rename(b, a);
    await rename(`${a}.x`, b);
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({
      ok: false,
      fault: 'segment-mismatch',
      segment: segments[0].name,
    });
    const { code, out } = await runVerify();
    expect(code).toBe(5);
    expect(out).toMatch(/^REPLACED .*renamed, reordered or replaced/);
    // Swap back, then replace the middle segment with a forged one whose records are re-chained within it.
    await rename(b, `${a}.x`);
    await rename(a, b);
    await rename(`${a}.x`, a);
    expect((await verifyAuditFile(file, publicKey)).ok).toBe(true);
    const middle = await lines(b);
    const forged = rechain(
      middle.map((l, i) => (i === 2 ? l.replace('"key_1"', '"key_X"') : l)),
      2,
      '',
    );
    await writeFile(b, `${forged.join('\n')}\n`);
    const result = await verifyAuditFile(file); // without the public key only the chain can tell
    expect(result).toMatchObject({ ok: false, fault: 'segment-mismatch', segment: segments[2].name });
    expect(!result.ok && result.reason).toContain(`does not continue ${segments[1].name}`);
  });

  it('names an edit inside a sealed segment as tampering (exit 1) with the segment and line', async () => {
    const segments = await threeOrMore();
    const body = await lines(segments[1].path);
    const i = body.findIndex((l) => l.includes('"key_1"'));
    body[i] = body[i].replace('"key_1"', '"key_2"');
    await writeFile(segments[1].path, `${body.join('\n')}\n`);
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({
      ok: false,
      fault: 'tampered',
      segment: segments[1].name,
      line: i + 1,
    });
    const { code, out } = await runVerify();
    expect(code).toBe(1);
    expect(out).toContain(`TAMPERED ${file}: first bad ${segments[1].name} line ${i + 1}`);
  });
});

describe('retention purge of segments', () => {
  /** Segments of one day each: events at T0 + d days for d = 0..4, the active file on day 5. */
  async function daily(clock: { now: number }) {
    const w = writer({ maxBytes: 64 * 1024 * 1024, maxAgeMs: 24 * HOUR }, clock);
    for (let d = 0; d <= 5; d++) {
      clock.now = T0 + d * 24 * HOUR;
      await w.write(3);
    }
    return w;
  }

  it('removes whole segments older than the cut-off, records each (name, seq range, hashes) on the chain, and verify starts there', async () => {
    const clock = { now: T0 };
    const w = await daily(clock);
    const before = await listSegments(file);
    expect(before).toHaveLength(5);
    const hashes = await Promise.all(
      before.map(async (s) =>
        createHash('sha256')
          .update(await readFile(s.path))
          .digest('hex'),
      ),
    );
    // Keep 2.5 days: day 0, 1 and 2 end before the cut-off, day 3 does not.
    const result = await purgeAuditTrail(
      w.storage,
      new Date(clock.now - 2.5 * 24 * HOUR),
      sealSettings(() => clock.now),
      'parley:retention',
    );
    expect(result.segments!.map((s) => s.name)).toEqual(before.slice(0, 3).map((s) => s.name));
    expect(result.firstKeptSeq).toBe(before[3].firstSeq);
    expect((await listSegments(file)).map((s) => s.name)).toEqual(before.slice(3).map((s) => s.name));
    await w.write(1);
    await w.log.close();
    const purged = (await parsed(file)).filter((r) => r.action === 'audit.purged');
    expect(purged.map((r) => r.details)).toEqual(
      before.slice(0, 3).map((s, i) =>
        expect.objectContaining({
          segment: s.name,
          firstSeq: s.firstSeq,
          sha256: hashes[i],
          firstKeptSeq: (before[i + 1] ?? s).firstSeq,
        }),
      ),
    );
    const verified = await verifyAuditFile(file, publicKey);
    expect(verified).toMatchObject({ ok: true, firstSeq: before[3].firstSeq });
    const { code, out } = await runVerify();
    expect(code).toBe(0);
    expect(out).toContain(`starts at seq ${before[3].firstSeq}, where an audited retention purge left it`);
    // A segment removed beyond what the purge recorded is still a missing segment.
    await unlink(before[3].path);
    expect(await verifyAuditFile(file, publicKey)).toMatchObject({ ok: false, fault: 'missing-segment' });
  });

  it('tells a replaced first kept file from the purge record (its first prev must be the purged last hash)', async () => {
    const clock = { now: T0 };
    const w = await daily(clock);
    // Every sealed segment goes: the active file is the first kept, and nothing after it could notice a re-chained
    // copy.
    await purgeAuditTrail(
      w.storage,
      new Date(clock.now - 0.5 * 24 * HOUR),
      sealSettings(() => clock.now),
      'parley:retention',
    );
    await w.log.close();
    expect(await listSegments(file)).toHaveLength(0);
    expect(await verifyAuditFile(file)).toMatchObject({ ok: true });
    await writeFile(file, `${rechain(await lines(file), 0, 'f'.repeat(64)).join('\n')}\n`);
    const result = await verifyAuditFile(file);
    expect(result).toMatchObject({ ok: false, fault: 'segment-mismatch' });
    expect(!result.ok && result.reason).toContain('does not follow the last record the audit.purged event recorded');
  });

  it('parley audit purge on the file trail: default cut-off from audit.retention, refused while a server holds the trail', async () => {
    const clock = { now: T0 };
    const w = await daily(clock);
    const config = parseConfig(
      `dataDir: ${JSON.stringify(dir)}\naudit: { retention: 3d, segmentMaxAge: 1d }\n`,
      'test.yaml',
      {},
    );
    const secrets = createSecretResolver();
    const out: string[] = [];
    const run = () =>
      auditCommand(['purge'], {
        dataDir: dir,
        retentionMs: config.audit.retentionMs,
        clock: () => clock.now + HOUR,
        purge: (before) => purgeFileAuditTrail(config, secrets, before, 'cli:retention'),
        stdout: (t) => out.push(t),
        stderr: (t) => out.push(t),
      });
    // The writer (a server) holds the trail's lock: the command refuses at once and says why.
    expect(await run()).toBe(1);
    expect(out.pop()).toMatch(
      /audit trail .* is locked by another process \(pid \d+.*A running server purges the segments older than audit.retention itself/,
    );
    await w.log.close();
    expect(await run()).toBe(0);
    // Cut-off T0 + 2 days + 1 hour: day 0, 1 and 2 go (the run sealed the idle active file first, it stays).
    expect(out.pop()).toMatch(
      /^Purged 3 segments .*: audit-000000000001.jsonl, audit-\d+.jsonl, audit-\d+.jsonl; the trail now starts at seq \d+/,
    );
    expect(await verifyAuditFile(file)).toMatchObject({ ok: true });
    expect((await parsed(file)).filter((r) => r.action === 'audit.purged').map((r) => r.details!.segment)).toHaveLength(
      3,
    );
    expect(await run()).toBe(0);
    expect(out.pop()).toContain('Nothing purged');
    secrets.close();
  });

  it('the server purges at start (off the request path) when audit.retention is set, and records it', async () => {
    const clock = { now: Date.now() - 10 * 24 * HOUR };
    const w = writer({ maxBytes: 64 * 1024 * 1024, maxAgeMs: 24 * HOUR }, clock);
    for (let d = 0; d < 4; d++) {
      clock.now += 24 * HOUR;
      await w.write(2);
    }
    await w.log.close();
    expect(await listSegments(file)).toHaveLength(3);
    const config = parseConfig(`dataDir: ${JSON.stringify(dir)}\naudit: { retention: 2d }\n`, 'test.yaml', {});
    const secrets = createSecretResolver();
    const durable = await openDurableState(config, { secrets, mode: 'server' });
    await expect
      .poll(async () => (await readFile(file, 'utf8')).includes('"audit.purged"'), { timeout: 20_000 })
      .toBe(true);
    await durable.close();
    secrets.close();
    // The idle active file (6 days old) was sealed first; then all four segments were older than 2 days.
    expect(await listSegments(file)).toHaveLength(0);
    const events = await queryAudit(auditFileReader(file), { action: 'audit.purged', limit: 10 });
    expect(events.map((e) => e.principalId)).toEqual(Array(4).fill('parley:retention'));
    expect(await verifyAuditFile(file)).toMatchObject({ ok: true });
    expect(await readdir(dir)).not.toContain('audit.jsonl.lock'); // released at close
  });
});
