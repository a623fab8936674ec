// Test helpers for routing/: scripted fake ChatModels, routes over them (buildRoute), a manual clock, a recording
// observer.

import { ParleyError } from '../../src/domain/index.js';
import type {
  ChatEvent,
  ChatRequest,
  ErrorCode,
  ParleyErrorOptions,
  ResilienceSettings,
  RouteObserver,
} from '../../src/domain/index.js';
import type { ChatModel } from '../../src/domain/index.js';
import { abortError } from '../../src/routing/context.js';
import type { RoutingCallOptions } from '../../src/routing/context.js';
import type { KeyPool, PoolKey } from '../../src/routing/key-pool.js';
import type { RetryDeps } from '../../src/routing/retry.js';
import { buildRoute } from '../../src/routing/route.js';

/** One step of a scripted stream: an event to yield, a pause, an error to throw, or a wait for abort. */
export type Step = ChatEvent | { delay: number } | { fail: ParleyError } | { hang: true };

/** What one call to a FakeModel saw. */
export interface FakeCall {
  request: ChatRequest;
  options: RoutingCallOptions;
  /** True once the stream ended (any way). */
  ended: boolean;
  /** Whether the call's signal was aborted when the stream ended. */
  abortedAtEnd?: boolean;
}

/** Scripts per call (the last one repeats), or a function of the call index. */
export type Scripts = Step[][] | ((index: number, options: RoutingCallOptions, request: ChatRequest) => Step[]);

/** A ChatModel that plays scripts and behaves like an adapter on abort (throws the signal's reason). */
export class FakeModel implements ChatModel {
  readonly calls: FakeCall[] = [];

  constructor(
    private readonly scripts: Scripts,
    readonly provider = 'fake',
  ) {}

  stream(request: ChatRequest, options: RoutingCallOptions): AsyncIterable<ChatEvent> {
    const index = this.calls.length;
    const call: FakeCall = { request, options, ended: false };
    this.calls.push(call);
    const script =
      typeof this.scripts === 'function'
        ? this.scripts(index, options, request)
        : this.scripts[Math.min(index, this.scripts.length - 1)];
    return this.play(script, call);
  }

  protected play(script: Step[], call: FakeCall): AsyncGenerator<ChatEvent, void, undefined> {
    return play(script, call);
  }
}

/**
 * A FakeModel that also offers `streamGroups`: consecutive events of a script form one group (as if
 * they came in one network read); a delay, hang or failure ends the group, which is yielded first.
 */
export class GroupingFakeModel extends FakeModel {
  streamGroups(request: ChatRequest, options: RoutingCallOptions): AsyncIterable<ChatEvent[]> {
    return groups(this.stream(request, options) as AsyncGenerator<ChatEvent | typeof BOUNDARY>);
  }

  protected override play(script: Step[], call: FakeCall): AsyncGenerator<ChatEvent, void, undefined> {
    return play(script, call, true);
  }
}

/** Marks, in the played script, where a group ends (only GroupingFakeModel asks for it). */
const BOUNDARY = Symbol('group boundary');

async function* groups(played: AsyncGenerator<ChatEvent | typeof BOUNDARY>): AsyncGenerator<ChatEvent[]> {
  let group: ChatEvent[] = [];
  try {
    for await (const step of played) {
      if (step !== BOUNDARY) {
        group.push(step);
        continue;
      }
      if (group.length > 0) yield group;
      group = [];
    }
  } catch (error) {
    if (group.length > 0) yield group; // what precedes a failure comes first, as ChatModel.streamGroups requires
    throw error;
  }
  if (group.length > 0) yield group;
}

async function* play(script: Step[], call: FakeCall, boundaries = false): AsyncGenerator<ChatEvent, void, undefined> {
  const signal = call.options.signal;
  try {
    for (const step of script) {
      if (signal.aborted) throw abortError(signal);
      if (boundaries && !('type' in step)) yield BOUNDARY as unknown as ChatEvent;
      if ('delay' in step) await wait(step.delay, signal);
      else if ('hang' in step) await wait(Number.POSITIVE_INFINITY, signal);
      else if ('fail' in step) throw step.fail;
      else yield step;
    }
  } finally {
    call.ended = true;
    call.abortedAtEnd = signal.aborted;
  }
}

function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = Number.isFinite(ms)
      ? setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        }, ms)
      : undefined;
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** A ParleyError for scripts. */
export function perr(code: ErrorCode, options: ParleyErrorOptions = {}, message = `fake ${code}`): ParleyError {
  return new ParleyError(code, message, options);
}

