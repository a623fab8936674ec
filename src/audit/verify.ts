// Audit trail verifier: replays the hash chain line by line (or row by row) and checks every checkpoint signature.

import type { KeyObject } from 'node:crypto';
import type { AuditStorage, StoredAuditLine } from '../store/audit-storage.js';
import { GENESIS_HASH, sha256Hex, signingKeyId, unsealLine, verifyCheckpoint } from './chain.js';

/** Action of the event a retention purge appends; `details.firstKeptSeq` names the oldest seq it kept. */
export const AUDIT_PURGED_ACTION = 'audit.purged';

/** What kind of fault a failed verification found. */
export type AuditFault =
  /** A record inside a file or table was edited, removed, inserted or forged. */
  | 'tampered'
  /** Only the very last line is incomplete: a write cut off by a crash. */
  | 'torn'
  /** Records between two segments, or the first segments without an audited purge, are gone. */
  | 'missing-segment'
  /** A segment does not continue its predecessor: renamed, out of order, or replaced. */
  | 'segment-mismatch';

/**
 * Outcome of a verification. `line` is the 1-based line number (in `segment` for a segmented file trail) or the row's
 * seq (table).
 */
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
      /** Set when the trail starts after seq 1 because an audited retention purge removed older records. */
      firstSeq?: number;
      /** Files read (sealed segments and the active file) when the file trail has rotated. */
      segments?: number;
      /**
       * The last checkpoint: record its seq and hash outside the trail (with a backup) and pass it as
       * `expectCheckpoint` later.
       */
      lastCheckpoint?: CheckpointAnchor;
    }
  | {
      ok: false;
      fault: AuditFault;
      line: number;
      /** The segment file the fault is in (a rotated file trail). */
      segment?: string;
      reason: string;
      /**
       * Set when the only fault is a last line cut off by a crash (no trailing newline); everything before it
       * verifies.
       */
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
}

type Parsed = {
  seq?: unknown;
  prev?: unknown;
  type?: unknown;
  keyId?: unknown;
  action?: unknown;
  details?: { firstKeptSeq?: unknown; lastLineHash?: unknown };
};

/**
 * Verifies a trail given as lines in stored order: every line's hash matches its bytes, seq counts up by one,
 * `prev` is the SHA-256 of the previous line, a row's seq column equals its record's seq, and (with
 * `publicKey`) every checkpoint carries a valid Ed25519 signature. Returns the first bad position. Editing a
 * field breaks that line's hash; removing, reordering or inserting breaks the seq/prev of the next line;
 * re-chaining everything after a forged insert breaks the next checkpoint's signature. Across the segments of
 * a rotated file trail the same rules hold at each boundary, and a fault there is named as a missing or
 * mismatched segment. A trail may start after seq 1 only where an `audit.purged` event names that seq as the
 * first kept (and, for segments, the hash the first kept line must follow).
 */
