// The API key store contract: hashed key records, looked up by hash on every request, managed by admins.

import type { Role } from '../domain/index.js';
import type { KeyRecord } from '../store/key-storage.js';

export type { KeyRecord, KeyState } from '../store/key-storage.js';

/** State as seen at a given moment: adds `expired` (past `expiresAt` or past a rotation's `graceUntil`). */
export type EffectiveKeyState = KeyRecord['state'] | 'expired';

/** What `create` needs; the store mints the secret and the id. */
export interface NewKeyInput {
  name: string;
  role: Role;
  owner?: string;
  expiresAt?: number;
}

/** A freshly issued key: the only moment the secret exists outside the caller's hands. */
export interface IssuedKey {
  record: KeyRecord;
  /** Show once, never store or log. */
  secret: string;
}

/** Fields an admin may change in place (not the hash, id or state: use rotate/revoke for those). */
export type KeyPatch = Partial<Pick<KeyRecord, 'name' | 'role' | 'owner' | 'expiresAt'>>;

/** Storage for API keys. Implementations keep a hash index in memory so `findByHash` does no I/O. */
export interface KeyStore {
  /** Mints a key (secret + id), stores its hash and returns the secret once. */
  create(input: NewKeyInput): Promise<IssuedKey>;
  /** Every record, oldest first (no secrets: there are none to show). */
  list(): Promise<KeyRecord[]>;
  get(id: string): Promise<KeyRecord | undefined>;
  /**
   * The record whose hash equals `hash` (the per-request path). The file store answers synchronously
   * from memory; a remote store may return a promise but should also serve from a local cache.
   */
  findByHash(hash: string): KeyRecord | undefined | Promise<KeyRecord | undefined>;
  /** Changes name/role/owner/expiry; throws ParleyError('not_found') for an unknown id. */
  update(id: string, patch: KeyPatch): Promise<KeyRecord>;
  /**
   * Issues a replacement (same name, role, owner and expiry) and marks the old key `expiring`
   * until now + graceMs, so clients can switch over without downtime.
   */
  rotate(id: string, graceMs: number): Promise<IssuedKey & { previous: KeyRecord }>;
  /** Makes the key fail at once. Idempotent. */
  revoke(id: string): Promise<KeyRecord>;
  /** Re-reads the backing storage (after another process, e.g. `parley keys`, changed it). */
  reload(): Promise<void>;
  /** Stops any watcher; the store must not be used afterwards. */
  close(): Promise<void>;
}

/** The state of `record` at `now`: folds expiry and ended grace periods into `expired`. */
export function effectiveKeyState(record: KeyRecord, now: number): EffectiveKeyState {
  if (record.state === 'revoked') return 'revoked';
  if (record.expiresAt !== undefined && now >= record.expiresAt) return 'expired';
  if (record.state === 'expiring' && record.graceUntil !== undefined && now >= record.graceUntil) return 'expired';
  return record.state;
}
