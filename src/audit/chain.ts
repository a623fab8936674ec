// Hash-chain primitives shared by the audit writer and verifier: sealing a line and taking one apart.

import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import * as nodeCrypto from 'node:crypto';

/** `crypto.hash` (Node >= 20.12): one-shot hashing without a Hash object; createHash where it is missing. */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** `prev` of the first line of a trail. */
export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256 hex of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Serialises `body` (which must already hold seq and prev) and appends `"hash"` (and for checkpoints a
 * `"sig"` made by `signer` over that hash) as the last members, so the hashed bytes are exactly the
 * line's bytes up to them: no canonical-JSON ambiguity. Returns the line without its newline.
 */
export function sealLine(
  body: Record<string, unknown>,
  signer?: (hash: string) => string,
): { line: string; hash: string } {
  const json = JSON.stringify(body);
  const hash = sha256Hex(json);
  const sig = signer ? `,"sig":"${signer(hash)}"` : '';
  return { line: `${json.slice(0, -1)},"hash":"${hash}"${sig}}`, hash };
}

const SEAL_RE = /,"hash":"([0-9a-f]{64})"(?:,"sig":"([A-Za-z0-9_-]+)")?}$/;

/** Splits a line into the bytes that were hashed and the recorded hash/sig; undefined if it has no seal. */
export function unsealLine(line: string): { body: string; hash: string; sig?: string } | undefined {
  const match = SEAL_RE.exec(line);
  if (!match) return undefined;
  return { body: `${line.slice(0, match.index)}}`, hash: match[1], sig: match[2] };
}

function checkpointPayload(seq: number, hash: string): Buffer {
  return Buffer.from(`parley-audit-checkpoint:v1:${seq}:${hash}`, 'utf8');
}

/** Ed25519 signature (base64url) of a checkpoint's seq and hash. */
export function signCheckpoint(privateKey: KeyObject, seq: number, hash: string): string {
  return sign(null, checkpointPayload(seq, hash), privateKey).toString('base64url');
}

/** True when `sig` is a valid Ed25519 signature of the checkpoint by `publicKey`. */
export function verifyCheckpoint(publicKey: KeyObject, seq: number, hash: string, sig: string): boolean {
  try {
    return verify(null, checkpointPayload(seq, hash), publicKey, Buffer.from(sig, 'base64url'));
  } catch {
    return false;
  }
}

/** Short id of a signing key pair: the first 16 hex chars of SHA-256 over the public key's SPKI DER. */
export function signingKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}
