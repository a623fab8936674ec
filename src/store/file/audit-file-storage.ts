// File audit storage: the trail as JSON lines in one file (0600), one writer, the head kept in memory.

import { createReadStream } from 'node:fs';
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import type { AuditHead, AuditStorage, SealedAuditLine, StoredAuditLine } from '../audit-storage.js';
import { readChainTail } from './audit-tail.js';

/** The embedded audit storage. One process writes the file; readers (verify, query) stream it. */
export class FileAuditStorage implements AuditStorage {
  readonly backend = 'file';
  readonly unit = 'line';
  private handle?: FileHandle;
  private head?: AuditHead;

  constructor(readonly file: string) {}

  async open(): Promise<{ discardedBytes: number }> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    this.handle = await open(this.file, 'a+', 0o600);
    await this.handle.chmod(0o600).catch(() => undefined); // an older file may have been created with looser rights
    const tail = await readChainTail(this.handle);
    if (tail.last) {
      // A trail that did not end on a checkpoint (crash, kill -9): unknown count, so the writer checkpoints first.
      this.head = { seq: tail.last.seq, lineHash: tail.last.lineHash, sinceCheckpoint: tail.last.type === 'checkpoint' ? 0 : undefined };
    }
    return { discardedBytes: tail.discardedBytes };
  }

  async append(build: (head: AuditHead | undefined) => SealedAuditLine[]): Promise<void> {
    if (!this.handle) throw new Error(`${this.file} is not open`);
    const lines = build(this.head);
    if (lines.length === 0) return;
    await this.handle.write(lines.map((l) => `${l.line}\n`).join(''));
    if (lines.some((l) => l.type === 'checkpoint')) await this.handle.datasync();
    const last = lines[lines.length - 1];
    this.head = { seq: last.seq, lineHash: last.lineHash, sinceCheckpoint: last.sinceCheckpoint };
  }

  async *lines(): AsyncIterable<StoredAuditLine> {
    const reader = createInterface({ input: createReadStream(this.file, { encoding: 'utf8' }), crlfDelay: Infinity });
    let position = 0;
    for await (const line of reader) yield { position: ++position, line };
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }
}
