// Store interfaces: memory/ implements them for one process; Redis and PostgreSQL backends plug in later.

import type {
  ChatEvent,
  EmbeddingResult,
  Session,
  SessionPatch,
  SessionSummary,
  StoredMessage,
} from '../domain/index.js';

/** Ephemeral conversation storage bounded by an idle TTL and an absolute lifetime. */
export interface SessionStore {
  /** Stores a new session. */
  create(session: Session): Promise<void>;
  /** The live session, or undefined when missing or expired (expired content is purged on read). */
  get(id: string): Promise<Session | undefined>;
  /**
   * Appends messages (and replaces the pseudonym map, when given) and refreshes the idle timer; false when the session
   * is gone. Nothing is read back: a turn would otherwise copy, or fetch and decrypt, its whole history (images
   * included) once more.
   */
  append(id: string, messages: StoredMessage[], pseudonyms?: Record<string, string>): Promise<boolean>;
  /** Replaces one stored message (feedback); false when the session or message is gone. Nothing is read back. */
  updateMessage(id: string, message: StoredMessage): Promise<boolean>;
  /**
   * Removes the messages from the given index on (regenerate, edit-and-resend) and refreshes the idle timer; false
   * when the session is gone. Nothing is read back.
   */
  truncate(id: string, fromIndex: number): Promise<boolean>;
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

/** A cached answer, replayed as a stream or a JSON body; an embeddings answer has no events and its `embeddings`. */
export interface CachedAnswer {
  events: ChatEvent[];
  embeddings?: EmbeddingResult;
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

/** Told about every call to a remote store (metrics: latency and errors per backend and operation). */
export interface StoreObserver {
  /** One finished call; `ok` false when it failed or timed out. */
  observe(backend: string, operation: string, seconds: number, ok: boolean): void;
  /** The store became reachable (`up`) or stopped being so; `reason` says why (no secrets). */
  status?(backend: string, up: boolean, reason?: string): void;
}

/** The state of one fixed-window counter after a change. */
export interface WindowCount {
  /** Points counted in the current window. */
  consumed: number;
  /** Milliseconds until the window ends. */
  msBeforeNext: number;
}

/**
 * A counter an admission adds to (`points` > 0) or only reads (`points` 0), and the most it may stand at for the slot
 * to be taken.
 */
export interface AdmissionCounter {
  name: string;
  key: string;
  points: number;
  windowMs: number;
  /** The slot is taken only when this counter, after the add, is at most `max`. */
  max: number;
}

/** One counter of a {@link RateLimitStore.lease}. */
export interface CounterLease {
  name: string;
  key: string;
  windowMs: number;
  /** Points added first, whatever the max (tokens used by answers that ended). */
  charge: number;
  /** Points needed now; 0 only reads. Added even past `max`, as `admit` does: a refused request still counts. */
  take: number;
  /** Points wanted ahead of need, added only as far as `max` allows and only when `take` fits. */
  extra: number;
  max: number;
}

/** The slots of a {@link RateLimitStore.lease}: `release` goes back first, then up to `want` are taken. */
export interface SlotLease {
  key: string;
  limit: number;
  leaseMs: number;
  want: number;
  release: string[];
}

/** What {@link RateLimitStore.lease} did. */
export interface LeaseGrant {
  /** Each counter's state after the step; undefined for a read counter with no window running. */
  counts: (WindowCount | undefined)[];
  /** Points added per counter for `take` and `extra` together (0 for reads). */
  granted: number[];
  /** The slots taken (none when a counter ended over its max). */
  slots: string[];
}

/** What {@link RateLimitStore.admit} did. */
export interface Admission {
  /** Each counter's state after the step, in the order asked; undefined for a read counter with no window running. */
  counts: (WindowCount | undefined)[];
  /** The slot taken; undefined when a counter was over its `max` or every slot was held (or none was asked). */
  slot?: string;
}

/**
 * Storage of rate limits: fixed-window counters (requests, tokens) and leased concurrency slots. Every
 * operation is atomic across the replicas sharing the store; the limits themselves live in security/rate-limits.ts.
 */
export interface RateLimitStore {
  /**
   * One admission as one atomic step (one round trip to a remote store): adds to or reads each counter, then, when
   * every counter is at most its `max`, takes one of `slot.limit` slots of `slot.key` for `slot.leaseMs`.
   */
  admit(counters: AdmissionCounter[], slot?: { key: string; limit: number; leaseMs: number }): Promise<Admission>;
  /** The end of an admission as one step: frees `slot` (when given) and adds `charge` (when given). */
  finish(
    slot: { key: string; id: string } | undefined,
    charge?: { name: string; key: string; points: number; windowMs: number },
  ): Promise<void>;
  /**
   * Admissions in blocks, as one atomic step: charges each counter, adds its `take` (and `extra` while within its
   * max) or reads it, frees `slots.release`, then, when every counter is within its max, takes up to `slots.want`
   * slots. A replica holds what it was granted and admits from it without a round trip.
   */
  lease(counters: CounterLease[], slots?: SlotLease): Promise<LeaseGrant>;
  /** Adds `points` to the counter `name`/`key` (a new window opens when none is running); returns the new state. */
  add(name: string, key: string, points: number, windowMs: number): Promise<WindowCount>;
  /** Reads a counter without changing it; undefined when no window is running. */
  peek(name: string, key: string, windowMs: number): Promise<WindowCount | undefined>;
  /** Takes one of `limit` slots for `key` for `leaseMs`; returns the slot id, or undefined when all are taken. */
  acquireSlot(key: string, limit: number, leaseMs: number): Promise<string | undefined>;
  /** Extends a held slot's lease; false when it had already lapsed. */
  renewSlot(key: string, slot: string, leaseMs: number): Promise<boolean>;
  /** Frees a slot (a slot whose holder died is freed when its lease lapses). */
  releaseSlot(key: string, slot: string): Promise<void>;
}

/** Single-use tokens stored by hash (login links): taking one succeeds once, across every replica. */
export interface OneTimeTokens {
  /** Stores a token hash for `ttlMs`. */
  put(hash: string, ttlMs: number): Promise<void>;
  /** True exactly once for a stored, unexpired hash; the hash is gone afterwards. */
  take(hash: string): Promise<boolean>;
}

/**
 * Coordination of one answer shared by several replicas (coalescing): one replica holds a short lead and
 * appends the answer's records to a log that the others read. Records are opaque strings here; a backend that
 * keeps them outside the process seals them. The rules (who leads, how long to wait, takeover) live in chat/.
 */
export interface CoalescingBus {
  /**
   * Takes the lead of `key` for `leaseMs` when nobody holds it, clearing any earlier run's log; true when `owner`
   * leads now.
   */
  claim(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends `owner`'s lead; false when it was lost. */
  renew(key: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Appends one record to the log of `key`, kept for `retainMs` after the last append. */
  append(key: string, record: string, retainMs: number): Promise<void>;
  /** Records after `cursor` (`''` from the start), the cursor to read on from, and whether someone leads `key`. */
  read(key: string, cursor: string): Promise<{ records: string[]; cursor: string; led: boolean }>;
  /** Gives up the lead if `owner` still holds it (the log stays for late readers). */
  release(key: string, owner: string): Promise<void>;
}
