// The API key rules, written once above storage: minting, rotation with grace, revocation, and the lookup cache.

import { ParleyError } from '../domain/index.js';
import type { Role } from '../domain/index.js';
import type { KeyRecord, KeyStorage, KeyWrite } from '../store/key-storage.js';
import type { ChangeNotices } from '../store/types.js';
import { generateApiKey, hashApiKey } from './api-key-format.js';
import type { IssuedKey, KeyPatch, KeyStore, NewKeyInput } from './key-store.js';

/** Change-notice topic of key changes (created, updated, rotated, revoked). */
export const KEYS_TOPIC = 'keys';

const ROLES: readonly Role[] = ['user', 'auditor', 'admin'];

/** Options of {@link ManagedKeyStore.open}. */
export interface ManagedKeyStoreOptions {
  storage: KeyStorage;
  /** Epoch-ms clock, injectable for tests. */
  clock?: () => number;
  /** Other replicas' changes arrive here (topic `keys`); this store publishes its own. */
  notices?: ChangeNotices;
  /** Re-read the storage this often (backs up missed notices); 0 or absent: never. */
  resyncIntervalMs?: number;
  /** Follow the storage's own change signal (the file backend's watcher). */
  watch?: boolean;
  /** Load at open; when false (PostgreSQL not reachable yet) the first `reload()` fills the cache. Default true. */
  loadNow?: boolean;
  /** A reload failed: the previous in-memory keys stay in force. */
  onReloadError?: (error: Error) => void;
  /** After a reload driven by another process or replica, with the records before and after. */
  onExternalChange?: (before: readonly KeyRecord[], after: readonly KeyRecord[]) => void;
}

/**
 * Every key rule, over any {@link KeyStorage}. Lookups (`findByHash`) are answered from memory only, so an
 * authenticated request makes no storage round trip; the cache is refreshed after each change made here,
 * on a change notice, and by the periodic resync. When a refresh fails the previous cache stays, so a key
 * revoked before an outage stays revoked during it.
 */
export class ManagedKeyStore implements KeyStore {
  private readonly clock: () => number;
  private records: KeyRecord[] = [];
  private byHash = new Map<string, KeyRecord>();
  private loaded = false;
  private readonly stops: (() => void)[] = [];
  /** The read under way, and the one queued behind it for callers that came after it started. */
  private reading?: Promise<void>;
  private queuedRead?: Promise<void>;

