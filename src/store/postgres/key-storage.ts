// PostgreSQL key storage: one row per key (the hash, never the secret); changes lock their row in one transaction.

import type { KeyRecord, KeyStorage, KeyWrite } from '../key-storage.js';
import type { PostgresDatabase, Query } from './database.js';

interface KeyRow {
  id: string;
  name: string;
  role: KeyRecord['role'];
  owner: string;
  hash: string;
  state: KeyRecord['state'];
  created_at_ms: string;
  expires_at_ms: string | null;
  grace_until_ms: string | null;
  replaced_by: string | null;
  revoked_at_ms: string | null;
}

const COLUMNS =
  'id, name, role, owner, hash, state, created_at_ms, expires_at_ms, grace_until_ms, replaced_by, revoked_at_ms';

/** API keys in `<schema>.api_keys`. */
export class PostgresKeyStorage implements KeyStorage {
  readonly backend = 'postgres';

  constructor(private readonly db: PostgresDatabase) {}

  async loadAll(): Promise<KeyRecord[]> {
    const rows = await this.db.query<KeyRow>(
      'keys.load',
      `SELECT ${COLUMNS} FROM ${this.db.s}.api_keys ORDER BY created_at_ms, id`,
    );
    return rows.map(toRecord);
  }

  change<T>(id: string | undefined, change: (current: KeyRecord | undefined) => KeyWrite<T>): Promise<T> {
    return this.db.transaction('keys.change', async (query) => {
      const current =
        id === undefined
          ? []
          : await query<KeyRow>(`SELECT ${COLUMNS} FROM ${this.db.s}.api_keys WHERE id = $1 FOR UPDATE`, [id]);
      const { write, result } = change(current[0] && toRecord(current[0]));
      for (const record of write) await this.upsert(query, record);
      return result;
    });
  }

  async close(): Promise<void> {
    // The pool belongs to the caller (it is shared with the audit storage).
  }

  private async upsert(query: Query, r: KeyRecord): Promise<void> {
    await query(
      `INSERT INTO ${this.db.s}.api_keys (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role, owner = EXCLUDED.owner, state = EXCLUDED.state,
         expires_at_ms = EXCLUDED.expires_at_ms, grace_until_ms = EXCLUDED.grace_until_ms, replaced_by = EXCLUDED.replaced_by, revoked_at_ms = EXCLUDED.revoked_at_ms`,
      [
        r.id,
        r.name,
        r.role,
        r.owner,
        r.hash,
        r.state,
        r.createdAt,
        r.expiresAt ?? null,
        r.graceUntil ?? null,
        r.replacedBy ?? null,
        r.revokedAt ?? null,
      ],
    );
  }
}

function toRecord(row: KeyRow): KeyRecord {
  const record: KeyRecord = {
    id: row.id,
    name: row.name,
    role: row.role,
    owner: row.owner,
    hash: row.hash,
    createdAt: Number(row.created_at_ms),
    state: row.state,
  };
  if (row.expires_at_ms !== null) record.expiresAt = Number(row.expires_at_ms);
  if (row.grace_until_ms !== null) record.graceUntil = Number(row.grace_until_ms);
  if (row.replaced_by !== null) record.replacedBy = row.replaced_by;
  if (row.revoked_at_ms !== null) record.revokedAt = Number(row.revoked_at_ms);
  return record;
}
