// File audit storage: the trail as JSON lines (0600), one writer, the head kept in memory. The active file
// rotates by size or age into sealed segments whose chain continues; retention removes whole old segments.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { once } from 'node:events';
import { mkdir, open, rename, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import type {
  AuditHead,
  AuditStorage,
  PurgedSegment,
  PurgeResult,
  SealedAuditLine,
  StoredAuditLine,
} from '../audit-storage.js';
import { listSegments, segmentName, segmentsDir } from './audit-segments.js';
import { readChainTail, readFirstRecord, readLastRecord } from './audit-tail.js';
import { syncDirectory } from './atomic-write.js';
import { FileLock } from './file-lock.js';

/** When the active file is sealed into a segment (at the first write after either limit is reached). */
export interface AuditRotation {
  maxBytes: number;
  maxAgeMs: number;
}

/** Defaults of `audit.segmentMaxSize` and `audit.segmentMaxAge`. */
export const DEFAULT_AUDIT_ROTATION: AuditRotation = { maxBytes: 64 * 1024 * 1024, maxAgeMs: 86_400_000 };

/** Options of {@link FileAuditStorage}. */
export interface FileAuditStorageOptions {
  rotation?: AuditRotation;
  /** Epoch-ms clock for the age of an idle active file at a purge (appends measure age in their records' time). */
  clock?: () => number;
  /**
   * The writer lock `<file>.lock`, taken by `open()` and held until `close()`: a second writer (another server,
   * `parley audit purge`) is refused instead of forking the chain. A dead holder's lock is taken over at once.
   * `waitMs` is how long a live holder is waited for (default 35 s, longer than a lock of another host stays fresh).
   */
  lock?: { waitMs?: number };
  /** Told after each rotation (the new segment's name) and each purge. */
  onRotate?: (segment: string) => void;
}

const LOCK_HEARTBEAT_MS = 10_000;
const LOCK_STALE_MS = 30_000;

/** The embedded audit storage. One process writes the file; readers (verify, query) stream every segment in order. */
export class FileAuditStorage implements AuditStorage {
  readonly backend = 'file';
  readonly unit = 'line';
  private handle?: FileHandle;
  private head?: AuditHead;
  private opened = false;
  /** Bytes in the active file. */
  private size = 0;
  /** Seq of the first record of the active file (its name once sealed). */
  private segmentFirstSeq = 1;
  /** Time of the first record of the active file; undefined while it is empty. */
  private segmentStartMs?: number;
  private readonly rotation: AuditRotation;
  private readonly clock: () => number;
  /** Appends, rotations and purges run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();
  private releaseLock?: () => Promise<void>;
  private heartbeat?: ReturnType<typeof setInterval>;

  constructor(
    readonly file: string,
    private readonly options: FileAuditStorageOptions = {},
  ) {
    this.rotation = options.rotation ?? DEFAULT_AUDIT_ROTATION;
    this.clock = options.clock ?? Date.now;
  }

  /** Takes the writer lock, opens the active file and finds the head (cutting a torn last line). */
  async open(): Promise<{ discardedBytes: number }> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    await this.lock();
    this.handle = await open(this.file, 'a+', 0o600);
    await this.handle.chmod(0o600).catch(() => undefined); // an older file may have been created with looser rights
    const tail = await readChainTail(this.handle);
    this.size = (await this.handle.stat()).size;
    let last = tail.last;
    if (last) {
      const first = await readFirstRecord(this.file);
      this.segmentFirstSeq = first?.seq ?? last.seq;
      this.segmentStartMs = first ? Date.parse(first.time) || this.clock() : undefined;
    } else {
      // Empty active file (new trail, or a crash right after a rotation): the chain goes on from the newest segment.
      const newest = (await listSegments(this.file)).at(-1);
      last = newest && (await readLastRecord(newest.path));
      this.segmentFirstSeq = (last?.seq ?? 0) + 1;
    }
    // A trail that did not end on a checkpoint (crash, kill -9): unknown count, so the writer checkpoints first.
    if (last)
      this.head = {
        seq: last.seq,
        lineHash: last.lineHash,
        sinceCheckpoint: last.type === 'checkpoint' ? 0 : undefined,
      };
    this.opened = true;
    return { discardedBytes: tail.discardedBytes };
  }

  append(build: (head: AuditHead | undefined) => SealedAuditLine[]): Promise<void> {
    return this.exclusive(() => this.appendNow(build, false));
  }

  /**
   * Removes the oldest sealed segments whose newest record is older than `before` (whole segments, a prefix of
   * the chain). The purge's own events (`build`) are written and synced first, the files removed after: a crash
   * in between leaves segments the next purge removes, never a gap that no record explains.
   */
  purgeBefore(
    before: Date,
    build: (head: AuditHead | undefined, result: PurgeResult) => SealedAuditLine[],
  ): Promise<PurgeResult> {
    return this.exclusive(async () => {
      if (this.rotationDue(this.clock())) await this.rotate(); // an idle trail's old active file becomes purgeable too
      const gone: PurgedSegment[] = [];
      let firstKeptSeq = this.segmentFirstSeq;
      for (const segment of await listSegments(this.file)) {
        const last = await readLastRecord(segment.path);
        if (!last || !(Date.parse(last.time) < before.getTime())) {
          firstKeptSeq = segment.firstSeq;
          break;
        }
        const first = await readFirstRecord(segment.path);
        const { sha256, bytes } = await hashFile(segment.path);
        gone.push({
          name: segment.name,
          firstSeq: first?.seq ?? segment.firstSeq,
          lastSeq: last.seq,
          lastLineHash: last.lineHash,
          sha256,
          bytes,
        });
      }
      if (gone.length > 0) firstKeptSeq = gone[gone.length - 1].lastSeq + 1;
      const result: PurgeResult = {
        deleted: gone.reduce((n, s) => n + s.lastSeq - s.firstSeq + 1, 0),
        firstKeptSeq,
        segments: gone,
      };
      if (gone.length === 0) return result;
      await this.appendNow((head) => build(head, result), true);
      for (const segment of gone)
        await unlink(join(segmentsDir(this.file), segment.name)).catch((error: NodeJS.ErrnoException) => {
          if (error.code !== 'ENOENT') throw error;
        });
      await syncDirectory(segmentsDir(this.file));
      return result;
    });
  }

  /**
   * Every line of every segment, oldest first, then the active file. The active file is opened first and a
   * segment that is the same file (sealed meanwhile) is skipped, so a rotation during the read never shows a line
   * twice.
   */
  async *lines(): AsyncIterable<StoredAuditLine> {
    let active: FileHandle | undefined;
    try {
      active = await open(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    try {
      const activeIno = active && (await active.stat()).ino;
      const segments = await listSegments(this.file);
      if (!active && segments.length === 0) await stat(this.file); // throws ENOENT: there is no trail here
      let readAny = false;
      for (const segment of segments) {
        let handle: FileHandle;
        try {
          handle = await open(segment.path, 'r');
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          // A retention purge removes the oldest segments (after recording them): before the first read, the trail
          // simply starts later.
          if (!readAny) continue;
          throw new Error(
            `${segment.name} was removed while the trail was being read (a retention purge ran ` +
              `meanwhile); read it again`,
            { cause: error },
          );
        }
        readAny = true;
        try {
          if ((await handle.stat()).ino === activeIno) continue;
          yield* readLines(handle, { name: segment.name, firstSeq: segment.firstSeq });
        } finally {
          await handle.close().catch(() => undefined);
        }
      }
      if (active) yield* readLines(active, segments.length > 0 ? { name: basename(this.file) } : undefined);
    } finally {
      await active?.close().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    await this.handle?.close();
    this.handle = undefined;
    this.opened = false;
    clearInterval(this.heartbeat);
    await this.releaseLock?.();
    this.releaseLock = undefined;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async appendNow(build: (head: AuditHead | undefined) => SealedAuditLine[], sync: boolean): Promise<void> {
    if (!this.opened) throw new Error(`${this.file} is not open`);
    this.handle ??= await open(this.file, 'a+', 0o600); // a rotation that failed half-way left it closed
    let lines = build(this.head);
    if (lines.length === 0) return;
    // The age of the active file is measured in record time (the writer's clock); sealing changes the head,
    // so the lines are sealed again after it (sealing is pure).
    if (this.rotationDue(Date.parse(lines[0].time))) {
      await this.rotate();
      lines = build(this.head);
    }
    const text = lines.map((l) => `${l.line}\n`).join('');
    await this.handle.write(text);
    this.size += Buffer.byteLength(text);
    this.segmentStartMs ??= Date.parse(lines[0].time) || this.clock();
    if (sync || lines.some((l) => l.type === 'checkpoint')) await this.handle.datasync();
    const last = lines[lines.length - 1];
    this.head = { seq: last.seq, lineHash: last.lineHash, sinceCheckpoint: last.sinceCheckpoint };
  }

  /**
   * True when the active file holds records and reached the size limit, or its first record is `maxAgeMs` older than
   * `nowMs`.
   */
  private rotationDue(nowMs: number): boolean {
    if (this.size === 0) return false;
    return (
      this.size >= this.rotation.maxBytes ||
      (this.segmentStartMs !== undefined && nowMs - this.segmentStartMs >= this.rotation.maxAgeMs)
    );
  }

  /**
   * Seals the active file: synced, renamed into the segments folder under its first seq, folder synced, a new
   * active file begun. The next record's `prev` is the last hash of the sealed segment, so the chain goes on;
   * with a signing key the new segment opens with a checkpoint that signs everything before it.
   */
  private async rotate(): Promise<void> {
    const handle = this.handle;
    if (!handle) return;
    await handle.datasync();
    await handle.close();
    this.handle = undefined;
    const dir = segmentsDir(this.file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const name = segmentName(this.file, this.segmentFirstSeq);
    const target = join(dir, name);
    if (
      await stat(target).then(
        () => true,
        () => false,
      )
    ) {
      this.handle = await open(this.file, 'a+', 0o600);
      throw new Error(
        `Cannot seal ${this.file}: ${target} exists already; move it aside (is another process writing this trail?)`,
      );
    }
    try {
      await rename(this.file, target);
      await syncDirectory(dir);
    } finally {
      this.handle = await open(this.file, 'a+', 0o600);
    }
    await syncDirectory(dirname(this.file));
    this.size = (await this.handle.stat()).size;
    this.segmentFirstSeq = (this.head?.seq ?? 0) + 1;
    this.segmentStartMs = undefined;
    if (this.head && this.head.sinceCheckpoint !== 0) this.head = { ...this.head, sinceCheckpoint: undefined };
    this.options.onRotate?.(name);
  }

  private async lock(): Promise<void> {
    if (this.releaseLock) return;
    const path = `${this.file}.lock`;
    this.releaseLock = await new FileLock(path, {
      waitMs: this.options.lock?.waitMs ?? 35_000,
      staleMs: LOCK_STALE_MS,
      label: `The audit trail ${this.file}`,
    }).acquire();
    // A live holder on this host is recognised by its pid; on another host (a shared volume) only by a fresh mtime.
    this.heartbeat = setInterval(() => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    }, LOCK_HEARTBEAT_MS);
    this.heartbeat.unref();
  }
}

/** Streams the lines of an open file; the first carries `startsSegment` when given. */
async function* readLines(
  handle: FileHandle,
  startsSegment: StoredAuditLine['startsSegment'],
): AsyncIterable<StoredAuditLine> {
  // On the FileHandle, not its descriptor number: destroy() closes the stream's descriptor whatever autoClose says,
  // and a number closed twice can belong by then to a file opened meanwhile (GET /v1/admin/keys failed with EBADF
  // when a key-file read got it). A FileHandle closes once.
  const input = createReadStream('', { fd: handle, encoding: 'utf8', start: 0, autoClose: false });
  const reader = createInterface({ input, crlfDelay: Infinity });
  let position = 0;
  try {
    for await (const line of reader) {
      position += 1;
      yield position === 1 && startsSegment ? { position, line, startsSegment } : { position, line };
    }
  } finally {
    // A reader that stops early (verify at the first bad line) may leave a read in flight on the descriptor: the
    // caller closes it next, and that read would fail with EBADF as an uncaught error. Wait for the stream to stop.
    reader.close();
    if (!input.closed) {
      input.on('error', () => undefined);
      const stopped = once(input, 'close');
      input.destroy();
      await stopped;
    }
  }
}

async function hashFile(path: string): Promise<{ sha256: string; bytes: number }> {
  const handle = await open(path, 'r');
  try {
    const hash = createHash('sha256');
    let bytes = 0;
    for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
    return { sha256: hash.digest('hex'), bytes };
  } finally {
    await handle.close();
  }
}
