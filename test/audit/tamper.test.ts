import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { sealLine, sha256Hex } from '../../src/audit/chain.js';
import { parseCheckpointAnchor } from '../../src/audit/verify.js';
import { verifyAuditFile } from '../../src/compose/audit-file.js';
import { FileAuditStorage } from '../../src/store/file/audit-file-storage.js';

let dir: string;
let pristine: string[];
const file = () => join(dir, 'audit.jsonl');
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

/** 10 events with a checkpoint after every 4 → lines: e e e e C e e e e C e e C (13 lines). */
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-tamper-'));
  const log = createAuditLog({ storage: new FileAuditStorage(file()), signingKey: privateKey, checkpointEvery: 4 });
  for (let i = 1; i <= 10; i++) {
    log.append({
      requestId: `r${i}`,
      principalId: `key_${i}`,
      action: i % 2 ? 'auth.failure' : 'auth.success',
      outcome: i % 2 ? 'denied' : 'success',
    });
  }
  await log.close();
  pristine = (await readFile(file(), 'utf8')).trimEnd().split('\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await save(pristine);
});

async function save(lines: string[]): Promise<void> {
  await writeFile(file(), `${lines.join('\n')}\n`);
}

/** Rewrites lines[from..] so seq, prev and hash are all consistent again (what a careful forger does). */
function rechain(lines: string[], from: number): string[] {
  const out = lines.slice(0, from);
  let prev = from === 0 ? '0'.repeat(64) : sha256Hex(out[from - 1]);
  for (let i = from; i < lines.length; i++) {
    const { hash: _h, sig: _s, ...body } = JSON.parse(lines[i]) as Record<string, unknown>;
    const sealed = sealLine({ ...body, seq: i + 1, prev }, typeof _s === 'string' ? () => _s : undefined);
    out.push(sealed.line);
    prev = sha256Hex(sealed.line);
  }
  return out;
}

