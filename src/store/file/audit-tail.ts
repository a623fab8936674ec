// Reads the ends of an audit file: the last line so a restarted writer continues the chain (cutting a torn
// last line), and the first and last records of a segment for rotation, retention and verification.

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';

/** A chained record as the tail readers see it: its seq, type, time and the SHA-256 of its exact bytes. */
export interface ChainRecord {
  seq: number;
  type: string;
  /** ISO time of the record ('' if it has none). */
  time: string;
  /** SHA-256 hex of the line's bytes (the next line's `prev`). */
  lineHash: string;
}

/** Where the chain stands at the end of the file. */
export interface ChainTail {
  /** The last complete line. */
  last?: ChainRecord;
  /** Bytes of an incomplete last line (a write cut by a crash) that were truncated away. */
  discardedBytes: number;
}

const NEWLINE = 0x0a;

function parseRecord(line: Buffer): ChainRecord {
  let parsed: { seq?: unknown; type?: unknown; time?: unknown };
  try {
    parsed = JSON.parse(line.toString('utf8')) as typeof parsed;
  } catch {
    throw new Error(
      'The audit file ends with a line that is not JSON; run "parley audit verify" and move the file aside',
    );
  }
  if (typeof parsed.seq !== 'number' || typeof parsed.type !== 'string') {
    throw new Error(
      'The audit file ends with a record without seq/type; it is not a Parley audit trail; move it aside',
    );
  }
  return {
    seq: parsed.seq,
    type: parsed.type,
    time: typeof parsed.time === 'string' ? parsed.time : '',
    lineHash: createHash('sha256').update(line).digest('hex'),
  };
}

/**
 * Reads backwards from the end in growing chunks until the last complete line is in memory. A trailing
 * fragment without a newline can only come from an interrupted write: with `cutTorn` it is truncated so the
 * chain goes on from the last whole record (the caller records that it happened); without, it is skipped.
 */
async function lastLine(handle: FileHandle, cutTorn: boolean): Promise<ChainTail> {
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
      if (cutTorn) await handle.truncate(size - torn);
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
    return { last: parseRecord(buffer.subarray(previousNewline + 1, lastNewline)), discardedBytes };
  }
  return { discardedBytes };
}

/** The writer's view: cuts a torn last line away and returns the last whole record. */
export function readChainTail(handle: FileHandle): Promise<ChainTail> {
  return lastLine(handle, true);
}

/** The last whole record of `file`, read only (undefined for an empty file). */
export async function readLastRecord(file: string): Promise<ChainRecord | undefined> {
  const handle = await open(file, 'r');
  try {
    return (await lastLine(handle, false)).last;
  } finally {
    await handle.close();
  }
}

/** The first record of `file` (undefined for an empty file or one whose first line is not complete). */
export async function readFirstRecord(file: string): Promise<ChainRecord | undefined> {
  const handle = await open(file, 'r');
  try {
    const size = (await handle.stat()).size;
    for (let length = Math.min(size, 16 * 1024); length > 0; length = Math.min(size, length * 4)) {
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, 0);
      const newline = buffer.indexOf(NEWLINE);
      if (newline >= 0) return parseRecord(buffer.subarray(0, newline));
      if (length === size) return undefined;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
