// Reads the end of an existing audit file so a restarted writer continues the chain (and cuts a torn last line).

import type { FileHandle } from 'node:fs/promises';
import { createHash } from 'node:crypto';

/** Where the chain stands at the end of the file. */
export interface ChainTail {
  /** The last complete line: its seq, type and the SHA-256 of its exact bytes (the next line's `prev`). */
  last?: { seq: number; type: string; lineHash: string };
  /** Bytes of an incomplete last line (a write cut by a crash) that were truncated away. */
  discardedBytes: number;
}

const NEWLINE = 0x0a;

/**
 * Reads backwards from the end in growing chunks until the last complete line is in memory. A trailing
 * fragment without a newline can only come from an interrupted write: it is truncated so the chain goes
 * on from the last whole record, and the caller records that it happened.
 */
export async function readChainTail(handle: FileHandle): Promise<ChainTail> {
  let size = (await handle.stat()).size;
  let discardedBytes = 0;
  let length = Math.min(size, 64 * 1024);
  while (size > 0) {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    const lastNewline = buffer.lastIndexOf(NEWLINE);
    if (lastNewline === -1 && length < size) {
      length = Math.min(size, length * 4);
      continue;
    }
    if (lastNewline !== length - 1) {
      const torn = length - 1 - lastNewline;
      await handle.truncate(size - torn);
      discardedBytes += torn;
      size -= torn;
      length = Math.min(size, length);
      continue;
    }
    const previousNewline = lastNewline === 0 ? -1 : buffer.lastIndexOf(NEWLINE, lastNewline - 1);
    if (previousNewline === -1 && length < size) {
      length = Math.min(size, length * 4);
      continue;
    }
    const line = buffer.subarray(previousNewline + 1, lastNewline);
    let parsed: { seq?: unknown; type?: unknown };
    try {
      parsed = JSON.parse(line.toString('utf8')) as { seq?: unknown; type?: unknown };
    } catch {
      throw new Error('The audit file ends with a line that is not JSON; run "parley audit verify" and move the file aside');
    }
    if (typeof parsed.seq !== 'number' || typeof parsed.type !== 'string') {
      throw new Error('The audit file ends with a record without seq/type; it is not a Parley audit trail; move it aside');
    }
    return { last: { seq: parsed.seq, type: parsed.type, lineHash: createHash('sha256').update(line).digest('hex') }, discardedBytes };
  }
  return { discardedBytes };
}
