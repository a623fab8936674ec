import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import { API_KEY_LENGTH, generateApiKey, hashApiKey, isWellFormedApiKey } from '../../src/security/api-key-format.js';
import { BASE62_ALPHABET, encodeBase62, randomBase62 } from '../../src/security/base62.js';

describe('api key format', () => {
  it('generates prl_ + 32 random + 6 checksum base62 chars, with an unrelated id', () => {
    const { secret, id } = generateApiKey();
    expect(secret).toMatch(/^prl_[0-9A-Za-z]{38}$/);
    expect(secret).toHaveLength(API_KEY_LENGTH);
    expect(id).toMatch(/^key_[0-9A-Za-z]{12}$/);
    expect(secret).not.toContain(id.slice(4));
    const random = secret.slice(4, 36);
    expect(secret.slice(36)).toBe(encodeBase62(crc32(random), 6));
    expect(isWellFormedApiKey(secret)).toBe(true);
  });

  it('never repeats', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(generateApiKey().secret);
    expect(seen.size).toBe(500);
  });

  it('draws every base62 char equally often (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1000 each (σ ≈ 31). A generator doing byte % 62 without rejection gives the first
    // 8 chars ~1240, which this bound catches; a fair one stays inside it with overwhelming odds.
    for (const c of BASE62_ALPHABET) {
      expect(counts.get(c)).toBeGreaterThan(850);
      expect(counts.get(c)).toBeLessThan(1150);
    }
  });

  it('rejects a wrong checksum (a one-character typo)', () => {
    const { secret } = generateApiKey();
    const i = 10;
    const typo = secret.slice(0, i) + (secret[i] === 'a' ? 'b' : 'a') + secret.slice(i + 1);
    expect(isWellFormedApiKey(typo)).toBe(false);
    const badSum = secret.slice(0, -1) + (secret.at(-1) === '0' ? '1' : '0');
    expect(isWellFormedApiKey(badSum)).toBe(false);
  });

  it('rejects truncated, extended, foreign-prefix and non-base62 keys', () => {
    const { secret } = generateApiKey();
    expect(isWellFormedApiKey(secret.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${secret}x`)).toBe(false);
    expect(isWellFormedApiKey(`ghp_${secret.slice(4)}`)).toBe(false);
    expect(isWellFormedApiKey(`PRL_${secret.slice(4)}`)).toBe(false);
    expect(isWellFormedApiKey(`prl_${'-'.repeat(38)}`)).toBe(false);
    expect(isWellFormedApiKey('')).toBe(false);
  });

  it('hashes with SHA-256 hex, deterministically', () => {
    const { secret } = generateApiKey();
    expect(hashApiKey(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(secret)).toBe(hashApiKey(secret));
    expect(hashApiKey(secret)).not.toBe(hashApiKey(generateApiKey().secret));
  });

  it('encodes base62 with fixed width and refuses overflow', () => {
    expect(encodeBase62(0, 6)).toBe('000000');
    expect(encodeBase62(61, 2)).toBe('0z');
    expect(encodeBase62(0xffffffff, 6)).toHaveLength(6);
    expect(() => encodeBase62(62 ** 2, 2)).toThrow(RangeError);
    expect(randomBase62(100)).toMatch(/^[0-9A-Za-z]{100}$/);
  });
});
