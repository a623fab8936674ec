// Audit retention for a table trail: delete the oldest rows and record the purge on the chain, in one step.

import type { AuditStorage, PurgeResult } from '../store/audit-storage.js';
import type { AuditEvent } from './audit-event.js';
import { sealEvents, type SealSettings } from './seal.js';
import { AUDIT_PURGED_ACTION } from './verify.js';

/**
 * Deletes every record older than `before` and appends an `audit.purged` event naming how many went and the
 * oldest seq kept (`firstKeptSeq`), which `parley audit verify` requires before it accepts a trail that no
 * longer starts at seq 1. Only storages with retention support it (PostgreSQL); the role needs DELETE.
 */
export async function purgeAuditTrail(storage: AuditStorage, before: Date, settings: SealSettings, principalId: string): Promise<PurgeResult> {
  if (!storage.purgeBefore) throw new Error(`The ${storage.backend} audit trail has no purge; see docs/retention.md for its retention`);
  return storage.purgeBefore(before, (head, result) => {
    const event: AuditEvent = {
      time: settings.now(),
      requestId: 'retention',
      principalId,
      role: 'admin',
      action: AUDIT_PURGED_ACTION,
      resource: 'audit:trail',
      outcome: 'success',
      clientAddress: undefined,
      details: { before: before.toISOString(), deleted: result.deleted, firstKeptSeq: result.firstKeptSeq },
    };
    return sealEvents(head, [event], settings, false);
  });
}
