// Crash-safe file replacement: write a temp file in the same directory, fsync, rename over the target.

import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Replaces `file` with `data` so readers see either the old or the new content, never half of it:
 * the temp file lives in the same directory (rename is atomic only within a filesystem), is created
 * exclusively with `mode`, fsynced before the rename, and removed if anything fails. The directory is
 * fsynced afterwards (best effort) so the rename itself survives a power cut.
 */
export async function writeFileAtomic(file: string, data: string, mode = 0o600): Promise<void> {
  const dir = dirname(file);
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(data, 'utf8');
      await handle.chmod(mode); // the umask may have narrowed it further, never widened: make it exact
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!renamed) await unlink(temp).catch(() => undefined);
  }
}

/** Makes a rename or unlink in `dir` durable (where the platform can fsync a directory). */
export async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some platforms (Windows, some network filesystems) cannot fsync a directory; the rename is still atomic.
  }
}