export async function verifyAuditLines(
  source: AsyncIterable<StoredAuditLine>,
  publicKey: KeyObject | undefined,
  options: ChainOptions,
): Promise<AuditVerification & { last?: number }> {
  const { unit } = options;
  const expectedKeyId = publicKey ? signingKeyId(publicKey) : undefined;
  let expected: number | undefined;
  let prev: string | undefined;
  let firstSeq = 1;
  let firstPrev = GENESIS_HASH;
  let firstSegment: string | undefined;
  /** firstKeptSeq of each purge → the hash the first kept line follows (segments), or null (table rows). */
  const purges = new Map<number, string | null>();
  let records = 0;
  let checkpoints = 0;
  let unsigned = 0;
  let position = 0;
  let before: number | undefined; // the unit (seq or line) of the record before the current one
  let segment: string | undefined;
  let segments = 0;
  const fail = (reason: string, fault: AuditFault = 'tampered'): AuditVerification => ({
    ok: false,
    fault,
    line: position,
    ...(segment ? { segment } : {}),
    reason,
  });
  let lastCheckpoint: CheckpointAnchor | undefined;
  let anchorSeen = false;
  const anchor = options.expectCheckpoint;
  for await (const stored of source) {
    before = position;
    position = stored.position;
    const previousSegment = segment;
    const boundary = stored.startsSegment;
    if (boundary) {
      segment = boundary.name;
      segments += 1;
    }
    const at = segment ? `${segment} line ${position}` : `${unit} ${position}`;
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
    if (typeof record.seq !== 'number' || !Number.isSafeInteger(record.seq) || record.seq < 1)
      return fail(`${at} has no valid seq: it was edited`);
    if (boundary?.firstSeq !== undefined && record.seq !== boundary.firstSeq) {
      return fail(
        `${segment} begins with seq ${record.seq}, but its name says ${boundary.firstSeq}: segment ` +
          `files were renamed, reordered or replaced`,
        'segment-mismatch',
      );
    }
    if (expected === undefined) {
      // The oldest record kept: seq 1 on the genesis hash, or a later one that an audited purge must account for.
      expected = firstSeq = record.seq;
      prev = firstPrev = typeof record.prev === 'string' ? record.prev : '';
      firstSegment = segment;
      if (record.seq === 1 && record.prev !== GENESIS_HASH)
        return fail(`${at} is seq 1 but does not start from the genesis hash: it was edited`);
    }
    if (record.seq !== expected) {
      if (boundary && previousSegment !== undefined) {
        if (record.seq > expected) {
          return fail(
            `seq ${expected} to ${record.seq - 1} are missing between ${previousSegment} and ` +
              `${segment}: a segment was removed`,
            'missing-segment',
          );
        }
        return fail(
          `${segment} starts at seq ${record.seq}, but ${previousSegment} already reached seq ` +
            `${expected - 1}: segments overlap or are out of order`,
          'segment-mismatch',
        );
      }
      return fail(
        `${at} has seq ${String(record.seq)} where ${String(expected)} was expected: a record ` +
          `before it was removed, inserted or reordered`,
      );
    }
    if (unit === 'row' && position !== record.seq)
      return fail(`${at} holds the record of seq ${String(record.seq)}: rows were renumbered or reordered`);
    if (record.prev !== prev) {
      if (boundary && previousSegment !== undefined) {
        return fail(
          `${segment} does not continue ${previousSegment}: its first record's prev is not the hash ` +
            `of the last record before it, so one of them was replaced or re-chained`,
          'segment-mismatch',
        );
      }
      return fail(
        `${at} does not follow ${unit} ${before} (prev mismatch): a record was removed, inserted or reordered`,
      );
    }
    if (anchor !== undefined && record.seq === anchor.seq) {
      if (record.type !== 'checkpoint' || seal.hash !== anchor.hash) {
        return fail(
          `${at} is not the checkpoint recorded as ${anchor.seq}:${anchor.hash}: the trail was ` +
            `rewritten from there on, or the anchor belongs to another trail`,
        );
      }
      anchorSeen = true;
    }
    if (record.type === 'checkpoint') {
      checkpoints += 1;
      lastCheckpoint = { seq: record.seq, hash: seal.hash };
      if (publicKey) {
        if (!seal.sig) return fail(`${at} is a checkpoint without a signature`);
        if (record.keyId !== expectedKeyId) {
          return fail(
            `${at} is signed by key ${String(record.keyId)}, but the public key given is ` +
              `${expectedKeyId}; use the matching public key`,
          );
        }
        if (!verifyCheckpoint(publicKey, record.seq, seal.hash, seal.sig)) {
          return fail(`${at}: checkpoint signature is invalid: records before it were forged or re-chained`);
        }
      }
      unsigned = 0;
    } else if (record.type === 'event') {
      records += 1;
      unsigned += 1;
      const details = record.details;
      if (record.action === AUDIT_PURGED_ACTION && typeof details?.firstKeptSeq === 'number') {
        purges.set(details.firstKeptSeq, typeof details.lastLineHash === 'string' ? details.lastLineHash : null);
      }
      if (options.maxUnsigned !== undefined && unsigned > options.maxUnsigned) {
        return fail(
          `${at} is the ${unsigned}th event without a checkpoint (at most ${options.maxUnsigned} ` +
            `allowed): checkpoints were removed`,
        );
      }
    } else {
      return fail(`${at} has unknown type ${String(record.type)}`);
    }
    expected = record.seq + 1;
    prev = sha256Hex(line);
  }
  if (firstSeq > 1) {
    const purge = purges.get(firstSeq);
    if (purge === undefined) {
      if (unit === 'row')
        return {
          ok: false,
          fault: 'tampered',
          line: firstSeq,
          reason:
            `${unit} ${firstSeq} is the first, but no ${AUDIT_PURGED_ACTION} event accounts for seq 1 ` +
            `to ${firstSeq - 1}: the oldest records were removed`,
        };
      return {
        ok: false,
        fault: 'missing-segment',
        line: 1,
        ...(firstSegment ? { segment: firstSegment } : {}),
        reason:
          `the trail starts at seq ${firstSeq}${firstSegment ? ` in ${firstSegment}` : ''}, but no ` +
          `${AUDIT_PURGED_ACTION} event accounts for seq 1 to ${firstSeq - 1}: the first segment(s) ` +
          `were removed without a retention purge`,
      };
    }
    if (purge !== null && purge !== firstPrev) {
      return {
        ok: false,
        fault: 'segment-mismatch',
        line: 1,
        ...(firstSegment ? { segment: firstSegment } : {}),
        reason:
          `the trail starts at seq ${firstSeq}${firstSegment ? ` in ${firstSegment}` : ''}, but its ` +
          `first record does not follow the last record the ${AUDIT_PURGED_ACTION} event recorded: ` +
          `the first segment was replaced`,
      };
    }
  }
  // Not reached: the trail ends before the recorded checkpoint (an audited purge that removed it is fine).
  if (anchor !== undefined && !anchorSeen && !(expected !== undefined && firstSeq > anchor.seq)) {
    const end = expected === undefined ? 0 : expected - 1;
    return {
      ok: false,
      fault: 'tampered',
      line: end,
      reason:
        `the trail ends at seq ${end}, before the checkpoint ${anchor.seq} recorded outside it: ` +
        `records ${end + 1} to ${anchor.seq} at least are missing (a restore from an older backup, ` +
        `or the tail was removed)`,
    };
  }
  return {
    ok: true,
    records,
    checkpoints,
    signaturesChecked: publicKey !== undefined,
    unsignedTail: unsigned,
    ...(firstSeq > 1 ? { firstSeq } : {}),
    ...(segments > 0 ? { segments } : {}),
    ...(lastCheckpoint ? { lastCheckpoint } : {}),
    last: position,
  };
}

/** Verifies a trail in any storage (PostgreSQL: row by row, from the oldest row kept). */
export async function verifyAuditStorage(
  storage: AuditStorage,
  publicKey?: KeyObject,
  options: VerifyOptions = {},
): Promise<AuditVerification> {
  const { last: _last, ...result } = await verifyAuditLines(storage.lines(), publicKey, {
    ...options,
    unit: storage.unit,
  });
  return result as AuditVerification;
}
