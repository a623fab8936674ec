// Persistence contract for the audit trail: the chain rules live in audit/; a backend appends and reads lines.

/** Where the chain stands: the last stored line. */
export interface AuditHead {
  seq: number;
  /** SHA-256 hex of the last line's exact bytes (the next line's `prev`). */
  lineHash: string;
  /** Events since the last checkpoint; undefined when unknown (the writer then checkpoints first). */
  sinceCheckpoint?: number;
}

/** One sealed line as the chain writer made it, with the fields a backend may index. */
export interface SealedAuditLine {
  seq: number;
  type: 'event' | 'checkpoint';
  /** The exact line (JSON, no newline). Its bytes are what the chain hashes. */
  line: string;
  /** SHA-256 hex of `line`. */
  lineHash: string;
  time: string;
  action?: string;
  principalId?: string;
  outcome?: string;
  /** Events since the last checkpoint, this line included (0 for a checkpoint). */
  sinceCheckpoint: number;
}

/** A stored line in stored order; `position` is the line number in its file (segment) or the table's seq column. */
export interface StoredAuditLine {
  position: number;
  line: string;
  /**
   * Set on the first line of each file of a segmented trail: the file's name and, for a sealed segment, the first seq
   * its name claims.
   */
  startsSegment?: { name: string; firstSeq?: number };
}

/**
 * Where the audit trail is kept: a JSON-lines file or an append-only PostgreSQL table. `append` is the only
 * write, and it is serialised by the backend (one writer per file; a transaction-scoped lock in PostgreSQL),
 * so several replicas extend one chain with one sequence.
 */
export interface AuditStorage {
  /** `file` or `postgres`: the label of store metrics and logs. */
  readonly backend: string;
  /** `line` (a file) or `row` (a table): how verification names a position. */
  readonly unit: 'line' | 'row';
  /** Prepares the storage; reports bytes of a torn last line that were cut away (file only). */
  open(): Promise<{ discardedBytes: number }>;
  /**
   * Reads the head and stores the lines `build` seals after it, as one atomic step: nobody else appends
   * in between. Lines holding a checkpoint are durable (fsync, commit) before it returns. A failure stores nothing.
   */
  append(build: (head: AuditHead | undefined) => SealedAuditLine[]): Promise<void>;
  /** Every stored line, oldest first. */
  lines(): AsyncIterable<StoredAuditLine>;
  /**
   * Retention: deletes the lines older than `before` and stores the lines `build` seals (the purge's own audit
   * events). PostgreSQL does both in one transaction (needs a role allowed to delete, parley_retention); the file
   * trail removes whole sealed segments whose newest record is older, after the purge events are on disk.
   */
  purgeBefore?(
    before: Date,
    build: (head: AuditHead | undefined, result: PurgeResult) => SealedAuditLine[],
  ): Promise<PurgeResult>;
  close(): Promise<void>;
}

/** What a retention purge did. */
export interface PurgeResult {
  /** Lines (records and checkpoints) removed. */
  deleted: number;
  /** The oldest seq kept; the purge event's own seq when every older line went. */
  firstKeptSeq: number;
  /** File trail: the sealed segments removed, oldest first (one audit.purged event each). */
  segments?: PurgedSegment[];
}

/** A sealed segment a purge removed, as its audit.purged event records it. */
export interface PurgedSegment {
  name: string;
  firstSeq: number;
  lastSeq: number;
  /** SHA-256 hex of its last line: the `prev` of the first line kept after it. */
  lastLineHash: string;
  /** SHA-256 hex of the whole file, so an archived copy can be matched to the record. */
  sha256: string;
  bytes: number;
}
