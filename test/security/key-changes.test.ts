import { describe, expect, it } from 'vitest';
import type { KeyRecord } from '../../src/security/key-store.js';
import { diffKeyRecords } from '../../src/security/key-changes.js';

const key = (id: string, patch: Partial<KeyRecord> = {}): KeyRecord => ({
  id,
  name: id,
  role: 'user',
  owner: id,
  hash: `h-${id}`,
  createdAt: 0,
  state: 'active',
  ...patch,
});

describe('diffKeyRecords', () => {
  it('reports created, rotated and revoked keys, and nothing for an unchanged list', () => {
    const before = [key('a'), key('b'), key('c')];
    const after = [
      key('a'),
      key('b', { state: 'revoked' }),
      key('c', { state: 'expiring', replacedBy: 'd' }),
      key('d'),
    ];
    expect(diffKeyRecords(before, after)).toEqual([
      { action: 'key.revoked', id: 'b', role: 'user' },
      { action: 'key.rotated', id: 'c', role: 'user' },
      { action: 'key.created', id: 'd', role: 'user' },
    ]);
    expect(diffKeyRecords(after, after)).toEqual([]);
  });
});
