// Watches a file for replacement (atomic rename, Kubernetes `..data` symlink swap) with a debounce.

import { watch, watchFile, unwatchFile, type FSWatcher, type Stats } from 'node:fs';
import { dirname } from 'node:path';

/** Options of watchPath. */
export interface WatchPathOptions {
  /** Events within this window are coalesced into one callback (default 50 ms). */
  debounceMs?: number;
  /** Safety-net stat polling interval, for file systems where directory events are not delivered (default 5 s). */
  pollMs?: number;
}

/**
 * Calls `onEvent` (debounced) whenever `path` may have changed. Watches the directory rather than the file,
 * because a replaced file (or a swapped `..data` symlink, as Kubernetes does for mounted secrets) is a new
 * inode that a file watch would never see; a slow stat poll backs it up. Returns a function that stops watching.
 * Nothing here keeps the process alive.
 */
export function watchPath(path: string, onEvent: () => void, opts: WatchPathOptions = {}): () => void {
  const debounceMs = opts.debounceMs ?? 50;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) onEvent();
    }, debounceMs);
    timer.unref();
  };
  let dirWatcher: FSWatcher | undefined;
  try {
    // Any change in the directory may concern us (a swapped `..data` symlink, a renamed temp file): the
    // caller re-reads and compares, so a spurious event costs one small read.
    dirWatcher = watch(dirname(path), { persistent: false }, fire);
    dirWatcher.on('error', () => undefined);
  } catch {
    dirWatcher = undefined; // the stat poll still works
  }
  const onStat = (curr: Stats, prev: Stats) => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size) fire();
  };
  watchFile(path, { persistent: false, interval: opts.pollMs ?? 5_000 }, onStat);
  return () => {
    closed = true;
    if (timer) clearTimeout(timer);
    dirWatcher?.close();
    unwatchFile(path, onStat);
  };
}
