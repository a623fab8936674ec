// PostgreSQL audit storage: an append-only table; appends from every replica are serialised in the database.

import type { AuditHead, AuditStorage, PurgeResult, SealedAuditLine, StoredAuditLine } from '../audit-storage.js';
import type { PostgresDatabase, Query } from './database.js';

const PAGE = 1000;

interface HeadRow {
  seq: string;
  line_hash: string;
  since_checkpoint: number;
}

/**
 * The trail in `<schema>.audit_log`, one row per sealed line. Every insert happens under a transaction-scoped
 * advisory lock. An append first tries one statement after the head this replica last saw: it takes the lock only if
 * it is free and inserts only while that head is still the last row (the primary key on seq refuses the rare insert
 * that raced a commit). Otherwise (head moved, lock busy, head not known yet) the append waits for the lock in a
 * transaction, reads the last row and inserts after it. Either way all replicas write one chain with one sequence;
 * a lone replica pays one statement per batch instead of a five-statement transaction.
 */
export class PostgresAuditStorage implements AuditStorage {
  readonly backend = 'postgres';
  readonly unit = 'row';
  private readonly lockKey: string;
  /** The last row this replica wrote or read (undefined: not known, the next append takes the lock). */
  private head?: AuditHead;

  constructor(private readonly db: PostgresDatabase) {
    this.lockKey = `parley:audit:${db.options.schema}`;
  }

  async open(): Promise<{ discardedBytes: number }> {
    return { discardedBytes: 0 }; // nothing to read ahead: every append reads the head in its transaction
  }

  async append(build: (head: AuditHead | undefined) => SealedAuditLine[]): Promise<void> {
    const known = this.head;
    if (known) {
      const lines = build(known);
      if (lines.length === 0) return;
      const params = [...insertParams(lines), known.seq, this.lockKey];
      const rows = await this.db.queryUnlessConflict<{ n: string }>('audit.append', guardedInsert(this.db.s), params);
      if (rows !== 'conflict' && Number(rows[0]?.n) === lines.length) {
        this.head = headAfter(lines);
        return;
      }
      this.head = undefined; // another replica appended since: read the head under the lock
    }
    const written = await this.db.transaction('audit.append_locked', async (query) => {
      const lines = build(await this.lockedHead(query));
      await this.insert(query, lines);
      return lines;
    });
    if (written.length > 0) this.head = headAfter(written);
  }

  async *lines(): AsyncIterable<StoredAuditLine> {
    let after = 0;
    for (;;) {
      const rows = await this.db.query<{ seq: string; line: string }>(
        'audit.read',
        `SELECT seq, line FROM ${this.db.s}.audit_log WHERE seq > $1 ORDER BY seq LIMIT ${PAGE}`,
        [after],
      );
      for (const row of rows) yield { position: Number(row.seq), line: row.line };
      if (rows.length < PAGE) return;
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /**
   * Deletes the rows older than `before` and appends the lines `build` makes (the purge's own audit event)
   * in the same transaction, so a purge is never unaudited. Needs a role in parley_retention.
   */
  purgeBefore(
    before: Date,
    build: (head: AuditHead | undefined, result: PurgeResult) => SealedAuditLine[],
  ): Promise<PurgeResult> {
    return this.db.transaction('audit.purge', async (query) => {
      const head = await this.lockedHead(query);
      const kept = await query<{ seq: string | null }>(
        `SELECT min(seq) AS seq FROM ${this.db.s}.audit_log WHERE time >= $1`,
        [before],
      );
      const firstKeptSeq =
        kept[0]?.seq !== null && kept[0]?.seq !== undefined ? Number(kept[0].seq) : (head?.seq ?? 0) + 1;
      const deleted = await query<{ n: string }>(
        `WITH gone AS (DELETE FROM ${this.db.s}.audit_log WHERE seq < $1 RETURNING 1) SELECT count(*) AS n FROM gone`,
        [firstKeptSeq],
      );
      const result = { deleted: Number(deleted[0]?.n ?? 0), firstKeptSeq };
      await this.insert(query, build(head, result));
      this.head = undefined; // read again under the lock by the next append
      return result;
    });
  }

  async close(): Promise<void> {
    // The pool belongs to the caller.
  }

  private async lockedHead(query: Query): Promise<AuditHead | undefined> {
    await query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [this.lockKey]);
    const rows = await query<HeadRow>(
      `SELECT seq, line_hash, since_checkpoint FROM ${this.db.s}.audit_log ORDER BY seq DESC LIMIT 1`,
    );
    const row = rows[0];
    return row && { seq: Number(row.seq), lineHash: row.line_hash, sinceCheckpoint: row.since_checkpoint };
  }

  private async insert(query: Query, lines: SealedAuditLine[]): Promise<void> {
    if (lines.length === 0) return;
    await query(INSERT(this.db.s), insertParams(lines));
  }
}

/** Inserts the lines given as nine arrays ($1…$9), one row per element. */
const INSERT = (schema: string): string =>
  `INSERT INTO ${schema}.audit_log (seq, type, line, line_hash, time, action, principal_id, outcome, since_checkpoint)
   SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::integer[])`;

/**
 * INSERT (as above) only while holding the lock (taken without waiting, so writers in the locked path never meet a
 * duplicate seq) and while the known head ($10) is still the last row: all lines or none. The guard is decided once
 * for the statement (a materialised CTE read as an uncorrelated subquery, a one-time filter): as a plain WHERE on the
 * unnest, PostgreSQL evaluated the volatile lock call per row, and a lock freed mid-statement let the later rows in
 * without the earlier ones, a gap in the chain.
 */
export const guardedInsert = (schema: string): string =>
  `WITH ok AS MATERIALIZED (
     SELECT pg_try_advisory_xact_lock(hashtextextended($11, 0)) AND (SELECT seq FROM ${schema}.audit_log ORDER BY seq DESC LIMIT 1) = $10 AS go
   ),
   added AS (${INSERT(schema)} WHERE (SELECT go FROM ok) RETURNING 1)
   SELECT count(*) AS n FROM added`;

function insertParams(lines: SealedAuditLine[]): unknown[] {
  return [
    lines.map((l) => l.seq),
    lines.map((l) => l.type),
    lines.map((l) => l.line),
    lines.map((l) => l.lineHash),
    lines.map((l) => l.time),
    lines.map((l) => l.action ?? null),
    lines.map((l) => l.principalId ?? null),
    lines.map((l) => l.outcome ?? null),
    lines.map((l) => l.sinceCheckpoint),
  ];
}

/** The head once `lines` (not empty) are stored. */
function headAfter(lines: SealedAuditLine[]): AuditHead {
  const last = lines[lines.length - 1]!;
  return { seq: last.seq, lineHash: last.lineHash, sinceCheckpoint: last.sinceCheckpoint };
}
