// Audit trail verifier: replays the hash chain line by line (or row by row) and checks every checkpoint signature.

import { open, stat } from 'node:fs/promises';
import type { KeyObject } from 'node:crypto';
import type { AuditStorage, StoredAuditLine } from '../store/audit-storage.js';
import { FileAuditStorage } from '../store/file/audit-file-storage.js';
import { GENESIS_HASH, sha256Hex, signingKeyId, unsealLine, verifyCheckpoint } from './chain.js';

/** Action of the event a retention purge appends; `details.firstKeptSeq` names the oldest seq it kept. */
export const AUDIT_PURGED_ACTION = 'audit.purged';

/** Outcome of a verification. `line` is the 1-based line number (file) or the row's seq (table). */
export type AuditVerification =
  | {
      ok: true;
      /** Event records (checkpoints not counted). */
      records: number;
      checkpoints: number;
      /** Whether checkpoint signatures were checked (a public key was given). */
      signaturesChecked: boolean;
      /** Events after the last checkpoint: protected by the chain but not yet by a signature. */
      unsignedTail: number;
      /** Set when the trail starts after seq 1 because an audited retention purge removed older rows. */
      firstSeq?: number;
      /** The last checkpoint: record its seq and hash outside the trail (with a backup) and pass it as `expectCheckpoint` later. */
      lastCheckpoint?: CheckpointAnchor;
    }
  | {
      ok: false;
      line: number;
      reason: string;
      /** Set when the only fault is a last line cut off by a crash (no trailing newline); everything before it verifies. */
      torn?: true;
    };

/** A checkpoint named by its seq and the SHA-256 of its record (the hash its signature covers). */
export interface CheckpointAnchor {
  seq: number;
  hash: string;
}

/** Options of the verifiers. */
export interface VerifyOptions {
  /** Fail when more than this many events follow each other without a checkpoint (catches stripped checkpoints). */
  maxUnsigned?: number;
  /**
   * A checkpoint recorded outside the trail (next to a backup, in a ticket): the trail must still hold it. A chain
   * cut after any record verifies by itself; this catches a restore (or an attacker) that lost the tail.
   */
  expectCheckpoint?: CheckpointAnchor;
}

/** Parses `SEQ:HASH` (as `parley audit verify` prints it) into an anchor; undefined when malformed. */
export function parseCheckpointAnchor(text: string): CheckpointAnchor | undefined {
  const match = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  return match ? { seq: Number(match[1]), hash: match[2] as string } : undefined;
}

interface ChainOptions extends VerifyOptions {
  unit: 'line' | 'row';
  /** The trail may start after seq 1 (a table whose oldest rows a purge removed, with an audited purge event). */
  anchored: boolean;
}

type Parsed = { seq?: unknown; prev?: unknown; type?: unknown; keyId?: unknown; action?: unknown; details?: { firstKeptSeq?: unknown } };

/**
 * Verifies a trail given as lines in stored order: every line's hash matches its bytes, seq counts up by one,
 * `prev` is the SHA-256 of the previous line, a row's seq column equals its record's seq, and (with
 * `publicKey`) every checkpoint carries a valid Ed25519 signature. Returns the first bad position. Editing a
 * field breaks that line's hash; removing, reordering or inserting breaks the seq/prev of the next line;
 * re-chaining everything after a forged insert breaks the next checkpoint's signature.
 */
