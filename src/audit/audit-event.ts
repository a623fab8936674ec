// Audit trail record shapes: the event callers append, and the chained lines written to the file.

/** What happened. Open-ended (dotted names) but these are the ones Parley emits. */
export type AuditAction =
  | 'auth.success'
  | 'auth.failure'
  | 'key.created'
  | 'key.rotated'
  | 'key.revoked'
  | 'session.created'
  | 'session.deleted'
  | 'session.expired'
  | 'privacy.protected'
  | 'privacy.images'
  | 'policy.blocked'
  | 'config.reloaded'
  | 'audit.recovered'
  | 'audit.overflow'
  | (string & {});

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** Metadata only: counts, ids, codes, flags. Never message content, never credentials. */
export type AuditDetails = Record<string, string | number | boolean>;

/** One audited fact. */
export interface AuditEvent {
  /** ISO 8601 time; filled from the log's clock when omitted. */
  time: string;
  requestId: string;
  principalId?: string;
  role?: string;
  action: AuditAction;
  /** What was acted on, e.g. `session:abc` or `key:key_...`. */
  resource?: string;
  outcome: AuditOutcome;
  /** Client IP; truncated (IPv4 /24, IPv6 /48 by default) before it is written. */
  clientAddress?: string;
  details?: AuditDetails;
}

/** What `append` accepts: `time` may be left to the log's clock. */
export type AuditEventInput = Omit<AuditEvent, 'time'> & { time?: string };

/** Chain fields present on every line. `prev` is the SHA-256 hex of the previous line's exact bytes. */
export interface ChainFields {
  seq: number;
  prev: string;
  /** SHA-256 hex of this line's bytes without the trailing `hash` (and `sig`) members. */
  hash: string;
}

/** An event line as written. */
export type AuditEventLine = ChainFields & AuditEvent & { type: 'event' };

/** A checkpoint line: `sig` is an Ed25519 signature (base64url) over its own hash, hence the whole chain so far. */
export interface AuditCheckpointLine extends ChainFields {
  type: 'checkpoint';
  time: string;
  /** Id of the signing key (SHA-256 of its SPKI, first 16 hex chars) so verifiers can pick the right public key. */
  keyId: string;
  sig: string;
}

export type AuditLine = AuditEventLine | AuditCheckpointLine;
