// Base62 helpers: unbiased random strings and fixed-width integer encoding for API keys and ids.

import { randomBytes } from 'node:crypto';

/** The base62 alphabet, digits then upper then lower case (the order GitHub's tokens use). */
export const BASE62_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Matches a string made only of base62 characters. */
export const BASE62_RE = /^[0-9A-Za-z]*$/;

/** Largest multiple of 62 that fits in a byte: bytes at or above it are rejected so every char is equally likely. */
const REJECT_FROM = 248;

/** `length` base62 characters from the CSPRNG with no modulo bias (log2(62) ≈ 5.954 bits per char). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const bytes = randomBytes(Math.ceil((length - out.length) * 1.1) + 4);
    for (const byte of bytes) {
      if (byte >= REJECT_FROM) continue;
      out += BASE62_ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Encodes a non-negative integer as exactly `width` base62 chars, left-padded with '0'. */
export function encodeBase62(value: number, width: number): string {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError('encodeBase62 needs a non-negative safe integer');
  let n = value;
  let out = '';
  do {
    out = BASE62_ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  if (out.length > width) throw new RangeError(`value ${value} does not fit in ${width} base62 chars`);
  return out.padStart(width, '0');
}
