// The audit trail writer: non-blocking append, one writer, SHA-256 hash chain, signed Ed25519 checkpoints.

import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KeyObject } from 'node:crypto';
import type { AuditDetails, AuditEvent, AuditEventInput } from './audit-event.js';
import { GENESIS_HASH, sealLine, sha256Hex, signCheckpoint, signingKeyId } from './chain.js';
import { DEFAULT_ADDRESS_PREFIXES, truncateClientAddress, type AddressPrefixes } from './client-address.js';
import { readChainTail } from './tail.js';

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** The JSON-lines file (created 0600 if missing; an existing chain is continued). */
  file: string;
  /** Ed25519 private key; without it no checkpoints are written (the chain alone still shows edits). */
  signingKey?: KeyObject;
  /** Write a signed checkpoint after this many records (and on close). Default 100. */
  checkpointEvery?: number;
  /** Epoch-ms clock. */
  clock?: () => number;
  /** How much of client addresses to keep. Default IPv4 /24, IPv6 /48. */
  addressPrefixes?: AddressPrefixes;
  /** Events held in memory while the disk is slow; beyond it events are counted and dropped. Default 10 000. */
  maxQueue?: number;
  /** Write failures (the log keeps the events queued and retries on the next append or flush). */
  onError?: (error: Error) => void;
  /**
   * Group commit: queued events are written at most this many ms after the first of them (or at once
   * when `commitBatch` are queued). Each write costs ~45 µs of CPU whatever its size, so batching
   * many requests' events into one write is what keeps the trail cheap under load. Default 10.
   */
  commitDelayMs?: number;
  /** Queued events that trigger a write without waiting for `commitDelayMs`. Default 256. */
  commitBatch?: number;
}

/** The running audit trail. */
export interface AuditLog {
  /** Queues an event and returns at once; never does I/O on the caller's path. */
  append(event: AuditEventInput): void;
  /** Resolves when everything appended so far is written (rejects if the write failed). */
  flush(): Promise<void>;
  /** Flushes, writes a final checkpoint and closes the file. */
  close(): Promise<void>;
}

/** File name of the audit trail inside the data directory. */
export const DEFAULT_AUDIT_FILE_NAME = 'audit.jsonl';

const MAX_DETAIL_CHARS = 256;

/** Opens (or continues) the trail in `options.file`. The first write waits for the tail of the file to be read. */
export function createAuditLog(options: AuditLogOptions): AuditLog {
  const clock = options.clock ?? Date.now;
  const every = options.checkpointEvery ?? 100;
  const prefixes = options.addressPrefixes ?? DEFAULT_ADDRESS_PREFIXES;
  const maxQueue = options.maxQueue ?? 10_000;
  const commitDelayMs = options.commitDelayMs ?? 10;
  const commitBatch = options.commitBatch ?? 256;
  const key = options.signingKey;
  const keyId = key ? signingKeyId(key) : undefined;

  let handle: FileHandle | undefined;
  let seq = 0;
  let prev = GENESIS_HASH;
  let sinceCheckpoint = 0;
  let pending: AuditEvent[] = [];
  let dropped = 0;
  let closed = false;
  let writing: Promise<void> | undefined;

  const ready = (async () => {
    await mkdir(dirname(options.file), { recursive: true, mode: 0o700 });
    handle = await open(options.file, 'a+', 0o600);
    await handle.chmod(0o600).catch(() => undefined); // an older file may have been created with looser rights
    const tail = await readChainTail(handle);
    if (tail.last) {
      seq = tail.last.seq;
      prev = tail.last.lineHash;
      // A trail that did not end on a checkpoint (crash, kill -9) gets one first, covering that tail.
      sinceCheckpoint = tail.last.type === 'checkpoint' ? 0 : every;
    }
    if (tail.discardedBytes > 0) {
      pending.unshift(normalise({ requestId: 'audit-log', action: 'audit.recovered', outcome: 'failure', details: { discardedBytes: tail.discardedBytes } }));
    }
  })();
  ready.catch((error: Error) => options.onError?.(error));

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

  function checkpointLine(): string {
    const body = { seq: seq + 1, prev, type: 'checkpoint', time: new Date(clock()).toISOString(), keyId };
    const sealed = sealLine(body, (hash) => signCheckpoint(key as KeyObject, body.seq, hash));
    seq += 1;
    prev = sha256Hex(sealed.line);
    sinceCheckpoint = 0;
    return `${sealed.line}\n`;
  }

  function eventLine(event: AuditEvent): string {
    const { time, requestId, principalId, role, action, resource, outcome, clientAddress, details } = event;
    const sealed = sealLine({ seq: seq + 1, prev, type: 'event', time, requestId, principalId, role, action, resource, outcome, clientAddress, details });
    seq += 1;
    prev = sha256Hex(sealed.line);
    sinceCheckpoint += 1;
    return `${sealed.line}\n`;
  }

  async function writeBatch(finalCheckpoint: boolean): Promise<void> {
    await ready;
    const batch = pending;
    if (dropped > 0) batch.push(normalise({ requestId: 'audit-log', action: 'audit.overflow', outcome: 'failure', details: { dropped } }));
    const saved = { seq, prev, sinceCheckpoint, dropped };
    pending = [];
    dropped = 0;
    let text = '';
    let signed = false;
    const checkpointIfDue = (due: boolean): void => {
      if (!key || !due) return;
      text += checkpointLine();
      signed = true;
    };
    checkpointIfDue(sinceCheckpoint >= every);
    for (const event of batch) {
      text += eventLine(event);
      checkpointIfDue(sinceCheckpoint >= every);
    }
    checkpointIfDue(finalCheckpoint && sinceCheckpoint > 0);
    if (text === '') return;
    try {
      await (handle as FileHandle).write(text);
      if (signed) await (handle as FileHandle).datasync();
    } catch (error) {
      ({ seq, prev, sinceCheckpoint, dropped } = saved); // nothing reached the file: keep the chain where it was
      pending = [...batch.filter((e) => e.action !== 'audit.overflow'), ...pending];
      throw error;
    }
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

  async function drainQueue(): Promise<void> {
    await ready;
    while (pending.length > 0 || dropped > 0) await writeBatch(false);
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
      if (writing) return;
      if (pending.length >= commitBatch) scheduledKick();
      else commitTimer ??= setTimeout(scheduledKick, commitDelayMs);
    },
    flush(): Promise<void> {
      return kick();
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearTimeout(commitTimer);
      try {
        await kick();
        await writeBatch(true);
      } finally {
        await ready.catch(() => undefined);
        await handle?.close();
      }
    },
  };
}

function cleanDetails(details: AuditDetails): AuditDetails {
  const out: AuditDetails = {};
  for (const [name, value] of Object.entries(details)) {
    if (typeof value === 'string') out[name] = value.length > MAX_DETAIL_CHARS ? `${value.slice(0, MAX_DETAIL_CHARS)}…` : value;
    else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) out[name] = value;
  }
  return out;
}
