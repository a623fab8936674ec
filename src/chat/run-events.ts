// The answer stream of one chat run: times upstream waits, applies answer transforms, reports the outcome once.

import { performance } from 'node:perf_hooks';
import { ParleyError } from '../domain/index.js';
import type { AttemptInfo, ChatEvent, Deployment, RouteObserver, Usage, FinishReason } from '../domain/index.js';
import type { AnswerTransform, ChatRecord } from './hooks.js';

/** Makes the transform of a side channel of the answer: its reasoning, or one tool call's arguments. */
export type ChannelTransforms = (channel: 'reasoning' | 'tool') => AnswerTransform | undefined;

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
  /** Targets left out because they lack a needed capability, as `provider/model:capability`. */
  skipped?: string[];
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
  /** Text released by the transforms at the end, sent before the held `finish`. */
  private readonly held: ChatEvent[] = [];
  private outcome: Outcome = 'aborted';
  private errorCode: string | undefined;
  private ended = false;
  /** Transforms of the reasoning channel and of each open tool call (by id), made on first use. */
  private channels: Map<string, AnswerTransform | undefined> | undefined;

  constructor(
    private readonly source: AsyncIterator<ChatEvent>,
    private readonly stats: RunStats,
    private readonly startedAt: number,
    private readonly transform: AnswerTransform | undefined,
    private readonly onFinish: (outcome: Outcome, errorCode?: string) => void,
    private readonly channelTransforms?: ChannelTransforms,
  ) {}

  /**
   * Reasoning and tool-call arguments pass through their own transform (re-identification, output
   * policy), so a placeholder split across argument fragments is restored and a blocked word in
   * arguments stops the answer. Returns the event to pass on, or undefined when all is held back.
   */
  private channelEvent(event: ChatEvent): ChatEvent | undefined {
    const make = this.channelTransforms;
    if (make === undefined) return event;
    const channels = (this.channels ??= new Map());
    if (event.type === 'reasoning-delta') {
      if (!channels.has('reasoning')) channels.set('reasoning', make('reasoning'));
      const t = channels.get('reasoning');
      const text = t ? t.push(event.text) : event.text;
      return text === '' ? undefined : text === event.text ? event : { type: 'reasoning-delta', text };
    }
    if (event.type === 'reasoning-signature' || event.type === 'reasoning-redacted') {
      // The reasoning block ends here: what its transform held back goes out first.
      const rest = this.flushReasoning();
      if (rest) {
        this.pendingEnd = event;
        return { type: 'reasoning-delta', text: rest };
      }
      return event;
    }
    if (event.type === 'tool-input-start') {
      channels.set(`tool:${event.id}`, make('tool'));
      return event;
    }
    if (event.type === 'tool-input-delta') {
      const t = channels.get(`tool:${event.id}`);
      const delta = t ? t.push(event.delta) : event.delta;
      return delta === ''
        ? undefined
        : delta === event.delta
          ? event
          : { type: 'tool-input-delta', id: event.id, delta };
    }
    if (event.type === 'tool-input-end') {
      const t = channels.get(`tool:${event.id}`);
      channels.delete(`tool:${event.id}`);
      const rest = t?.flush();
      if (rest) {
        this.pendingEnd = event;
        return { type: 'tool-input-delta', id: event.id, delta: rest };
      }
    }
    return event;
  }

  /** A tool-input-end held back while the call's last argument text goes out first. */
  private pendingEnd: ChatEvent | undefined;

  /** Releases what the reasoning channel held back (before the answer's finish). */
  private flushReasoning(): string {
    const t = this.channels?.get('reasoning');
    this.channels?.delete('reasoning');
    return t?.flush() ?? '';
  }

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
      this.held.length = 0;
      if (this.outcome === 'aborted') await this.source.return?.();
      this.end();
    }
    return DONE;
  }

  private async pull(): Promise<IteratorResult<ChatEvent>> {
    if (this.ended) return DONE;
    if (this.pendingEnd !== undefined) {
      const end = this.pendingEnd;
      this.pendingEnd = undefined;
      return { done: false, value: end };
    }
    if (this.held.length > 0) return { done: false, value: this.held.shift()! };
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
          // a failed wait (retry-after, backoff, provider) was still a wait
          stats.upstreamMs += performance.now() - waitStart;
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
          if (text) return { done: false, value: text === event.text ? event : { ...event, text } };
        } else if (event.type === 'finish') {
          stats.ttftMs ??= now - this.startedAt;
          stats.usage = event.usage;
          stats.finishReason = event.finishReason;
          const thought = this.flushReasoning();
          if (thought) {
            this.held.push({ type: 'reasoning-delta', text: thought });
          }
          const rest = transform?.flush();
          if (rest) this.held.push({ type: 'text-delta', text: rest });
          if (this.held.length > 0) {
            this.heldFinish = event;
            return { done: false, value: this.held.shift()! };
          }
          this.outcome = 'success';
          return { done: false, value: event };
        } else if (event.type !== 'start') {
          stats.ttftMs ??= now - this.startedAt;
          const passed = this.channelEvent(event);
          if (passed !== undefined) return { done: false, value: passed };
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

  attemptEnd(
    info: AttemptInfo,
    outcome: { ok: boolean; durationMs: number; errorCode?: string; status?: number },
  ): void {
    this.global?.attemptEnd?.(info, outcome);
  }

  keyDisabled(provider: string, keyId: string, status: number): void {
    this.global?.keyDisabled?.(provider, keyId, status);
  }

  keyCooldown(provider: string, keyId: string, ms: number): void {
    this.global?.keyCooldown?.(provider, keyId, ms);
  }

  breakerChange(deployment: Deployment, state: 'closed' | 'open' | 'half-open'): void {
    this.global?.breakerChange?.(deployment, state);
  }

  retry(info: AttemptInfo, delayMs: number, errorCode: string): void {
    this.stats.retries++;
    this.global?.retry?.(info, delayMs, errorCode);
  }

  fallback(fromIndex: number, toIndex: number, errorCode: string): void {
    this.stats.fallbacks++;
    this.global?.fallback?.(fromIndex, toIndex, errorCode);
  }

  targetSkipped(provider: string, model: string, missing: string): void {
    (this.stats.skipped ??= []).push(`${provider}/${model}:${missing}`);
    this.global?.targetSkipped?.(provider, model, missing);
  }
}