  private constructor(private readonly options: ManagedKeyStoreOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** Builds the store, loads the records (unless `loadNow` is false) and starts following changes. */
  static async open(options: ManagedKeyStoreOptions): Promise<ManagedKeyStore> {
    const store = new ManagedKeyStore(options);
    if (options.loadNow !== false) await store.reload();
    store.follow();
    return store;
  }

  /** The storage behind this store (its `backend` names it). */
  get storage(): KeyStorage {
    return this.options.storage;
  }

  /** True once the cache has been filled from storage at least once. */
  get isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * Re-reads every record with a read that starts after this call: a read already under way may predate a change
   * just written, and installing it would drop that change until the next reload. Calls made while a read runs
   * share the one queued behind it.
   */
  reload(): Promise<void> {
    if (!this.reading) return this.startRead();
    this.queuedRead ??= this.reading
      .catch(() => undefined)
      .then(() => {
        this.queuedRead = undefined;
        return this.startRead();
      });
    return this.queuedRead;
  }

  private startRead(): Promise<void> {
    const read = this.options.storage
      .loadAll()
      .then((records) => this.install(records))
      .finally(() => {
        if (this.reading === read) this.reading = undefined;
      });
    this.reading = read;
    return read;
  }

  findByHash(hash: string): KeyRecord | undefined {
    if (!this.loaded)
      throw new ParleyError(
        'store_unavailable',
        `API keys are not loaded yet: the ${this.options.storage.backend} key store is not reachable; retry shortly`,
      );
    return this.byHash.get(hash);
  }

  async list(): Promise<KeyRecord[]> {
    await this.reload();
    return this.records.map((r) => ({ ...r }));
  }

  async get(id: string): Promise<KeyRecord | undefined> {
    const found = (await this.list()).find((r) => r.id === id);
    return found && { ...found };
  }

  create(input: NewKeyInput): Promise<IssuedKey> {
    return this.change(undefined, () => {
      const issued = this.mint(input.name, input.role, input.owner, input.expiresAt);
      return { write: [issued.record], result: issued };
    });
  }

  update(id: string, patch: KeyPatch): Promise<KeyRecord> {
    return this.change(id, (current) => {
      const record = { ...found(current, id) };
      if (patch.role !== undefined) assertRole(patch.role);
      Object.assign(record, definedOnly(patch));
      return { write: [record], result: { ...record } };
    });
  }

  rotate(id: string, graceMs: number): Promise<IssuedKey & { previous: KeyRecord }> {
    if (!Number.isFinite(graceMs) || graceMs < 0) {
      return Promise.reject(
        new ParleyError('invalid_request', 'Rotation grace must be zero or a positive duration, e.g. 24h'),
      );
    }
    return this.change(id, (current) => {
      const old = { ...found(current, id) };
      if (old.state !== 'active') {
        const hint = old.replacedBy ? `; rotate its replacement ${old.replacedBy} instead` : '';
        throw new ParleyError('invalid_request', `Key ${id} is ${old.state} and cannot be rotated${hint}`);
      }
      const issued = this.mint(old.name, old.role, old.owner, old.expiresAt);
      old.state = 'expiring';
      old.graceUntil = this.clock() + graceMs;
      old.replacedBy = issued.record.id;
      return { write: [old, issued.record], result: { ...issued, previous: { ...old } } };
    });
  }

  revoke(id: string): Promise<KeyRecord> {
    return this.change(id, (current) => {
      const record = { ...found(current, id) };
      if (record.state === 'revoked') return { write: [], result: record };
      record.state = 'revoked';
      record.revokedAt = this.clock();
      return { write: [record], result: { ...record } };
    });
  }

  async close(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    await Promise.all([this.reading, this.queuedRead].map((read) => read?.catch(() => undefined)));
    await this.options.storage.close();
  }

  /** One change through storage, then the cache is refreshed and other replicas are told. */
  private async change<T>(id: string | undefined, change: (current: KeyRecord | undefined) => KeyWrite<T>): Promise<T> {
    const result = await this.options.storage.change(id, change);
    await this.reload().catch((error: Error) => this.options.onReloadError?.(error));
    await this.options.notices
      ?.publish({ topic: KEYS_TOPIC, detail: id === undefined ? {} : { id } })
      .catch(() => undefined);
    return result;
  }

  private mint(name: string, role: Role, owner: string | undefined, expiresAt: number | undefined): IssuedKey {
    if (name.trim() === '') throw new ParleyError('invalid_request', 'A key needs a non-empty --name');
    assertRole(role);
    const { secret, id } = generateApiKey();
    const record: KeyRecord = {
      id,
      name,
      role,
      owner: owner ?? id,
      hash: hashApiKey(secret),
      createdAt: this.clock(),
      state: 'active',
    };
    if (expiresAt !== undefined) record.expiresAt = expiresAt;
    return { record, secret };
  }

  private install(records: KeyRecord[]): void {
    const byHash = new Map<string, KeyRecord>();
    for (const record of records) byHash.set(record.hash, Object.freeze({ ...record }));
    this.records = records;
    this.byHash = byHash;
    this.loaded = true;
  }

  /** A refresh caused by someone else: reports the difference; a failure keeps the previous cache. */
  private externalReload(): void {
    const before = this.records;
    this.reload().then(
      () => this.options.onExternalChange?.(before, this.records),
      (error: Error) => this.options.onReloadError?.(error),
    );
  }

  private follow(): void {
    const { storage, notices, resyncIntervalMs, watch } = this.options;
    if (watch && storage.watch) this.stops.push(storage.watch(() => this.externalReload()));
    if (notices) this.stops.push(notices.subscribe(KEYS_TOPIC, () => this.externalReload()));
    if (resyncIntervalMs && resyncIntervalMs > 0) {
      const timer = setInterval(() => this.externalReload(), resyncIntervalMs);
      timer.unref();
      this.stops.push(() => clearInterval(timer));
    }
  }
}

function found(record: KeyRecord | undefined, id: string): KeyRecord {
  if (!record) throw new ParleyError('not_found', `No key with id ${id}; list ids with "parley keys list"`);
  return record;
}

function assertRole(role: string): asserts role is Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new ParleyError('invalid_request', `Unknown role "${role}"; use one of ${ROLES.join(', ')}`);
  }
}

function definedOnly(patch: KeyPatch): KeyPatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as KeyPatch;
}
