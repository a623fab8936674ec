// Persistence contract for API key records: the file and PostgreSQL backends store and load, nothing more.

import type { Role } from '../domain/index.js';

/** Lifecycle state as stored: `expiring` keys still work until `graceUntil`, `revoked` keys never do. */
export type KeyState = 'active' | 'expiring' | 'revoked';

/** One stored API key. Never holds the secret, only its SHA-256 hash. Times are epoch milliseconds. */
export interface KeyRecord {
  /** Public handle (`key_...`), safe to log; becomes the principal id. */
  id: string;
  /** Human label, e.g. "ci-pipeline". */
  name: string;
  role: Role;
  /** Who the key acts for: the principal's cache/rate-limit scope. Defaults to the key id. */
  owner: string;
  /** SHA-256 hex of the secret. */
  hash: string;
  createdAt: number;
  expiresAt?: number;
  state: KeyState;
  /** For `expiring` keys: the end of the rotation grace period. */
  graceUntil?: number;
  /** For rotated keys: the id of the key that replaced this one. */
  replacedBy?: string;
  /** When the key was revoked. */
  revokedAt?: number;
}

/** What one change writes: records to insert or replace (by id), and the value handed back to the caller. */
export interface KeyWrite<T> {
  write: KeyRecord[];
  result: T;
}

/**
 * Where key records are kept. The rules (minting, rotation, revocation) live in security/key-manager.ts;
 * a backend only loads and writes records, and serialises changes across processes.
 */
export interface KeyStorage {
  /** `file` or `postgres`: the label of store metrics and logs. */
  readonly backend: string;
  /** Every record, oldest first. */
  loadAll(): Promise<KeyRecord[]>;
  /**
   * Runs one change atomically across processes: `id`'s record is locked and read fresh (undefined for a new
   * key or an unknown id), `change` decides, and its `write` records are stored before the lock is released.
   * A throw from `change` writes nothing.
   */
  change<T>(id: string | undefined, change: (current: KeyRecord | undefined) => KeyWrite<T>): Promise<T>;
  /** Calls `onChange` when another process changed the records (file backend); returns the stop function. */
  watch?(onChange: () => void): () => void;
  close(): Promise<void>;
}
