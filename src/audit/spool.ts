// The audit spool: events that could not reach a remote trail wait here, on local disk, bounded, in order.

import { createReadStream } from 'node:fs';
import { appendFile, mkdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditEvent } from './audit-event.js';

/** File name of the spool inside the data directory. */
export const AUDIT_SPOOL_FILE_NAME = 'audit-spool.jsonl';

/** Events read from the head of the spool, and where they end. */
export interface SpoolChunk {
  events: AuditEvent[];
  endOffset: number;
}

/**
 * A bounded FIFO of unsealed events in a JSON-lines file (0600) plus a sidecar with the byte offset already
 * handed on. Events are sealed only when they reach the trail, so the chain stays one chain. Delivery is at
 * least once: a crash between the trail's commit and the offset write repeats at most one chunk.
 */
export class AuditSpool {
  private readonly offsetFile: string;
  private offset = 0;
  private size = 0;
  private count = 0;

  private constructor(
    readonly file: string,
    readonly capacity: number,
  ) {
    this.offsetFile = `${file}.offset`;
  }

  /** Opens (or creates) the spool and counts what an earlier run left in it. */
  static async open(file: string, capacity: number): Promise<AuditSpool> {
    const spool = new AuditSpool(file, capacity);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const bytes = await readFile(file).catch(() => Buffer.alloc(0));
    spool.size = bytes.length;
    spool.offset = Math.min(
      spool.size,
      Number((await readFile(spool.offsetFile, 'utf8').catch(() => '0')).trim()) || 0,
    );
    spool.count = bytes
      .subarray(spool.offset)
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '').length;
    return spool;
  }

  /** Events waiting. */
  get depth(): number {
    return this.count;
  }

  /** Appends as many of `events` as fit; returns how many were taken (the rest stays with the caller). */
  async push(events: readonly AuditEvent[]): Promise<number> {
    const room = Math.max(0, this.capacity - this.count);
    const taken = events.slice(0, room);
    if (taken.length === 0) return 0;
    const text = taken.map((e) => `${JSON.stringify(e)}\n`).join('');
    await appendFile(this.file, text, { mode: 0o600 });
    this.size += Buffer.byteLength(text);
    this.count += taken.length;
    return taken.length;
  }

  /** The oldest events, at most `max`, without removing them. */
  async peek(max: number): Promise<SpoolChunk> {
    const events: AuditEvent[] = [];
    let endOffset = this.offset;
    if (this.count === 0) return { events, endOffset };
    const lines = createInterface({
      input: createReadStream(this.file, { encoding: 'utf8', start: this.offset }),
      crlfDelay: Infinity,
    });
    for await (const line of lines) {
      endOffset += Buffer.byteLength(line) + 1;
      if (line !== '') events.push(JSON.parse(line) as AuditEvent);
      if (events.length >= max) break;
    }
    lines.close();
    return { events, endOffset };
  }

  /** Marks a chunk as delivered; an emptied spool is truncated. */
  async consume(chunk: SpoolChunk): Promise<void> {
    this.count = Math.max(0, this.count - chunk.events.length);
    this.offset = chunk.endOffset;
    if (this.count === 0) {
      await truncate(this.file, 0).catch(() => undefined);
      this.offset = 0;
      this.size = 0;
    }
    await writeFile(this.offsetFile, String(this.offset), { mode: 0o600 });
  }
}
