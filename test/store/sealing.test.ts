// Sealing: AES-256-GCM records with a key id; old keys read, the new key writes; tampering and context swaps fail.

import { describe, expect, it } from 'vitest';
import { keyIdOf, parseStateKey, Sealer, UnreadableRecordError } from '../../src/store/sealing.js';

const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);

describe('Sealer', () => {
  it('seals with a random IV under the current key id and opens the record again', () => {
    const sealer = new Sealer(keyA);
    const one = sealer.seal('hello alice@example.com', 'session:s1:msg');
    const two = sealer.seal('hello alice@example.com', 'session:s1:msg');
    expect(one).not.toBe(two);
    expect(one.startsWith(`s1:${keyIdOf(keyA)}:`)).toBe(true);
    expect(one).not.toContain('alice');
    expect(Buffer.from(one.split(':')[2], 'base64').toString('latin1')).not.toContain('alice');
    expect(sealer.open(one, 'session:s1:msg')).toBe('hello alice@example.com');
  });

  it('rotation: the new key writes, the previous key still reads, a dropped key no longer does', () => {
    const old = new Sealer(keyA).seal('before rotation', 'c');
    const rotated = new Sealer(keyB, [keyA]);
    expect(rotated.open(old, 'c')).toBe('before rotation');
    expect(rotated.seal('after', 'c').split(':')[1]).toBe(keyIdOf(keyB));
    expect(() => new Sealer(keyB).open(old, 'c')).toThrow(UnreadableRecordError);
  });

  it('refuses a tampered record and a record moved to another context', () => {
    const sealer = new Sealer(keyA);
    const record = sealer.seal('content', 'session:s1:msg');
    const [v, id, body] = record.split(':');
    const bytes = Buffer.from(body, 'base64');
    bytes[14] ^= 1;
    expect(() => sealer.open(`${v}:${id}:${bytes.toString('base64')}`, 'session:s1:msg')).toThrow(
      UnreadableRecordError,
    );
    expect(() => sealer.open(record, 'session:s2:msg')).toThrow(UnreadableRecordError);
  });

  it('without a key writes plain records, which a sealer with a key refuses', () => {
    const plain = new Sealer().seal('x', 'c');
    expect(new Sealer().open(plain, 'c')).toBe('x');
    expect(() => new Sealer(keyA).open(plain, 'c')).toThrow(UnreadableRecordError);
  });

  it('parses keys as base64 or hex and names the problem otherwise', () => {
    expect(parseStateKey(keyA.toString('base64'))).toEqual(keyA);
    expect(parseStateKey(keyA.toString('hex'))).toEqual(keyA);
    expect(() => parseStateKey('c2hvcnQ=')).toThrow(/32 bytes .* \(got 5 bytes\)/);
    expect(() => parseStateKey('not a key!')).toThrow(/got neither/);
  });
});
