// Durations, sizes, secret reference parsing and "did you mean" suggestions.

import { describe, expect, it } from 'vitest';
import { looksLikeLiteralSecret, parseDuration, parseSecretRef, parseSize } from '../../src/config/index.js';
import { formatDuration } from '../../src/config/schema.js';
import { editDistance, suggest } from '../../src/config/suggest.js';

describe('durations', () => {
  it.each([
    [250, 250],
    ['250ms', 250],
    ['30s', 30_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
    [0, 0],
  ] as const)('%s is %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['30', '5 minutes', '1w', '-1s', 's', ''])('refuses %j', (input) => {
    expect(() => parseDuration(input)).toThrow(RangeError);
  });

  it('refuses negative numbers', () => {
    expect(() => parseDuration(-1)).toThrow(RangeError);
  });

  it('formats back to the shortest unit', () => {
    expect([formatDuration(30_000), formatDuration(600_000), formatDuration(200), formatDuration(86_400_000)]).toEqual([
      '30s',
      '10m',
      '200ms',
      '1d',
    ]);
  });
});

describe('sizes', () => {
  it.each([
    [65536, 65536],
    ['512kb', 512 * 1024],
    ['1mb', 1024 * 1024],
    ['1MB', 1024 * 1024],
    ['2 gb', 2 * 1024 ** 3],
    ['100b', 100],
  ] as const)('%s is %i bytes', (input, bytes) => {
    expect(parseSize(input)).toBe(bytes);
  });

  it.each(['1zb', 'mb', '1.5', ''])('refuses %j', (input) => {
    expect(() => parseSize(input)).toThrow(RangeError);
  });
});

describe('secret references', () => {
  it('parses env, file and vault (with or without the KV v2 data/ segment)', () => {
    expect(parseSecretRef('env:OPENAI_KEY')).toEqual({ kind: 'env', name: 'OPENAI_KEY' });
    expect(parseSecretRef('file:/run/secrets/a')).toEqual({ kind: 'file', path: '/run/secrets/a' });
    expect(parseSecretRef('vault:secret/data/app/llm#key')).toEqual({
      kind: 'vault',
      mount: 'secret',
      path: 'app/llm',
      field: 'key',
    });
    expect(parseSecretRef('vault:kv/app#key')).toEqual({ kind: 'vault', mount: 'kv', path: 'app', field: 'key' });
  });

  it('rejects anything else', () => {
    for (const bad of [
      'env:',
      'env:A-B',
      'file:rel/path',
      'vault:secret#f',
      'vault:secret/app',
      'sk-123',
      'OPENAI_KEY',
    ]) {
      expect(parseSecretRef(bad)).toBeUndefined();
    }
  });

  it('recognises pasted credentials', () => {
    for (const literal of [
      'sk-abc',
      'sk-ant-api03-x',
      'prl_abc',
      'ghp_abc',
      'eyJhbGciOi',
      'Bearer abc',
      'AbCdEfGhIjKlMnOpQrStUvWxYz012345',
    ]) {
      expect(looksLikeLiteralSecret(literal)).toBe(true);
    }
    for (const ref of ['env:SK_KEY', 'file:/run/sk-key', 'main']) expect(looksLikeLiteralSecret(ref)).toBe(false);
  });
});

describe('suggestions', () => {
  it('counts edits, including transpositions', () => {
    expect(editDistance('provders', 'providers')).toBe(1);
    expect(editDistance('mian', 'main')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
  });

  it('suggests only close candidates', () => {
    expect(suggest('provders', ['server', 'providers', 'models'])).toBe('providers');
    expect(suggest('base_url', ['baseUrl', 'apiKeys'])).toBe('baseUrl');
    expect(suggest('zzzz', ['server', 'providers'])).toBeUndefined();
  });
});
