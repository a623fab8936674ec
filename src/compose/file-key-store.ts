// FileKeyStore: the key rules (key-manager.ts) over keys.json in the data directory; the embedded default.

import { FileKeyStorage } from '../store/file/key-file-storage.js';
import type { KeyRecord } from '../store/key-storage.js';
import { ManagedKeyStore } from '../security/key-manager.js';

export { KEYS_FILE_NAME, parseKeysFile } from '../store/file/key-file-storage.js';

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

/** The embedded key store: one JSON file, rewritten atomically on every change, indexed by hash in memory. */
export type FileKeyStore = ManagedKeyStore;

/** Opens the file-backed key store. */
export const FileKeyStore = {
  async open(options: FileKeyStoreOptions): Promise<ManagedKeyStore> {
    const { dataDir, ...rest } = options;
    return ManagedKeyStore.open({ storage: await FileKeyStorage.open(dataDir), ...rest });
  },
};
