// Audit retention: remove the oldest records (table rows or whole file segments) and record the purge on the chain.

import type { AuditStorage, PurgeResult } from '../store/audit-storage.js';
import type { AuditEvent } from './audit-event.js';
import { sealEvents, type SealSettings } from './seal.js';
import { AUDIT_PURGED_ACTION } from './verify.js';

/**
 * Removes every record older than `before` and appends `audit.purged` events naming what went and the oldest
 * seq kept (`firstKeptSeq`), which `parley audit verify` requires before it accepts a trail that no longer
 * starts at seq 1. PostgreSQL deletes rows (one event; the role needs DELETE). The file trail removes whole
 * sealed segments whose newest record is older than `before`, one event per segment with its name, seq range,
 * the SHA-256 of the file and of its last line (the `prev` the first kept line must follow).
 */
export async function purgeAuditTrail(
  storage: AuditStorage,
  before: Date,
  settings: SealSettings,
  principalId: string,
): Promise<PurgeResult> {
  if (!storage.purgeBefore) throw new Error(`The ${storage.backend} audit trail has no purge`);
  return storage.purgeBefore(before, (head, result) => {
    const base = {
      time: settings.now(),
      requestId: 'retention',
      principalId,
      role: 'admin',
      action: AUDIT_PURGED_ACTION,
      outcome: 'success',
      clientAddress: undefined,
    } as const;
    const events: AuditEvent[] = result.segments
      ? result.segments.map((segment) => ({
          ...base,
          resource: `audit:segment:${segment.name}`,
          details: {
            before: before.toISOString(),
            segment: segment.name,
            firstSeq: segment.firstSeq,
            lastSeq: segment.lastSeq,
            deleted: segment.lastSeq - segment.firstSeq + 1,
            bytes: segment.bytes,
            sha256: segment.sha256,
            lastLineHash: segment.lastLineHash,
            firstKeptSeq: segment.lastSeq + 1,
          },
        }))
      : [
          {
            ...base,
            resource: 'audit:trail',
            details: { before: before.toISOString(), deleted: result.deleted, firstKeptSeq: result.firstKeptSeq },
          },
        ];
    return sealEvents(head, events, settings, false);
  });
}
