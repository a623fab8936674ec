// The audit trail as a file (the embedded default): reading it for `parley audit query`, and verifying it with its
// sealed segments and a last line a crash may have cut off.

import type { KeyObject } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { verifyAuditLines, type AuditVerification, type VerifyOptions } from '../audit/verify.js';
import type { AuditStorage, StoredAuditLine } from '../store/audit-storage.js';
import { FileAuditStorage } from '../store/file/audit-file-storage.js';

/** The file trail at `file` (and its sealed segments), for reading. */
export function auditFileReader(file: string): AuditStorage {
  return new FileAuditStorage(file);
}

/**
 * Verifies the trail in `file` and its sealed segments (`<name>-segments/`), oldest first. A last line of the
 * active file without its newline is a write cut off by a crash, not tampering: the lines before it are
 * verified, and if they hold, the result is `torn` (Parley cuts that line at its next start and records
 * `audit.recovered`).
 */
export async function verifyAuditFile(
  file: string,
  publicKey?: KeyObject,
  options: VerifyOptions = {},
): Promise<AuditVerification> {
  const torn = await endsWithoutNewline(file);
  async function* complete(): AsyncIterable<StoredAuditLine> {
    let held: StoredAuditLine | undefined;
    for await (const stored of new FileAuditStorage(file).lines()) {
      if (held !== undefined) yield held;
      held = stored;
    }
    if (held !== undefined && !torn) yield held;
  }
  const { last, ...result } = await verifyAuditLines(complete(), publicKey, { ...options, unit: 'line' });
  if (!result.ok || !torn) return result as AuditVerification;
  const line = (last ?? 0) + 1;
  return {
    ok: false,
    fault: 'torn',
    torn: true,
    line,
    reason:
      `line ${line} is incomplete (no trailing newline): a write was cut off by a crash, and the ` +
      `${line - 1} lines before it verify. Parley removes this line at its next start and records ` +
      `an audit.recovered event with the bytes it discarded`,
  };
}

/** True when the file's last byte is not a newline (a write was cut off). */
async function endsWithoutNewline(file: string): Promise<boolean> {
  const size = await stat(file).then(
    (s) => s.size,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return 0; // only sealed segments (a crash right after a rotation): nothing is torn
      throw error;
    },
  );
  if (size === 0) return false;
  const handle = await open(file, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, size - 1);
    return byte[0] !== 0x0a;
  } finally {
    await handle.close();
  }
}
