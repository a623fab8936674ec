// Audit trail verifier: replays the hash chain line by line and checks every checkpoint signature.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { KeyObject } from 'node:crypto';
import { GENESIS_HASH, sha256Hex, signingKeyId, unsealLine, verifyCheckpoint } from './chain.js';

/** Outcome of {@link verifyAuditFile}. `line` numbers are 1-based. */
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
    }
  | { ok: false; line: number; reason: string };

/** Options of {@link verifyAuditFile}. */
export interface VerifyOptions {
  /** Fail when more than this many events follow each other without a checkpoint (catches stripped checkpoints). */
  maxUnsigned?: number;
}

/**
 * Verifies `file`: every line's hash matches its bytes, seq counts up from 1, `prev` is the SHA-256 of the
 * previous line, and (with `publicKey`) every checkpoint carries a valid Ed25519 signature. Returns the
 * first bad line. Editing a field breaks that line's hash; removing, reordering or inserting breaks the
 * seq/prev of the next line; re-chaining everything after a forged insert breaks the next checkpoint's signature.
 */
export async function verifyAuditFile(file: string, publicKey?: KeyObject, options: VerifyOptions = {}): Promise<AuditVerification> {
  const expectedKeyId = publicKey ? signingKeyId(publicKey) : undefined;
  const fileSize = (await stat(file)).size;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  let bytes = 0;
  let prev = GENESIS_HASH;
  let records = 0;
  let checkpoints = 0;
  let unsigned = 0;
  const fail = (reason: string): AuditVerification => {
    lines.close();
    return { ok: false, line: lineNo, reason };
  };
  for await (const line of lines) {
    lineNo += 1;
    bytes += Buffer.byteLength(line, 'utf8') + 1;
    const seal = unsealLine(line);
    if (!seal) return fail(`line ${lineNo} has no hash seal: it was not written by Parley or was edited`);
    let record: { seq?: unknown; prev?: unknown; type?: unknown; keyId?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      return fail(`line ${lineNo} is not valid JSON: it was edited`);
    }
    if (sha256Hex(seal.body) !== seal.hash) return fail(`line ${lineNo} was edited: its hash does not match its content`);
    if (record.seq !== lineNo) {
      return fail(`line ${lineNo} has seq ${String(record.seq)} where ${lineNo} was expected: a record before it was removed, inserted or reordered`);
    }
    if (record.prev !== prev) {
      return fail(`line ${lineNo} does not follow line ${lineNo - 1} (prev mismatch): a record was removed, inserted or reordered`);
    }
    if (record.type === 'checkpoint') {
      checkpoints += 1;
      if (publicKey) {
        if (!seal.sig) return fail(`line ${lineNo} is a checkpoint without a signature`);
        if (record.keyId !== expectedKeyId) {
          return fail(`line ${lineNo} is signed by key ${String(record.keyId)}, but the public key given is ${expectedKeyId}; use the matching public key`);
        }
        if (!verifyCheckpoint(publicKey, lineNo, seal.hash, seal.sig)) {
          return fail(`line ${lineNo}: checkpoint signature is invalid: records before it were forged or re-chained`);
        }
      }
      unsigned = 0;
    } else if (record.type === 'event') {
      records += 1;
      unsigned += 1;
      if (options.maxUnsigned !== undefined && unsigned > options.maxUnsigned) {
        return fail(`line ${lineNo} is the ${unsigned}th event without a checkpoint (at most ${options.maxUnsigned} allowed): checkpoints were removed`);
      }
    } else {
      return fail(`line ${lineNo} has unknown type ${String(record.type)}`);
    }
    prev = sha256Hex(line);
  }
  if (bytes !== fileSize) {
    return { ok: false, line: lineNo, reason: `line ${lineNo} is incomplete (no trailing newline): the last write was cut off` };
  }
  return { ok: true, records, checkpoints, signaturesChecked: publicKey !== undefined, unsignedTail: unsigned };
}
