// A cross-process lock file that names its holder (pid, process start time, host), so a dead holder's lock is taken
// over at once.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { ParleyError } from '../../domain/index.js';

/** What a lock file says about its holder. */
export interface LockHolder {
  pid: number;
  /**
   * The holder process's start time as the kernel reports it (Linux: /proc/PID/stat field 22), so a reused pid is told
   * apart.
   */
  start: string | null;
  host: string;
  /** Unique per acquisition: release removes only its own lock. */
  nonce: string;
  acquiredAt: number;
}

/** Options of {@link FileLock}. */
export interface FileLockOptions {
  /** How long to wait for a live holder before refusing with 503 `store_busy` (default 5 s). */
  waitMs?: number;
  /**
   * A lock whose holder cannot be checked (another host, unreadable file) counts as stale after this long (default 30
   * s).
   */
  staleMs?: number;
  /** What is locked, for the 503 message (default: the file the lock guards). */
  label?: string;
}

/** The start time of process `pid` (Linux), or null where /proc is not available. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** True when `holder` is certainly gone: same host, and its pid is dead or now belongs to a process started later. */
export function holderIsDead(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  const start = processStart(holder.pid);
  return holder.start !== null && start !== null && start !== holder.start;
}

function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder>;
    return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.nonce === 'string'
      ? (value as LockHolder)
      : undefined;
  } catch {
    return undefined;
  }
}

/** An exclusive lock on `path` shared between processes: `acquire()` resolves with the function that releases it. */
export class FileLock {
  private readonly waitMs: number;
  private readonly staleMs: number;
  private readonly label: string;

  constructor(
    readonly path: string,
    options: FileLockOptions = {},
  ) {
    this.waitMs = options.waitMs ?? 5_000;
    this.staleMs = options.staleMs ?? 30_000;
    this.label = options.label ?? `The file ${path.replace(/\.lock$/, '')}`;
  }

  /** Takes the lock: at once when free or when its holder is dead; otherwise waits, then throws 503 `store_busy`. */
  async acquire(): Promise<() => Promise<void>> {
    const me: LockHolder = {
      pid: process.pid,
      start: processStart(process.pid),
      host: hostname(),
      nonce: randomUUID(),
      acquiredAt: Date.now(),
    };
    const deadline = Date.now() + this.waitMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      try {
        const handle = await open(this.path, 'wx', 0o600);
        try {
          await handle.writeFile(JSON.stringify(me));
        } finally {
          await handle.close();
        }
        return () => this.release(me.nonce);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const text = await readFile(this.path, 'utf8').catch(() => undefined);
      if (text === undefined) continue; // released meanwhile
      if (await this.isStale(text)) {
        await this.takeOver(text);
        continue;
      }
      if (Date.now() > deadline) {
        const holder = parseHolder(text);
        throw new ParleyError(
          'store_busy',
          `${this.label} is locked by another ` +
            `process${holder ? ` (pid ${holder.pid} on ${holder.host})` : ''}; retry in a moment`,
          { retryAfterMs: 1000 },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  private async isStale(text: string): Promise<boolean> {
    const holder = parseHolder(text);
    if (holder !== undefined && holderIsDead(holder)) return true;
    if (holder !== undefined && holder.host === hostname()) return false; // alive here: wait for it
    // Another host, or a lock file written by an older Parley (empty): only its age tells.
    const info = await stat(this.path).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > this.staleMs;
  }

  /** Moves the stale lock aside atomically; if a live lock was moved by a race, it is put back. */
  private async takeOver(staleText: string): Promise<void> {
    const aside = `${this.path}.stale-${process.pid}-${randomUUID()}`;
    try {
      await rename(this.path, aside);
    } catch {
      return; // someone else moved or released it
    }
    const moved = await readFile(aside, 'utf8').catch(() => undefined);
    if (moved !== staleText) await link(aside, this.path).catch(() => undefined);
    await unlink(aside).catch(() => undefined);
  }

  private async release(nonce: string): Promise<void> {
    const text = await readFile(this.path, 'utf8').catch(() => undefined);
    if (text !== undefined && parseHolder(text)?.nonce === nonce) await unlink(this.path).catch(() => undefined);
  }
}
