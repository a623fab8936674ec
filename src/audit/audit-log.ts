// The audit trail writer: non-blocking append, one writer, SHA-256 hash chain, signed Ed25519 checkpoints.

import type { KeyObject } from 'node:crypto';
import type { AuditStorage } from '../store/audit-storage.js';
import type { AuditDetails, AuditEvent, AuditEventInput } from './audit-event.js';
import { signingKeyId } from './chain.js';
import { DEFAULT_ADDRESS_PREFIXES, truncateClientAddress, type AddressPrefixes } from './client-address.js';
import { sealEvents } from './seal.js';
import type { AuditSpool } from './spool.js';

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** Where the trail is kept (a file or a table), chosen by the composition root (compose/durable-state.ts). */
  storage: AuditStorage;
  /** Where events wait while `storage` is unreachable (remote storages); flushed in order when it returns. */
  spool?: AuditSpool;
  /** Spool depth after every change (for the `parley_audit_spool_depth` gauge and its alert). */
  onSpoolDepth?: (depth: number, capacity: number) => void;
  /** Ed25519 private key; without it no checkpoints are written (the chain alone still shows edits). */
  signingKey?: KeyObject;
  /** Write a signed checkpoint after this many records (and on close). Default 100. */
  checkpointEvery?: number;
  /** Epoch-ms clock. */
  clock?: () => number;
  /** How much of client addresses to keep. Default IPv4 /24, IPv6 /48. */
  addressPrefixes?: AddressPrefixes;
  /**
   * Events held in memory while the storage (and the spool) cannot take them; beyond it events are counted and
   * dropped. Default 10 000.
   */
  maxQueue?: number;
  /** Write failures (the log keeps the events queued or spooled and retries). */
  onError?: (error: Error) => void;
  /**
   * Group commit: queued events are written at most this many ms after the first of them (or at once
   * when `commitBatch` are queued). A write costs about the same CPU whatever its size, so batching
   * many requests' events into one write is what keeps the trail cheap under load. Default 10.
   */
  commitDelayMs?: number;
  /**
   * After a write, the next one waits this long unless `commitBatch` events are queued (default 0: it starts at
   * once with what queued meanwhile). For a remote trail, where every write is a round trip, this makes the groups
   * larger; `flush` and `close` do not wait.
   */
  commitPaceMs?: number;
  /** Queued events that trigger a write without waiting for `commitDelayMs`. Default 256. */
  commitBatch?: number;
  /** First and longest wait before retrying a failed write when events are waiting. Default 500 ms and 30 s. */
  retryMs?: { first: number; max: number };
}

/** The running audit trail. */
export interface AuditLog {
  /** Queues an event and returns at once; never does I/O on the caller's path. */
  append(event: AuditEventInput): void;
  /** Resolves when everything appended so far is written (rejects if the write failed). */
  flush(): Promise<void>;
  /** Flushes, writes a final checkpoint and closes the storage (spooled events stay spooled). */
  close(): Promise<void>;
}

/** File name of the audit trail inside the data directory. */
export const DEFAULT_AUDIT_FILE_NAME = 'audit.jsonl';

const MAX_DETAIL_CHARS = 256;
const SPOOL_CHUNK = 500;

