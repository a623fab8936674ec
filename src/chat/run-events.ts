// The answer stream of one chat run: times upstream waits, applies answer transforms, reports the outcome once.

import { performance } from 'node:perf_hooks';
import { ParleyError } from '../domain/index.js';
import type { AttemptInfo, ChatEvent, RouteObserver, Usage, FinishReason } from '../domain/index.js';
import type { AnswerTransform, ChatRecord } from './hooks.js';

/** Mutable facts about a run, complete once its events are exhausted. */
export interface RunStats {
  provider?: string;
  upstreamModel?: string;
  keyId?: string;
  attempts: number;
  retries: number;
  fallbacks: number;
  /** Time spent waiting on the route (upstream, including its retries), in ms. */
  upstreamMs: number;
  ttftMs?: number;
  usage?: Usage;
  finishReason?: FinishReason;
}

type Outcome = ChatRecord['outcome'];

const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined };

/**
 * A hand-written async iterator (one promise per event, no generator frames) over the route's events:
 * adds upstream wait time to `stats.upstreamMs`, sets ttft, usage and finish reason, passes text
 * through `transform` (held-back text is released before `finish`), and calls `onFinish(outcome,
 * errorCode)` exactly once: `success` after `finish`, `error` for failures and for a stream without
 * `finish` (thrown as `upstream_protocol`), `blocked` for `content_blocked`, `aborted` for
 * `client_closed` or a consumer that stopped early (the source is then returned too).
 * `prime()` pulls ahead to the first content event so failures before content surface there.
 */
export class RunEvents implements AsyncIterableIterator<ChatEvent> {
  private readonly head: ChatEvent[] = [];
  private headIndex = 0;
  private heldFinish: ChatEvent | undefined;
  private outcome: Outcome = 'aborted';
  private errorCode: string | undefined;
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<ChatEvent>,
    private readonly stats: RunStats,
    private readonly startedAt: number,
    private readonly transform: AnswerTransform | undefined,
    private readonly onFinish: (outcome: Outcome, errorCode?: string) => void,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Pulls events until the first one that is not `start` (kept, and served first by `next`). */
  async prime(): Promise<void> {
    for (;;) {
      const next = await this.pull();
      if (next.done === true) return;
      this.head.push(next.value);
      if (next.value.type !== 'start') return;
    }
  }

  next(): Promise<IteratorResult<ChatEvent>> {
    if (this.headIndex < this.head.length) {
      const value = this.head[this.headIndex++];
      return Promise.resolve({ done: false, value });
    }
    return this.pull();
  }

  /** The consumer stopped early: the source is returned (unless the answer had finished) and the outcome reported. */
  async return(): Promise<IteratorResult<ChatEvent>> {
    if (!this.ended) {
      this.headIndex = this.head.length;
      this.heldFinish = undefined;
      if (this.outcome === 'aborted') await this.source.return?.();
      this.end();
    }
    return DONE;
  }

  private async pull(): Promise<IteratorResult<ChatEvent>> {
    if (this.ended) return DONE;
    if (this.heldFinish !== undefined) {
      const finish = this.heldFinish;
      this.heldFinish = undefined;
      this.outcome = 'success';
      return { done: false, value: finish };
    }
    const stats = this.stats;
    const transform = this.transform;
    try {
      for (;;) {
        const waitStart = performance.now();
        let next: IteratorResult<ChatEvent>;
        try {
          next = await this.source.next();
        } catch (error) {
          stats.upstreamMs += performance.now() - waitStart; // a failed wait (retry-after, backoff, provider) was still a wait
          throw error;
        }
        const now = performance.now();
        stats.upstreamMs += now - waitStart;
        if (next.done === true) {
          if (this.outcome === 'success') {
            this.end();
            return DONE;
          }
          throw new ParleyError('upstream_protocol', 'The upstream answer ended without finishing');
        }
        const event = next.value;
        if (event.type === 'text-delta') {
          stats.ttftMs ??= now - this.startedAt;
          const text = transform ? transform.push(event.text) : event.text;
          if (text) return { done: false, value: text === event.text ? event : { type: 'text-delta', text } };
        } else if (event.type === 'finish') {
          stats.ttftMs ??= now - this.startedAt;
          stats.usage = event.usage;
          stats.finishReason = event.finishReason;
          const rest = transform?.flush();
          if (rest) {
            this.heldFinish = event;
            return { done: false, value: { type: 'text-delta', text: rest } };
          }
          this.outcome = 'success';
          return { done: false, value: event };
        } else {
          return { done: false, value: event };
        }
      }
    } catch (error) {
      const code = error instanceof ParleyError ? error.code : 'internal';
      this.outcome = code === 'client_closed' ? 'aborted' : code === 'content_blocked' ? 'blocked' : 'error';
      this.errorCode = code;
      // Stop the upstream too: a blocked answer (a transform threw) must not keep the provider call running.
      // After the source itself threw, return() is a no-op.
      if (this.outcome === 'aborted' || this.outcome === 'blocked') await this.source.return?.();
      this.end();
      throw error;
    }
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.onFinish(this.outcome, this.errorCode);
  }
}

/**
 * The observer of one call: counts attempts, retries and fallbacks into `stats` and forwards every
 * routing fact to `global` (metrics, traces). Methods live on the prototype: one small object per call.
 */
export class CallObserver implements RouteObserver {
  constructor(
    private readonly stats: RunStats,
    private readonly global: RouteObserver | undefined,
  ) {}

  attemptStart(info: AttemptInfo): void {
    const stats = this.stats;
    stats.attempts++;
    stats.provider = info.provider;
    stats.upstreamModel = info.model;
    stats.keyId = info.keyId;
    this.global?.attemptStart?.(info);
  }

  attemptEnd(info: AttemptInfo, outcome: { ok: boolean; durationMs: number; errorCode?: string; status?: number }): void {
    this.global?.attemptEnd?.(info, outcome);
  }

  keyDisabled(provider: string, keyId: string, status: number): void {
    this.global?.keyDisabled?.(provider, keyId, status);
  }

  keyCooldown(provider: string, keyId: string, ms: number): void {
    this.global?.keyCooldown?.(provider, keyId, ms);
  }

  breakerChange(scope: string, state: 'closed' | 'open' | 'half-open'): void {
    this.global?.breakerChange?.(scope, state);
  }

  retry(info: AttemptInfo, delayMs: number, errorCode: string): void {
    this.stats.retries++;
    this.global?.retry?.(info, delayMs, errorCode);
  }

  fallback(fromIndex: number, toIndex: number, errorCode: string): void {
    this.stats.fallbacks++;
    this.global?.fallback?.(fromIndex, toIndex, errorCode);
  }
}
