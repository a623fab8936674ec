// Audit trail search: streams the file line by line and keeps the newest matching events (newest last).

import type { AuditStorage } from '../store/audit-storage.js';
import type { AuditEventLine, AuditOutcome } from './audit-event.js';

/** Filters of {@link queryAudit}; all optional except `limit`. Times are ISO strings, Dates or epoch ms. */
export interface AuditQuery {
  since?: string | number | Date;
  until?: string | number | Date;
  /** Exact action, or a prefix ending in '.' (e.g. 'key.' for every key event). */
  action?: string;
  principalId?: string;
  outcome?: AuditOutcome;
  /** Most recent N matches returned. */
  limit: number;
}

function toMs(value: string | number | Date | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`Not a time: ${String(value)}; use ISO 8601, e.g. 2026-01-31T00:00:00Z`);
  return ms;
}

/**
 * Reads the trail (any storage; `auditFileReader` in compose/ opens a file) without loading it whole; returns up to
 * `limit` matching event
 * records, oldest first. Checkpoints are skipped.
 */
export async function queryAudit(storage: AuditStorage, filters: AuditQuery): Promise<AuditEventLine[]> {
  const since = toMs(filters.since);
  const until = toMs(filters.until);
  const limit = Math.max(0, Math.floor(filters.limit));
  const action = filters.action;
  const matchAction =
    action === undefined
      ? () => true
      : action.endsWith('.')
        ? (a: string) => a.startsWith(action)
        : (a: string) => a === action;
  const kept: AuditEventLine[] = [];
  if (limit === 0) return kept;
  for await (const { line } of storage.lines()) {
    let record: AuditEventLine;
    try {
      record = JSON.parse(line) as AuditEventLine;
    } catch {
      continue; // a torn or tampered line: verification reports it, search skips it
    }
    if (record.type !== 'event') continue;
    if (!matchAction(record.action)) continue;
    if (filters.principalId !== undefined && record.principalId !== filters.principalId) continue;
    if (filters.outcome !== undefined && record.outcome !== filters.outcome) continue;
    if (since !== undefined || until !== undefined) {
      const t = Date.parse(record.time);
      if (since !== undefined && !(t >= since)) continue;
      if (until !== undefined && !(t < until)) continue;
    }
    kept.push(record);
    if (kept.length > limit) kept.shift();
  }
  return kept;
}
