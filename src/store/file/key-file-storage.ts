// File key storage: records in `<dataDir>/keys.json` (mode 0600, atomic rewrites, a lock file that names its holder).

import { watch } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Role } from '../../domain/index.js';
import type { KeyRecord, KeyStorage, KeyWrite } from '../key-storage.js';
import { writeFileAtomic } from './atomic-write.js';
import { FileLock } from './file-lock.js';

/** File name of the key store inside the data directory. */
export const KEYS_FILE_NAME = 'keys.json';

const ROLES: readonly Role[] = ['user', 'auditor', 'admin'];

interface KeysFile {
  version: 1;
  keys: KeyRecord[];
}

/** The embedded key storage: one JSON file, re-read under a lock before every change so no update is lost. */
export class FileKeyStorage implements KeyStorage {
  readonly backend = 'file';
  readonly file: string;
  private readonly lock: FileLock;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly dataDir: string) {
    this.file = join(dataDir, KEYS_FILE_NAME);
    this.lock = new FileLock(`${this.file}.lock`, { label: 'The key store' });
  }

  /** Creates the data directory (0700) if missing. */
  static async open(dataDir: string): Promise<FileKeyStorage> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    return new FileKeyStorage(dataDir);
  }

  async loadAll(): Promise<KeyRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return parseKeysFile(text, this.file);
  }

  change<T>(id: string | undefined, change: (current: KeyRecord | undefined) => KeyWrite<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const release = await this.lock.acquire();
      try {
        const records = await this.loadAll();
        const { write, result } = change(id === undefined ? undefined : records.find((r) => r.id === id));
        if (write.length === 0) return result;
        for (const record of write) {
          const index = records.findIndex((r) => r.id === record.id);
          if (index >= 0) records[index] = record;
          else records.push(record);
        }
        await writeFileAtomic(
          this.file,
          `${JSON.stringify({ version: 1, keys: records } satisfies KeysFile, null, 2)}\n`,
        );
        return result;
      } finally {
        await release();
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  watch(onChange: () => void): () => void {
    let debounce: NodeJS.Timeout | undefined;
    const watcher = watch(this.dataDir, { persistent: false }, (_event, name) => {
      if (name !== null && name !== KEYS_FILE_NAME) return;
      if (debounce) clearTimeout(debounce);
      debounce = setTimeout(onChange, 50);
      debounce.unref();
    });
    return () => {
      watcher.close();
      if (debounce) clearTimeout(debounce);
    };
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
  }
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
    if (typeof r.role !== 'string' || !(ROLES as readonly string[]).includes(r.role))
      bad(`has unknown role ${String(r.role)}`);
    if (r.state !== 'active' && r.state !== 'expiring' && r.state !== 'revoked')
      bad(`has unknown state ${String(r.state)}`);
    if (typeof r.createdAt !== 'number') bad('has no createdAt');
    return {
      ...r,
      name: typeof r.name === 'string' ? r.name : '',
      owner: typeof r.owner === 'string' ? r.owner : (r.id as string),
    } as KeyRecord;
  });
}