describe('verifyAuditFile against tampering', () => {
  it('accepts the untouched trail', async () => {
    expect(pristine).toHaveLength(13);
    expect(await verifyAuditFile(file(), publicKey)).toEqual({
      ok: true,
      records: 10,
      checkpoints: 3,
      signaturesChecked: true,
      unsignedTail: 0,
      lastCheckpoint: { seq: 13, hash: expect.stringMatching(/^[0-9a-f]{64}$/) },
    });
  });

  it('names a line whose field was edited', async () => {
    const lines = [...pristine];
    lines[2] = lines[2].replace('"outcome":"denied"', '"outcome":"success"');
    expect(lines[2]).not.toBe(pristine[2]);
    await save(lines);
    expect(await verifyAuditFile(file(), publicKey)).toEqual({
      ok: false,
      fault: 'tampered',
      line: 3,
      reason: expect.stringContaining('line 3 was edited'),
    });
  });

  it('catches an edit whose own hash was recomputed, at the next line', async () => {
    const lines = [...pristine];
    const { hash: _h, ...body } = JSON.parse(lines[1]) as Record<string, unknown>;
    lines[1] = sealLine({ ...body, principalId: 'key_innocent' }).line;
    await save(lines);
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({
      ok: false,
      line: 3,
      reason: expect.stringContaining('prev mismatch'),
    });
  });

  it('names the gap left by a deleted line', async () => {
    await save(pristine.filter((_, i) => i !== 5));
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({
      ok: false,
      line: 6,
      reason: expect.stringContaining('removed, inserted or reordered'),
    });
  });

  it('names the first of two swapped lines', async () => {
    const lines = [...pristine];
    [lines[6], lines[7]] = [lines[7], lines[6]];
    await save(lines);
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({ ok: false, line: 7 });
  });

  it('catches a forged line inserted with a re-chained file by the next signed checkpoint', async () => {
    const forged = JSON.stringify({
      seq: 0,
      prev: '',
      type: 'event',
      time: new Date().toISOString(),
      requestId: 'forged',
      action: 'key.created',
      outcome: 'success',
    });
    const lines = rechain(
      [...pristine.slice(0, 6), `${forged.slice(0, -1)},"hash":"${'0'.repeat(64)}"}`, ...pristine.slice(6)],
      6,
    );
    await save(lines);
    // The chain alone is now consistent: without the public key the forgery passes...
    expect(await verifyAuditFile(file())).toMatchObject({ ok: true, records: 11, signaturesChecked: false });
    // ...but the checkpoint after it (line 10, now line 11) no longer matches its signature.
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({
      ok: false,
      line: 11,
      reason: expect.stringContaining('signature is invalid'),
    });
  });

  it('rejects a bad signature and a checkpoint stripped of its signature', async () => {
    const lines = [...pristine];
    const sig = (JSON.parse(lines[4]) as { sig: string }).sig;
    lines[4] = lines[4].replace(sig, `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    await save(lines);
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({
      ok: false,
      line: 5,
      reason: expect.stringContaining('signature is invalid'),
    });
    const stripped = [...pristine];
    stripped[4] = stripped[4].replace(/,"sig":"[^"]+"/, '');
    await save(stripped);
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({
      ok: false,
      line: 5,
      reason: expect.stringContaining('without a signature'),
    });
  });

  it('rejects checkpoints when verified with another public key', async () => {
    const other = generateKeyPairSync('ed25519').publicKey;
    expect(await verifyAuditFile(file(), other)).toMatchObject({
      ok: false,
      line: 5,
      reason: expect.stringContaining('use the matching public key'),
    });
  });

  it('catches checkpoints removed with a re-chained file when a maximum gap is required', async () => {
    const lines = rechain(
      pristine.filter((l) => !l.includes('"type":"checkpoint"')),
      0,
    );
    await save(lines);
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({ ok: true, checkpoints: 0, unsignedTail: 10 });
    expect(await verifyAuditFile(file(), publicKey, { maxUnsigned: 4 })).toMatchObject({
      ok: false,
      line: 5,
      reason: expect.stringContaining('checkpoints were removed'),
    });
  });

  it('rejects a last line cut off without its newline, and a line that is not JSON', async () => {
    await writeFile(file(), `${pristine.join('\n')}\n${pristine[0].slice(0, 40)}`);
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({ ok: false, line: 14 });
    await save([...pristine.slice(0, 3), 'garbage', ...pristine.slice(3)]);
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({
      ok: false,
      line: 4,
      reason: expect.stringContaining('no hash seal'),
    });
  });

  it('with a checkpoint recorded outside the trail, catches a lost tail and a trail rewritten from it on', async () => {
    const anchor = await verifyAuditFile(file(), publicKey).then((r) => (r.ok ? r.lastCheckpoint : undefined));
    const rewritten = parseCheckpointAnchor(`5:${'0'.repeat(64)}`); // seq 5 is a checkpoint, but not this one
    expect(anchor?.seq).toBe(13);
    expect(await verifyAuditFile(file(), publicKey, { expectCheckpoint: anchor })).toMatchObject({ ok: true });
    // A restore from an older backup (or a removed tail) ends the chain earlier: it still verifies by itself...
    await save(pristine.slice(0, 10));
    expect(await verifyAuditFile(file(), publicKey)).toMatchObject({ ok: true, records: 8 });
    // ...but not against the recorded checkpoint.
    expect(await verifyAuditFile(file(), publicKey, { expectCheckpoint: anchor })).toMatchObject({
      ok: false,
      line: 10,
      reason: expect.stringContaining('the trail ends at seq 10, before the checkpoint 13'),
    });
    // The same seq holding another record (re-chained from there on) is named.
    await save(pristine);
    expect(await verifyAuditFile(file(), publicKey, { expectCheckpoint: rewritten })).toMatchObject({
      ok: false,
      line: 5,
      reason: expect.stringContaining('is not the checkpoint recorded as 5:'),
    });
    expect(parseCheckpointAnchor('13:xyz')).toBeUndefined();
  });
});
