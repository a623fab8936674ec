// Store interfaces: memory/ implements them for one process; Redis and PostgreSQL backends plug in later.

import type { ChatEvent, Session, SessionPatch, SessionSummary, StoredMessage } from '../domain/index.js';

/** Ephemeral conversation storage bounded by an idle TTL and an absolute lifetime. */
export interface SessionStore {
  /** Stores a new session. */
  create(session: Session): Promise<void>;
  /** The live session, or undefined when missing or expired (expired content is purged on read). */
  get(id: string): Promise<Session | undefined>;
  /** Appends messages and refreshes the idle timer; undefined when the session is gone. */
  append(id: string, messages: StoredMessage[], pseudonyms?: Record<string, string>): Promise<Session | undefined>;
  /** Replaces one stored message (feedback, regenerate); undefined when the session or message is gone. */
  updateMessage(id: string, message: StoredMessage): Promise<Session | undefined>;
  /** Removes the last messages from the given index on (regenerate, edit-and-resend). */
  truncate(id: string, fromIndex: number): Promise<Session | undefined>;
  /** Purges the session at once; true if it existed. */
  delete(id: string): Promise<boolean>;
  /** Purges every expired session; returns their ids (for audit and cache purges). */
  sweep(now?: number): Promise<string[]>;
  /** Live sessions (for the gauge). */
  size(): Promise<number>;
  /** Live sessions owned by one principal (for the per-owner limit). */
  countByOwner(ownerId: string): Promise<number>;
  /** Live sessions owned by one principal, without messages or pseudonyms, in any order (the chat list). */
  listByOwner(ownerId: string): Promise<SessionSummary[]>;
  /** Sets session-level fields (title, model) without touching the idle timer; undefined when the session is gone. */
  patch(id: string, patch: SessionPatch): Promise<Session | undefined>;
}

/** A cached answer, replayed as a stream or a JSON body. */
export interface CachedAnswer {
  events: ChatEvent[];
  provider: string;
  model: string;
  createdAt: number;
}

/** Exact-match answer cache with TTL, a size bound and tags for targeted purges. */
export interface CacheStore {
  get(key: string): Promise<CachedAnswer | undefined>;
  /** `tags` (e.g. a session id) let `deleteByTag` purge every answer derived from that source. */
  set(key: string, value: CachedAnswer, options: { ttlMs: number; tags?: string[] }): Promise<void>;
  deleteByTag(tag: string): Promise<number>;
  size(): Promise<number>;
}

/** A change another replica must see: a key revoked or rotated, a configuration or secret reloaded. */
export interface ChangeNotice {
  /** What changed, e.g. `keys` or `config`. */
  topic: string;
  /** Metadata only (ids, never secrets or content). */
  detail?: Record<string, string>;
}

/**
 * Change notices between replicas: memory (one process) or Redis pub/sub. Delivery is best effort;
 * subscribers also resync periodically, so a missed notice only delays a change.
 */
export interface ChangeNotices {
  /** Tells every replica, this one included. */
  publish(notice: ChangeNotice): Promise<void>;
  /** Calls `handler` for every notice on `topic`; returns the unsubscribe function. */
  subscribe(topic: string, handler: (notice: ChangeNotice) => void): () => void;
  close(): Promise<void>;
}
