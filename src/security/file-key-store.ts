// FileKeyStore: API key records in `<dataDir>/keys.json` (mode 0600, atomic writes), indexed by hash in memory.

import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParleyError } from '../domain/index.js';
import type { Role } from '../domain/index.js';
import { generateApiKey, hashApiKey } from './api-key-format.js';
import { writeFileAtomic } from './atomic-write.js';
import { FileLock } from './file-lock.js';
import type { IssuedKey, KeyPatch, KeyRecord, KeyStore, NewKeyInput } from './key-store.js';

/** File name of the key store inside the data directory. */
export const KEYS_FILE_NAME = 'keys.json';

const ROLES: readonly Role[] = ['user', 'auditor', 'admin'];

/** Options of {@link FileKeyStore.open}. */
export interface FileKeyStoreOptions {
  /** The data directory (`PARLEY_DATA_DIR`, resolved by config/); created 0700 if missing. */
  dataDir: string;
  /** Epoch-ms clock, injectable for tests. */
  clock?: () => number;
  /** Re-read keys.json when another process (the `parley keys` command) changes it. */
  watch?: boolean;
  /** Called when a watched reload fails (the previous in-memory keys stay in force). */
  onReloadError?: (error: Error) => void;
  /** Called after a watched reload with the records before and after (changes made by another process). */
  onExternalChange?: (before: readonly KeyRecord[], after: readonly KeyRecord[]) => void;
}

interface KeysFile {
  version: 1;
  keys: KeyRecord[];
}

/** The embedded key store: one JSON file, rewritten atomically on every change, read once per change. */
export class FileKeyStore implements KeyStore {
  readonly file: string;
  private readonly lock: FileLock;
  private readonly clock: () => number;
  private records: KeyRecord[] = [];
  private byHash = new Map<string, KeyRecord>();
  private queue: Promise<unknown> = Promise.resolve();
  private watcher?: FSWatcher;
  private debounce?: NodeJS.Timeout;

  private constructor(private readonly options: FileKeyStoreOptions) {
    this.file = join(options.dataDir, KEYS_FILE_NAME);
    this.lock = new FileLock(`${this.file}.lock`);
    this.clock = options.clock ?? Date.now;
  }

  /** Opens (and if needed creates the directory for) the store and loads keys.json into memory. */
  static async open(options: FileKeyStoreOptions): Promise<FileKeyStore> {
    await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
    const store = new FileKeyStore(options);
    await store.reload();
    if (options.watch) store.startWatching();
    return store;
  }

  async reload(): Promise<void> {
    this.install(await this.readFromDisk());
  }

  findByHash(hash: string): KeyRecord | undefined {
    return this.byHash.get(hash);
  }

  async list(): Promise<KeyRecord[]> {
    return this.records.map((r) => ({ ...r }));
  }

  async get(id: string): Promise<KeyRecord | undefined> {
    const found = this.records.find((r) => r.id === id);
    return found && { ...found };
  }

  create(input: NewKeyInput): Promise<IssuedKey> {
    return this.mutate((records) => {
      const issued = this.mint(input.name, input.role, input.owner, input.expiresAt);
      records.push(issued.record);
      return issued;
    });
  }

  update(id: string, patch: KeyPatch): Promise<KeyRecord> {
    return this.mutate((records) => {
      const record = findOrThrow(records, id);
      if (patch.role !== undefined) assertRole(patch.role);
      Object.assign(record, definedOnly(patch));
      return { ...record };
    });
  }

  rotate(id: string, graceMs: number): Promise<IssuedKey & { previous: KeyRecord }> {
    if (!Number.isFinite(graceMs) || graceMs < 0) {
      return Promise.reject(new ParleyError('invalid_request', 'Rotation grace must be zero or a positive duration, e.g. 24h'));
    }
    return this.mutate((records) => {
      const old = findOrThrow(records, id);
      if (old.state !== 'active') {
        const hint = old.replacedBy ? `; rotate its replacement ${old.replacedBy} instead` : '';
        throw new ParleyError('invalid_request', `Key ${id} is ${old.state} and cannot be rotated${hint}`);
      }
      const issued = this.mint(old.name, old.role, old.owner, old.expiresAt);
      old.state = 'expiring';
      old.graceUntil = this.clock() + graceMs;
      old.replacedBy = issued.record.id;
      records.push(issued.record);
      return { ...issued, previous: { ...old } };
    });
  }

