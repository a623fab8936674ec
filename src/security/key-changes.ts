// What changed between two versions of the key list: turns another process's edits into audit actions.

import type { KeyRecord } from './key-store.js';

export interface KeyChange {
  action: 'key.created' | 'key.rotated' | 'key.revoked';
  id: string;
  role: string;
}

/** Keys created, rotated (marked expiring with a replacement) and revoked between `before` and `after`. */
export function diffKeyRecords(before: readonly KeyRecord[], after: readonly KeyRecord[]): KeyChange[] {
  const previous = new Map(before.map((r) => [r.id, r]));
  const changes: KeyChange[] = [];
  for (const record of after) {
    const old = previous.get(record.id);
    if (!old) changes.push({ action: 'key.created', id: record.id, role: record.role });
    else if (record.state === 'revoked' && old.state !== 'revoked')
      changes.push({ action: 'key.revoked', id: record.id, role: record.role });
    else if (record.replacedBy !== undefined && old.replacedBy === undefined)
      changes.push({ action: 'key.rotated', id: record.id, role: record.role });
  }
  return changes;
}