export async function verifyAuditLines(source: AsyncIterable<StoredAuditLine>, publicKey: KeyObject | undefined, options: ChainOptions): Promise<AuditVerification & { last?: number }> {
  const { unit } = options;
  const expectedKeyId = publicKey ? signingKeyId(publicKey) : undefined;
  let expected: number | undefined = options.anchored ? undefined : 1;
  let prev: string | undefined = options.anchored ? undefined : GENESIS_HASH;
  let firstSeq = 1;
  const purgedTo = new Set<number>();
  let records = 0;
  let checkpoints = 0;
  let unsigned = 0;
  let position = 0;
  let before = 0;
  let lastCheckpoint: CheckpointAnchor | undefined;
  let anchorSeen = false;
  const anchor = options.expectCheckpoint;
  const fail = (reason: string): AuditVerification => ({ ok: false, line: position, reason });
  for await (const stored of source) {
    before = position;
    position = stored.position;
    const at = `${unit} ${position}`;
    const line = stored.line;
    const seal = unsealLine(line);
    if (!seal) return fail(`${at} has no hash seal: it was not written by Parley or was edited`);
    let record: Parsed;
    try {
      record = JSON.parse(line) as Parsed;
    } catch {
      return fail(`${at} is not valid JSON: it was edited`);
    }
    if (sha256Hex(seal.body) !== seal.hash) return fail(`${at} was edited: its hash does not match its content`);
    if (expected === undefined && typeof record.seq === 'number' && typeof record.prev === 'string') {
      expected = firstSeq = record.seq;
      prev = record.prev;
    }
    if (typeof record.seq !== 'number' || record.seq !== expected) {
      return fail(`${at} has seq ${String(record.seq)} where ${String(expected)} was expected: a record before it was removed, inserted or reordered`);
    }
    if (unit === 'row' && position !== record.seq) return fail(`${at} holds the record of seq ${String(record.seq)}: rows were renumbered or reordered`);
    if (record.prev !== prev) {
      return fail(`${at} does not follow ${unit} ${before} (prev mismatch): a record was removed, inserted or reordered`);
    }
    if (anchor !== undefined && record.seq === anchor.seq) {
      if (record.type !== 'checkpoint' || seal.hash !== anchor.hash) {
        return fail(`${at} is not the checkpoint recorded as ${anchor.seq}:${anchor.hash}: the trail was rewritten from there on, or the anchor belongs to another trail`);
      }
      anchorSeen = true;
    }
    if (record.type === 'checkpoint') {
      checkpoints += 1;
      lastCheckpoint = { seq: record.seq, hash: seal.hash };
      if (publicKey) {
        if (!seal.sig) return fail(`${at} is a checkpoint without a signature`);
        if (record.keyId !== expectedKeyId) {
          return fail(`${at} is signed by key ${String(record.keyId)}, but the public key given is ${expectedKeyId}; use the matching public key`);
        }
        if (!verifyCheckpoint(publicKey, record.seq, seal.hash, seal.sig)) {
          return fail(`${at}: checkpoint signature is invalid: records before it were forged or re-chained`);
        }
      }
      unsigned = 0;
    } else if (record.type === 'event') {
      records += 1;
      unsigned += 1;
      if (record.action === AUDIT_PURGED_ACTION && typeof record.details?.firstKeptSeq === 'number') purgedTo.add(record.details.firstKeptSeq);
      if (options.maxUnsigned !== undefined && unsigned > options.maxUnsigned) {
        return fail(`${at} is the ${unsigned}th event without a checkpoint (at most ${options.maxUnsigned} allowed): checkpoints were removed`);
      }
    } else {
      return fail(`${at} has unknown type ${String(record.type)}`);
    }
    expected = record.seq + 1;
    prev = sha256Hex(line);
  }
  if (firstSeq > 1 && !purgedTo.has(firstSeq)) {
    return { ok: false, line: firstSeq, reason: `${unit} ${firstSeq} is the first, but no ${AUDIT_PURGED_ACTION} event accounts for seq 1 to ${firstSeq - 1}: the oldest records were removed` };
  }
  // Not reached: the trail ends before the recorded checkpoint (an audited purge that removed it is fine).
  if (anchor !== undefined && !anchorSeen && !(expected !== undefined && firstSeq > anchor.seq)) {
    const end = expected === undefined ? 0 : expected - 1;
    return {
      ok: false,
      line: end,
      reason: `the trail ends at seq ${end}, before the checkpoint ${anchor.seq} recorded outside it: records ${end + 1} to ${anchor.seq} at least are missing (a restore from an older backup, or the tail was removed)`,
    };
  }
  return { ok: true, records, checkpoints, signaturesChecked: publicKey !== undefined, unsignedTail: unsigned, ...(firstSeq > 1 ? { firstSeq } : {}), ...(lastCheckpoint ? { lastCheckpoint } : {}), last: position };
}

/** Verifies a trail in any storage (PostgreSQL: row by row, from the oldest row kept). */
export async function verifyAuditStorage(storage: AuditStorage, publicKey?: KeyObject, options: VerifyOptions = {}): Promise<AuditVerification> {
  const { last: _last, ...result } = await verifyAuditLines(storage.lines(), publicKey, { ...options, unit: storage.unit, anchored: storage.unit === 'row' });
  return result as AuditVerification;
}

/**
 * Verifies the trail in `file`. A last line without its newline is a write cut off by a crash, not tampering:
 * the lines before it are verified, and if they hold, the result is `torn` (Parley cuts that line at its next
 * start and records `audit.recovered`).
 */
export async function verifyAuditFile(file: string, publicKey?: KeyObject, options: VerifyOptions = {}): Promise<AuditVerification> {
  const torn = await endsWithoutNewline(file);
  async function* complete(): AsyncIterable<StoredAuditLine> {
    let held: StoredAuditLine | undefined;
    for await (const stored of new FileAuditStorage(file).lines()) {
      if (held !== undefined) yield held;
      held = stored;
    }
    if (held !== undefined && !torn) yield held;
  }
  const { last, ...result } = await verifyAuditLines(complete(), publicKey, { ...options, unit: 'line', anchored: false });
  if (!result.ok || !torn) return result as AuditVerification;
  const line = (last ?? 0) + 1;
  return {
    ok: false,
    torn: true,
    line,
    reason: `line ${line} is incomplete (no trailing newline): a write was cut off by a crash, and the ${line - 1} lines before it verify. Parley removes this line at its next start and records an audit.recovered event with the bytes it discarded`,
  };
}

/** True when the file's last byte is not a newline (a write was cut off). */
async function endsWithoutNewline(file: string): Promise<boolean> {
  const { size } = await stat(file);
  if (size === 0) return false;
  const handle = await open(file, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
