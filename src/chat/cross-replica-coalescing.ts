// Coalescing across replicas: identical cacheable requests on different replicas share one upstream call. One
// replica leads under a short lease and appends its events to a shared log; the others follow the log, never wait
// beyond a bound, and take over when the leader's lease lapses before the answer ended.

import { randomUUID } from 'node:crypto';
import {
  abortableSleep,
  abortError,
  ERROR_CATALOGUE,
  ParleyError,
  type ChatEvent,
  type ErrorCode,
} from '../domain/index.js';
import type { CoalescingBus } from '../store/types.js';

export interface CrossReplicaOptions {
  /** Lead lease; renewed every third of it while the leader streams (default 3 s). */
  leaseMs?: number;
  /** Pause between two reads of a follower (default 25 ms). */
  pollMs?: number;
  /** Longest silence a follower accepts before answering by itself, even with a live leader (default 30 s). */
  maxSilenceMs?: number;
  /** How long the log outlives its last record, for late followers (default 10 s). */
  retainMs?: number;
  /** This replica's id (default random). */
  replicaId?: string;
  clock?: () => number;
}

/** One record of the shared log. */
type LogRecord = { event: ChatEvent } | { end: true } | { error: { code: string; message: string } };

/** Attempts to lead or follow before a replica answers by itself (leaders that keep dying). */
const MAX_ROUNDS = 3;

/** The cross-replica layer under the in-process SharedStream: a ChatService uses it for every cacheable miss. */
export class CrossReplicaCoalescing {
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxSilenceMs: number;
  private readonly retainMs: number;
  private readonly replicaId: string;
  private readonly now: () => number;

  constructor(
    private readonly bus: CoalescingBus,
    options: CrossReplicaOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 3_000;
    this.pollMs = options.pollMs ?? 25;
    this.maxSilenceMs = options.maxSilenceMs ?? 30_000;
    this.retainMs = options.retainMs ?? 10_000;
    this.replicaId = options.replicaId ?? randomUUID();
    this.now = options.clock ?? Date.now;
  }

  /**
   * The events of `key`: from this replica's own upstream call (`open`) when it leads or the bus is unreachable,
   * else from the leader's log (`onFollow` is called then). A follower that has yielded nothing when the leader
   * dies runs the call itself; one that has, ends with a retryable error rather than splice two answers.
   */
  async *run(
    key: string,
    open: (signal: AbortSignal) => AsyncIterable<ChatEvent>,
    signal: AbortSignal,
    onFollow?: () => void,
  ): AsyncGenerator<ChatEvent> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let leading: boolean;
      try {
        leading = await this.bus.claim(key, this.replicaId, this.leaseMs);
      } catch {
        break; // the bus is away: coalescing degrades to one call per replica
      }
      if (leading) {
        yield* this.lead(key, open, signal);
        return;
      }
      if (round === 0) onFollow?.();
      const outcome = yield* this.follow(key, signal);
      if (outcome === 'done') return;
      if (outcome === 'direct') break;
    }
    yield* open(signal);
  }

  private async *lead(
    key: string,
    open: (signal: AbortSignal) => AsyncIterable<ChatEvent>,
    signal: AbortSignal,
  ): AsyncGenerator<ChatEvent> {
    let publishing = true;
    let chain = Promise.resolve();
    const publish = (record: LogRecord): void => {
      if (!publishing) return;
      chain = chain
        .then(() => this.bus.append(key, JSON.stringify(record), this.retainMs))
        .catch(() => {
          publishing = false; // followers will see the lease lapse and answer by themselves
        });
    };
    const renew = setInterval(
      () => {
        void this.bus.renew(key, this.replicaId, this.leaseMs).catch(() => undefined);
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    renew.unref();
    try {
      for await (const event of open(signal)) {
        publish({ event });
        yield event;
      }
      publish({ end: true });
    } catch (error) {
      // A failure every replica would meet is shared; an abort of this replica's clients is not (followers take over).
      if (error instanceof ParleyError && error.code !== 'client_closed' && !signal.aborted)
        publish({ error: { code: error.code, message: error.message } });
      throw error;
    } finally {
      clearInterval(renew);
      void chain.then(() => this.bus.release(key, this.replicaId)).catch(() => undefined);
    }
  }

  /**
   * Follows the leader's log: 'done' when the answer ended here; with nothing yielded yet, 'retry' when the lead
   * lapsed (try to lead) and 'direct' when a live leader stayed silent too long (answer by itself).
   */
  private async *follow(key: string, signal: AbortSignal): AsyncGenerator<ChatEvent, 'done' | 'retry' | 'direct'> {
    let cursor = '';
    let yielded = 0;
    let lastProgress = this.now();
    for (;;) {
      if (signal.aborted) throw abortError(signal);
      let page: { records: string[]; cursor: string; led: boolean };
      try {
        page = await this.bus.read(key, cursor);
      } catch (error) {
        if (yielded === 0) return 'retry';
        throw new ParleyError(
          'upstream_stream_error',
          'The shared answer could not be read any more; retry the request.',
          { cause: error },
        );
      }
      cursor = page.cursor;
      for (const text of page.records) {
        const record = JSON.parse(text) as LogRecord;
        if ('end' in record) return 'done';
        if ('error' in record) throw new ParleyError(knownCode(record.error.code), record.error.message);
        yield record.event;
        yielded++;
        lastProgress = this.now();
      }
      const silent = this.now() - lastProgress > this.maxSilenceMs;
      if ((!page.led && page.records.length === 0) || silent) {
        if (yielded === 0) return silent ? 'direct' : 'retry';
        throw new ParleyError(
          'upstream_stream_error',
          'The replica producing this shared answer stopped before it ended; retry the request.',
        );
      }
      await abortableSleep(this.pollMs, signal);
    }
  }
}

function knownCode(code: string): ErrorCode {
  return code in ERROR_CATALOGUE ? (code as ErrorCode) : 'upstream_stream_error';
}