/** start, one text-delta per text, finish. */
export function ok(...texts: string[]): Step[] {
  return [
    { type: 'start', id: 'resp' },
    ...texts.map((text): Step => ({ type: 'text-delta', text })),
    { type: 'finish', finishReason: 'stop' },
  ];
}

/** A script that fails at once. */
export function fails(code: ErrorCode, options: ParleyErrorOptions = {}): Step[] {
  return [{ fail: perr(code, options) }];
}

/** Drains a stream; returns what was yielded and the error thrown, if any. */
export async function collect(stream: AsyncIterable<ChatEvent>): Promise<{ events: ChatEvent[]; error?: ParleyError }> {
  const events: ChatEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events };
  } catch (error) {
    if (error instanceof ParleyError) return { events, error };
    throw error;
  }
}

/** Concatenated text of the deltas. */
export function textOf(events: ChatEvent[]): string {
  return events.map((e) => (e.type === 'text-delta' ? e.text : '')).join('');
}

/** A manual clock for breakers and pools. */
export function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** An observer that records every call as `[method, ...args]`. */
export function recordingObserver(): { observer: RouteObserver; log: unknown[][] } {
  const log: unknown[][] = [];
  const rec =
    (name: string) =>
    (...args: unknown[]): void => {
      log.push([name, ...args]);
    };
  const observer: RouteObserver = {
    attemptStart: rec('attemptStart'),
    attemptEnd: rec('attemptEnd'),
    keyDisabled: rec('keyDisabled'),
    keyCooldown: rec('keyCooldown'),
    breakerChange: rec('breakerChange'),
    retry: rec('retry'),
    fallback: rec('fallback'),
  };
  return { observer, log };
}

/** A minimal request. */
export function req(model = 'm'): ChatRequest {
  return { model, messages: [{ role: 'user', content: 'hi' }], params: {} };
}

/** Options with a fresh signal. */
export function opts(extra: Partial<RoutingCallOptions> = {}): RoutingCallOptions {
  return { signal: new AbortController().signal, ...extra };
}

/**
 * Settings that keep every policy but the one under test out of the way: no deadlines, no retries, and a
 * breaker that does not open within a test; `overrides` put back the one under test.
 */
export function quietResilience(overrides: Partial<ResilienceSettings> = {}): ResilienceSettings {
  return {
    timeouts: { connectMs: 0, firstByteMs: 0, idleMs: 0, totalMs: 0 },
    retry: { retries: 0, baseDelayMs: 100, maxDelayMs: 1_000, maxRetryAfterMs: 10_000 },
    breaker: { failureThreshold: 1_000, windowMs: 10_000, cooldownMs: 5_000, halfOpenProbes: 1 },
    ...overrides,
  };
}

/** One target of `routeOver`: label `t1`, `t2`, ... and the adapter's provider unless given. */
export interface TestTarget {
  adapter: ChatModel;
  label?: string;
  /** Key ids (secret `sk-<id>`) or keys; none: a keyless provider. */
  keys?: string[] | PoolKey[];
  keyPool?: KeyPool;
  model?: string;
  resilience?: ResilienceSettings;
}

/** The production route (buildRoute, so the route engine) over test targets, for model alias `chat`. */
export function routeOver(
  targets: TestTarget[],
  o: { modelName?: string; clock?: () => number; retryDeps?: RetryDeps } = {},
): { model: ChatModel; pools: KeyPool[] } {
  return buildRoute({
    modelName: o.modelName ?? 'chat',
    clock: o.clock,
    retryDeps: o.retryDeps,
    targets: targets.map((t, i) => ({
      label: t.label ?? `t${i + 1}`,
      provider: t.keyPool?.provider ?? t.adapter.provider,
      adapter: t.adapter,
      model: t.model,
      keys: (t.keys ?? []).map((k) => (typeof k === 'string' ? { id: k, secret: () => `sk-${k}` } : k)),
      keyPool: t.keyPool,
      resilience: t.resilience ?? quietResilience(),
    })),
  });
}

/** The entries of a recorded observer log for the given methods, in order. */
export function only(log: unknown[][], ...methods: string[]): unknown[][] {
  return log.filter((entry) => methods.includes(entry[0] as string));
}

/** The entries of a recorded observer log without the attempt reports (attemptStart / attemptEnd). */
export function withoutAttempts(log: unknown[][]): unknown[][] {
  return log.filter((entry) => entry[0] !== 'attemptStart' && entry[0] !== 'attemptEnd');
}