/** Opens (or continues) the trail. The first write waits for the storage to open (the file's tail to be read). */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const clock = options.clock ?? Date.now;
  const prefixes = options.addressPrefixes ?? DEFAULT_ADDRESS_PREFIXES;
  const maxQueue = options.maxQueue ?? 10_000;
  const commitDelayMs = options.commitDelayMs ?? 10;
  const commitBatch = options.commitBatch ?? 256;
  const commitPaceMs = options.commitPaceMs ?? 0;
  const retry = options.retryMs ?? { first: 500, max: 30_000 };
  const storage = options.storage;
  const spool = options.spool;
  const seal = {
    signingKey: options.signingKey,
    keyId: options.signingKey ? signingKeyId(options.signingKey) : undefined,
    every: options.checkpointEvery ?? 100,
    now: () => new Date(clock()).toISOString(),
  };

  let pending: AuditEvent[] = [];
  let dropped = 0;
  let closed = false;
  let writing: Promise<void> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryWait = retry.first;

  const ready = storage.open().then(({ discardedBytes }) => {
    if (discardedBytes > 0)
      pending.unshift(
        normalise({
          requestId: 'audit-log',
          action: 'audit.recovered',
          outcome: 'failure',
          details: { discardedBytes },
        }),
      );
  });
  ready.catch((error: Error) => options.onError?.(error));
  if (spool) options.onSpoolDepth?.(spool.depth, spool.capacity);

  // Most requests come from a few addresses: the last truncation is remembered.
  let lastAddress: string | undefined;
  let lastTruncated: string | undefined;
  const truncated = (address: string): string | undefined => {
    if (address !== lastAddress) {
      lastAddress = address;
      lastTruncated = truncateClientAddress(address, prefixes);
    }
    return lastTruncated;
  };

  // Under load many events share a millisecond: its ISO string is formatted once.
  let lastMs = Number.NaN;
  let lastIso = '';
  const isoNow = (): string => {
    const ms = clock();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = new Date(ms).toISOString();
    }
    return lastIso;
  };

  /** One object shape for every event (absent fields are undefined, which JSON.stringify leaves out). */
  function normalise(event: AuditEventInput): AuditEvent {
    return {
      time: event.time ?? isoNow(),
      requestId: event.requestId,
      principalId: event.principalId,
      role: event.role,
      action: event.action,
      resource: event.resource,
      outcome: event.outcome,
      clientAddress: event.clientAddress === undefined ? undefined : truncated(event.clientAddress),
      details: event.details ? cleanDetails(event.details) : undefined,
    };
  }

  const appendToStorage = (events: readonly AuditEvent[], finalCheckpoint: boolean): Promise<void> =>
    storage.append((head) => sealEvents(head, events, seal, finalCheckpoint));

  /** Older spooled events go first, in chunks, each marked delivered once the trail has it. */
  async function drainSpool(): Promise<void> {
    while (spool && spool.depth > 0) {
      const chunk = await spool.peek(SPOOL_CHUNK);
      await appendToStorage(chunk.events, false);
      await spool.consume(chunk);
      options.onSpoolDepth?.(spool.depth, spool.capacity);
    }
  }

  async function writeBatch(finalCheckpoint: boolean): Promise<void> {
    await ready;
    const batch = pending;
    if (dropped > 0)
      batch.push(
        normalise({ requestId: 'audit-log', action: 'audit.overflow', outcome: 'failure', details: { dropped } }),
      );
    const droppedBefore = dropped;
    pending = [];
    dropped = 0;
    try {
      await drainSpool();
      if (batch.length > 0 || finalCheckpoint) await appendToStorage(batch, finalCheckpoint);
      retryWait = retry.first;
    } catch (error) {
      // Nothing of `batch` reached the trail: spool what fits (remote storage), keep the rest queued in order.
      const events = droppedBefore > 0 ? batch.slice(0, -1) : batch;
      dropped += droppedBefore;
      const taken = spool ? await spool.push(events).catch(() => 0) : 0;
      if (spool) options.onSpoolDepth?.(spool.depth, spool.capacity);
      pending = [...events.slice(taken), ...pending];
      scheduleRetry();
      throw error;
    }
  }

  /** While events wait (spooled or queued), try again with a growing pause, so recovery needs no new event. */
  function scheduleRetry(): void {
    if (closed || retryTimer || !spool) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      kick().catch((error: Error) => options.onError?.(error));
    }, retryWait);
    retryTimer.unref();
    retryWait = Math.min(retry.max, retryWait * 2);
  }

  let commitTimer: ReturnType<typeof setTimeout> | undefined;
  const scheduledKick = (): void => {
    clearTimeout(commitTimer);
    commitTimer = undefined;
    kick().catch((error: Error) => options.onError?.(error));
  };

  /** The single writer: drains the queue until it is empty; concurrent callers share the same run. */
  function kick(): Promise<void> {
    // The handlers always run in a later microtask, so `writing` is cleared only after it was set.
    writing ??= drainQueue().then(
      () => {
        writing = undefined;
        // Appended after the drain loop ended but before this ran: they must not wait for the next append.
        if (pending.length > 0 && !closed) commitTimer ??= setTimeout(scheduledKick, commitDelayMs);
      },
      (error: unknown) => {
        writing = undefined;
        throw error;
      },
    );
    return writing;
  }

  // Pacing between writes, cut short by `flush` and `close` (which then drain without pauses).
  let hurried = false;
  let pace: { timer: ReturnType<typeof setTimeout>; resume: () => void } | undefined;
  const pause = (): Promise<void> =>
    new Promise<void>((resume) => {
      pace = { timer: setTimeout(resume, commitPaceMs), resume };
    }).then(() => {
      pace = undefined;
    });
  const resumeNow = (): void => {
    if (!pace) return;
    clearTimeout(pace.timer);
    pace.resume();
  };
  const hurry = (): void => {
    hurried = true;
    resumeNow();
  };

  async function drainQueue(): Promise<void> {
    await ready;
    while (pending.length > 0 || dropped > 0 || (spool?.depth ?? 0) > 0) {
      await writeBatch(false);
      if (commitPaceMs > 0 && !hurried && pending.length > 0 && pending.length < commitBatch) await pause();
    }
    hurried = false;
  }

  return {
    append(event: AuditEventInput): void {
      if (closed) {
        options.onError?.(new Error(`audit event ${event.action} appended after close; it was not recorded`));
        return;
      }
      if (pending.length >= maxQueue) {
        dropped += 1;
        return;
      }
      pending.push(normalise(event));
      // Off the caller's path, grouped: a running writer picks the event up when its write is done;
      // otherwise the write starts once `commitBatch` events wait or `commitDelayMs` after the first.
      if (writing) {
        if (pending.length >= commitBatch) resumeNow(); // a paced writer writes a full group at once
        return;
      }
      if (pending.length >= commitBatch) scheduledKick();
      else commitTimer ??= setTimeout(scheduledKick, commitDelayMs);
    },
    flush(): Promise<void> {
      hurry();
      return kick();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearTimeout(commitTimer);
      clearTimeout(retryTimer);
      try {
        hurry();
        await kick();
        await writeBatch(true);
      } catch (error) {
        // A remote trail that is away: what could not be written is in the spool for the next start.
        if (!spool || pending.length > 0) throw error;
        options.onError?.(error as Error);
      } finally {
        await ready.catch(() => undefined);
        await storage.close();
      }
    },
  };
}

function cleanDetails(details: AuditDetails): AuditDetails {
  const out: AuditDetails = {};
  for (const [name, value] of Object.entries(details)) {
    if (typeof value === 'string')
      out[name] = value.length > MAX_DETAIL_CHARS ? `${value.slice(0, MAX_DETAIL_CHARS)}…` : value;
    else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) out[name] = value;
  }
  return out;
}