  revoke(id: string): Promise<KeyRecord> {
    return this.mutate((records) => {
      const record = findOrThrow(records, id);
      if (record.state !== 'revoked') {
        record.state = 'revoked';
        record.revokedAt = this.clock();
      }
      return { ...record };
    });
  }

  async close(): Promise<void> {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.debounce) clearTimeout(this.debounce);
    await this.queue.catch(() => undefined);
  }

  private mint(name: string, role: Role, owner: string | undefined, expiresAt: number | undefined): IssuedKey {
    if (name.trim() === '') throw new ParleyError('invalid_request', 'A key needs a non-empty --name');
    assertRole(role);
    const { secret, id } = generateApiKey();
    const record: KeyRecord = { id, name, role, owner: owner ?? id, hash: hashApiKey(secret), createdAt: this.clock(), state: 'active' };
    if (expiresAt !== undefined) record.expiresAt = expiresAt;
    return { record, secret };
  }

  /** Serialises mutations (in-process queue + cross-process lock file); re-reads the file first so no update is lost. */
  private mutate<T>(change: (records: KeyRecord[]) => T): Promise<T> {
    const run = async (): Promise<T> => {
      const release = await this.lock.acquire();
      try {
        const records = await this.readFromDisk();
        const result = change(records);
        await writeFileAtomic(this.file, `${JSON.stringify({ version: 1, keys: records } satisfies KeysFile, null, 2)}\n`);
        this.install(records);
        return result;
      } finally {
        await release();
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readFromDisk(): Promise<KeyRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return parseKeysFile(text, this.file);
  }

  private install(records: KeyRecord[]): void {
    const byHash = new Map<string, KeyRecord>();
    for (const record of records) byHash.set(record.hash, Object.freeze({ ...record }));
    this.records = records;
    this.byHash = byHash;
  }

  private startWatching(): void {
    this.watcher = watch(this.options.dataDir, { persistent: false }, (_event, name) => {
      if (name !== null && name !== KEYS_FILE_NAME) return;
      if (this.debounce) clearTimeout(this.debounce);
      this.debounce = setTimeout(() => {
        const before = this.records;
        this.reload().then(
          () => this.options.onExternalChange?.(before, this.records),
          (error: Error) => this.options.onReloadError?.(error),
        );
      }, 50);
      this.debounce.unref();
    });
  }
}

function findOrThrow(records: KeyRecord[], id: string): KeyRecord {
  const record = records.find((r) => r.id === id);
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

/** Parses and checks keys.json; errors name the file, the record and the fix. */
export function parseKeysFile(text: string, file: string): KeyRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not valid JSON; restore it from backup (it is only ever replaced atomically)`);
  }
  const keys = (data as Partial<KeysFile> | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`${file} has no "keys" array; expected {"version":1,"keys":[...]}`);
  return keys.map((raw: unknown, index: number) => {
    const r = raw as Partial<KeyRecord>;
    const bad = (what: string): never => {
      throw new Error(`${file}: key #${index + 1} ${what}; fix or remove that record`);
    };
    if (typeof r.id !== 'string' || r.id === '') bad('has no id');
    if (typeof r.hash !== 'string' || !/^[0-9a-f]{64}$/.test(r.hash)) bad('has no SHA-256 hex hash');
    if (typeof r.role !== 'string' || !(ROLES as readonly string[]).includes(r.role)) bad(`has unknown role ${String(r.role)}`);
    if (r.state !== 'active' && r.state !== 'expiring' && r.state !== 'revoked') bad(`has unknown state ${String(r.state)}`);
    if (typeof r.createdAt !== 'number') bad('has no createdAt');
    return { ...r, name: typeof r.name === 'string' ? r.name : '', owner: typeof r.owner === 'string' ? r.owner : (r.id as string) } as KeyRecord;
  });
}
