// Parley API key format: `prl_` + 32 random base62 chars + 6-char CRC32 checksum, shaped for secret scanners.

import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { BASE62_RE, encodeBase62, randomBase62 } from './base62.js';
import * as nodeCrypto from 'node:crypto';

/** `crypto.hash` (Node >= 20.12): one-shot hashing without a Hash object; createHash where it is missing. */
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

/** Prefix of every Parley API key; lets secret scanners (and people) recognise a leaked key. */
export const API_KEY_PREFIX = 'prl_';
/** Random part: 32 base62 chars ≈ 190 bits of entropy from crypto.randomBytes. */
export const API_KEY_RANDOM_LENGTH = 32;
/** Checksum part: CRC32 of the random part as 6 base62 chars (62^6 > 2^32). */
export const API_KEY_CHECKSUM_LENGTH = 6;
/** Total length of a well-formed key (42). */
export const API_KEY_LENGTH = API_KEY_PREFIX.length + API_KEY_RANDOM_LENGTH + API_KEY_CHECKSUM_LENGTH;
/** Prefix of key ids (public, safe to log; not derived from the secret). */
export const KEY_ID_PREFIX = 'key_';

/** A freshly minted key: `secret` is shown once and never stored; `id` is its public handle. */
export interface GeneratedApiKey {
  secret: string;
  id: string;
}

function checksum(randomPart: string): string {
  return encodeBase62(crc32(randomPart), API_KEY_CHECKSUM_LENGTH);
}

/** Mints a new key with a random id (`key_` + 12 base62) that reveals nothing about the secret. */
export function generateApiKey(): GeneratedApiKey {
  const randomPart = randomBase62(API_KEY_RANDOM_LENGTH);
  return {
    secret: API_KEY_PREFIX + randomPart + checksum(randomPart),
    id: generateKeyId(),
  };
}

/** A new public key id: `key_` + 12 random base62 chars. */
export function generateKeyId(): string {
  return KEY_ID_PREFIX + randomBase62(12);
}

/**
 * True when `s` has the prefix, length, charset and a matching checksum. Lets authentication reject
 * typos, truncated pastes and foreign tokens without a store lookup. Not a secret check: anyone can
 * compute a valid checksum, so this only filters, it never authenticates.
 */
export function isWellFormedApiKey(s: string): boolean {
  if (s.length !== API_KEY_LENGTH || !s.startsWith(API_KEY_PREFIX)) return false;
  const body = s.slice(API_KEY_PREFIX.length);
  if (!BASE62_RE.test(body)) return false;
  const randomPart = body.slice(0, API_KEY_RANDOM_LENGTH);
  return checksum(randomPart) === body.slice(API_KEY_RANDOM_LENGTH);
}

/** True when `s` starts like a Parley key (used to pick a helpful error message, not to authenticate). */
export function looksLikeApiKey(s: string): boolean {
  return s.startsWith(API_KEY_PREFIX);
}

/**
 * SHA-256 hex of the secret: what the key store keeps and looks up by.
 *
 * A fast hash is right here, unlike for passwords: password hashes (bcrypt, scrypt, argon2) are slow
 * to make guessing low-entropy human secrets expensive. Our secrets are 190 bits from a CSPRNG, so
 * there is nothing to guess: even at 10^12 SHA-256 per second an attacker holding the hash file needs
 * ~10^45 years. No salt is needed for the same reason (no two keys collide, no rainbow table covers
 * 2^190), and a deterministic hash lets us find a key in O(1) by its hash on every request, which a
 * slow salted hash would turn into a per-request CPU cost of tens of milliseconds.
 */
export function hashApiKey(secret: string): string {
  return oneShot ? oneShot('sha256', secret, 'hex') : createHash('sha256').update(secret, 'utf8').digest('hex');
}
