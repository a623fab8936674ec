// Seals events into chained lines after a given head: seq, prev, hash, and signed checkpoints when due.

import type { KeyObject } from 'node:crypto';
import type { AuditHead, SealedAuditLine } from '../store/audit-storage.js';
import type { AuditEvent } from './audit-event.js';
import { GENESIS_HASH, sealLine, sha256Hex, signCheckpoint } from './chain.js';

/** What the sealer needs besides the events. */
export interface SealSettings {
  /** Ed25519 private key; without it no checkpoints are made. */
  signingKey?: KeyObject;
  keyId?: string;
  /** Events between checkpoints. */
  every: number;
  /** ISO time of a checkpoint. */
  now: () => string;
}

/**
 * Chains `events` after `head` (undefined: an empty trail). A checkpoint goes first when one is overdue,
 * after every `every` events, and at the end when `finalCheckpoint` is set and events are unsigned.
 * Pure: the same head and events give the same lines, so a failed append can simply be tried again.
 */
export function sealEvents(
  head: AuditHead | undefined,
  events: readonly AuditEvent[],
  settings: SealSettings,
  finalCheckpoint: boolean,
): SealedAuditLine[] {
  const { signingKey, keyId, every } = settings;
  let seq = head?.seq ?? 0;
  let prev = head?.lineHash ?? GENESIS_HASH;
  let since = head ? (head.sinceCheckpoint ?? every) : 0;
  const out: SealedAuditLine[] = [];
  const push = (
    sealed: { line: string },
    fields: Omit<SealedAuditLine, 'seq' | 'line' | 'lineHash' | 'sinceCheckpoint'>,
  ): void => {
    const lineHash = sha256Hex(sealed.line);
    out.push({ seq, line: sealed.line, lineHash, sinceCheckpoint: since, ...fields });
    prev = lineHash;
  };
  const checkpoint = (): void => {
    if (!signingKey) return;
    seq += 1;
    const time = settings.now();
    const body = { seq, prev, type: 'checkpoint', time, keyId };
    since = 0;
    push(
      sealLine(body, (hash) => signCheckpoint(signingKey, seq, hash)),
      { type: 'checkpoint', time },
    );
  };
  if (since >= every) checkpoint();
  for (const event of events) {
    const { time, requestId, principalId, role, action, resource, outcome, clientAddress, details } = event;
    seq += 1;
    since += 1;
    const sealed = sealLine({
      seq,
      prev,
      type: 'event',
      time,
      requestId,
      principalId,
      role,
      action,
      resource,
      outcome,
      clientAddress,
      details,
    });
    push(sealed, { type: 'event', time, action, principalId, outcome });
    if (since >= every) checkpoint();
  }
  if (finalCheckpoint && since > 0) checkpoint();
  return out;
}
