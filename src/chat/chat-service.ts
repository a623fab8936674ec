// The core use case: one chat call through privacy, cache/coalescing, routing and answer transforms.

import { performance } from 'node:perf_hooks';
import { combineRouteObservers, ParleyError, isParleyError } from '../domain/index.js';
import type {
  ChatEvent,
  ChatMessage,
  ChatParams,
  Principal,
  RouteObserver,
  StepTrace,
  Usage,
} from '../domain/index.js';
import type { ChatModel } from '../domain/index.js';
import type { CacheStore } from '../store/types.js';
import type { CacheConfig, ModelConfig } from '../config/types.js';
import type {
  AnswerTransformFactory,
  CacheResult,
  ChatAdmission,
  ChatRecord,
  ChatRecordSink,
  PromptGuard,
  PseudonymMap,
} from './hooks.js';
import { errorCodeOf, totalCount } from './step-facts.js';
import { cacheKey } from './cache-key.js';
import type { CrossReplicaCoalescing } from './cross-replica-coalescing.js';
import { capabilityError, missingFeature, requiredFeatures, type TargetFacts } from './capabilities.js';
import { TRANSLATION_PROBLEM } from '../providers/features.js';
import { countImages, imagesBlockedError, jsonEscapedMapping, protectShapes } from './protect-shapes.js';
import { SharedStream } from './shared-stream.js';
import { CallObserver, RunEvents } from './run-events.js';
import type { RunStats } from './run-events.js';

export type { RunStats } from './run-events.js';

/** A Parley model alias with its composed route (fallback chain of wrapped adapters). */
export interface RoutedModel {
  config: ModelConfig;
  route: ChatModel;
  /** Observer for this alias's routing facts (metrics); falls back to the service-wide one. */
  observer?: RouteObserver;
  /** The fallback chain's targets, for capability checks (absent: no check). */
  targets?: readonly TargetFacts[];
  /**
   * The route (and its observer) over some of the targets (ascending indexes), for requests some targets cannot serve.
   */
  routeFor?(indexes: readonly number[]): { route: ChatModel; observer?: RouteObserver };
}

/** Records on a failed run's error how its route went (read by the HTTP layer for the log line and overhead). */
export function noteRouteFacts(error: unknown, stats: RunStats): void {
  if (!isParleyError(error)) return;
  error.route = {
    provider: stats.provider,
    keyId: stats.keyId,
    attempts: stats.attempts,
    retries: stats.retries,
    fallbacks: stats.fallbacks,
    upstreamMs: stats.upstreamMs,
  };
}

export interface ChatServiceDeps {
  models: ReadonlyMap<string, RoutedModel>;
  cache: CacheStore;
  cacheConfig: CacheConfig;
  /** Rate limits: admits each answer and is told when it ends. */
  admission?: ChatAdmission;
  promptGuard?: PromptGuard;
  answerTransforms?: AnswerTransformFactory;
  records?: ChatRecordSink;
  /** Process-wide observer (metrics); each call also keeps its own counts. */
  routeObserver?: RouteObserver;
  /** Shares cacheable misses with other replicas (set with Redis); absent: coalescing within this process only. */
  crossReplica?: CrossReplicaCoalescing;
  /** `privacy.images`: images cannot be scanned for personal data, so they are forwarded (allow) or refused (block). */
  images?: 'allow' | 'block';
}

/** One chat call as the HTTP layer describes it. */
export interface ChatCall {
  api: 'openai' | 'anthropic' | 'session';
  requestId: string;
  principal: Principal;
  model: string;
  messages: ChatMessage[];
  params: ChatParams;
  stream: boolean;
  /** `use` opts in to the cache, `bypass` opts out, `default` follows the configured mode. */
  cacheMode: 'use' | 'bypass' | 'default';
  /** Tags stored with a cached answer so purging their source purges it (e.g. the session id). */
  cacheTags?: string[];
  /** Index of the first message new in this call (earlier ones are history); protected counts cover only new ones. */
  newMessagesFrom?: number;
  /** Existing pseudonym map (the session's); extended by the prompt guard. */
  mapping?: PseudonymMap;
  signal: AbortSignal;
  traceHeaders?: Record<string, string>;
  /** Per-request observer (e.g. trace spans per upstream attempt). */
  observer?: RouteObserver;
  /** Where the privacy, cache and output-policy step spans go (none: no step spans). */
  trace?: StepTrace;
  /** An admission already started for this request (counted with it); without it `deps.admission` admits the call. */
  admission?: { claim(): Promise<{ done(usage?: Usage): void }> };
}

/** A started answer: the first content has arrived; iterate for the rest. */
export interface ChatRun extends AsyncIterable<ChatEvent> {
  readonly cache: CacheResult;
  readonly mapping: PseudonymMap;
  readonly protectedCounts: Record<string, number>;
  readonly stats: RunStats;
}

/** Runs chat calls; one instance per process, built in main.ts. */
export class ChatService {
  private readonly inflight = new Map<string, SharedStream>();

  constructor(private readonly deps: ChatServiceDeps) {}

  /**
   * When `privacy.images` is block, records the refused images (metric and `privacy.images` audit event) and throws
   * the 422; `sessionWording` for the session API, where the images may be earlier turns of the chat.
   */
  refuseBlockedImages(
    facts: { requestId: string; principalId: string; model: string; count: number },
    sessionWording = false,
  ): void {
    if (this.deps.images !== 'block' || facts.count === 0) return;
    this.deps.records?.imagesSeen?.({ ...facts, action: 'blocked' });
    throw imagesBlockedError(sessionWording);
  }

  /** Model aliases in configuration order. */
  modelNames(): string[] {
    return [...this.deps.models.keys()];
  }

  /** Resolves an alias or throws the OpenAI-style 404. */
  resolveModel(name: string): RoutedModel {
    const routed = this.deps.models.get(name);
    if (!routed) {
      throw new ParleyError(
        'model_not_found',
        `The model "${name}" does not exist. Available models: ${this.modelNames().join(', ')}.`,
        { param: 'model' },
      );
    }
    return routed;
  }

  /**
   * Starts a call and resolves once its first content is ready, so the caller can still answer
   * with an HTTP error status when every route fails before any content (nothing was sent yet).
   */
  async start(call: ChatCall): Promise<ChatRun> {
    const startedAt = performance.now();
    const routed = this.resolveModel(call.model);
    // Awaited in run() just before the answer is looked up, so the store round trip overlaps the privacy step.
    const admitted = call.admission ? call.admission.claim() : this.deps.admission?.admitChat(call.principal);
    admitted?.catch(() => undefined);
    try {
      return await this.run(call, routed, startedAt, admitted);
    } catch (error) {
      void admitted?.then(
        (ticket) => ticket.done(),
        () => undefined,
      );
      throw error;
    }
  }

  /** Remembers the route facts of a call that failed before content, for the request's log line. */
  private async run(
    call: ChatCall,
    routed: RoutedModel,
    startedAt: number,
    admitted: Promise<{ done(usage?: Usage): void }> | undefined,
  ): Promise<ChatRun> {
    const params: ChatParams =
      routed.config.maxOutputTokens !== undefined && call.params.maxTokens === undefined
        ? { ...call.params, maxTokens: routed.config.maxOutputTokens }
        : call.params;
    const { route, routeObserver, skipped } = this.pickTargets(call, routed, params);
    const images = countImages(call.messages);
    if (images > 0) {
      const facts = { requestId: call.requestId, principalId: call.principal.id, model: call.model, count: images };
      this.refuseBlockedImages(facts);
      this.deps.records?.imagesSeen?.({ ...facts, action: 'sent' });
    }
    let messages = call.messages;
    let mapping = call.mapping ?? {};
    let protectedCounts: Record<string, number> = {};
    const trace = call.trace;
    if (this.deps.promptGuard) {
      const span = trace?.start('privacy');
      try {
        // History and new messages are protected separately so the counts describe only what is new.
        const split = Math.min(call.newMessagesFrom ?? 0, messages.length);
        const guard = this.deps.promptGuard;
        const history = split > 0 ? protectShapes(guard, messages.slice(0, split), mapping) : undefined;
        const fresh = protectShapes(guard, split > 0 ? messages.slice(split) : messages, history?.mapping ?? mapping);
        messages = history ? [...history.messages, ...fresh.messages] : fresh.messages;
        mapping = fresh.mapping;
        protectedCounts = fresh.counts;
      } catch (error) {
        span?.end(undefined, errorCodeOf(error));
        throw error;
      }
      span?.end({ 'parley.privacy.protected': totalCount(protectedCounts) });
    }

    const stats: RunStats = { attempts: 0, retries: 0, fallbacks: 0, upstreamMs: 0 };
    const base = routeObserver ?? this.deps.routeObserver;
    const observer = new CallObserver(stats, call.observer ? combineRouteObservers(base, call.observer) : base);
    for (const s of skipped) observer.targetSkipped(s.provider, s.model, s.missing);
    const request = { model: call.model, messages, params, stream: call.stream };
    const open = (signal: AbortSignal): AsyncIterable<ChatEvent> =>
      route.stream(request, { signal, observer, traceHeaders: call.traceHeaders });

    const ticket = await admitted;
    const cacheSpan = trace?.start('cache');
    const { cfg, key } = this.cacheDecision(call, messages, params);
    let cache: CacheResult = key ? 'miss' : 'bypass';
    let source: AsyncIterable<ChatEvent>;
    const hit = key ? await this.deps.cache.get(key) : undefined;
    if (key && hit) {
      cache = 'hit';
      stats.provider = hit.provider;
      stats.upstreamModel = hit.model;
      source = replay(hit.events);
    } else if (key) {
      let shared = this.inflight.get(key);
      if (shared) {
        cache = 'coalesced';
      } else {
        const crossReplica = this.deps.crossReplica;
        const upstream = crossReplica
          ? (signal: AbortSignal) =>
              crossReplica.run(key, open, signal, () => {
                cache = 'coalesced';
              })
          : open;
        shared = new SharedStream(upstream, (ok, events) => {
          this.inflight.delete(key);
          if (ok && stats.provider) {
            void this.deps.cache.set(
              key,
              { events, provider: stats.provider, model: stats.upstreamModel ?? '', createdAt: Date.now() },
              { ttlMs: cfg.ttlMs, tags: call.cacheTags },
            );
          }
        });
        this.inflight.set(key, shared);
      }
      source = shared.subscribe(call.signal);
    } else {
      source = open(call.signal);
    }

    cacheSpan?.end({ 'parley.cache.result': cache });

    const factory = this.deps.answerTransforms;
    const context = { mapping, principal: call.principal, model: call.model, requestId: call.requestId };
    // Inside JSON text (tool arguments, JSON answers) restored values are JSON-escaped so the JSON stays valid.
    const inJson =
      factory && Object.keys(mapping).length > 0 ? { ...context, mapping: jsonEscapedMapping(mapping) } : context;
    const jsonAnswer = params.responseFormat !== undefined && params.responseFormat.type !== 'text';
    const transform = factory?.(jsonAnswer ? inJson : context);
    const channels = factory
      ? (channel: 'reasoning' | 'tool') => factory(channel === 'tool' ? inJson : context)
      : undefined;
    const policySpan = transform ? trace?.start('output_policy') : undefined;
    const events = new RunEvents(
      source[Symbol.asyncIterator](),
      stats,
      startedAt,
      transform,
      (outcome, errorCode) => {
        policySpan?.end({ 'parley.outcome': outcome }, outcome === 'blocked' ? errorCode : undefined);
        ticket?.done(cache === 'hit' ? undefined : stats.usage);
        this.deps.records?.chatFinished(
          this.record(call, stats, cache, protectedCounts, startedAt, outcome, errorCode),
        );
      },
      channels,
    );
    // Pull until the first content event so failures before content surface here.
    try {
      await events.prime();
    } catch (error) {
      noteRouteFacts(error, stats);
      throw error;
    }
    return {
      cache,
      mapping,
      protectedCounts,
      stats,
      [Symbol.asyncIterator]: () => events,
    };
  }

  /**
   * The route for this request: targets that cannot do what it needs are skipped (and reported); none left is a 400.
   */
  private pickTargets(
    call: ChatCall,
    routed: RoutedModel,
    params: ChatParams,
  ): {
    route: ChatModel;
    routeObserver?: RouteObserver;
    skipped: { provider: string; model: string; missing: string }[];
  } {
    const targets = routed.targets;
    const need = targets === undefined ? [] : requiredFeatures(call.messages, params);
    if (targets === undefined || need.length === 0)
      return { route: routed.route, routeObserver: routed.observer, skipped: [] };
    const kept: number[] = [];
    const skipped: { provider: string; model: string; missing: string }[] = [];
    let first: Error | undefined;
    targets.forEach((t, i) => {
      const miss = missingFeature(t, need);
      const problem =
        miss === undefined
          ? TRANSLATION_PROBLEM[t.providerType]?.({ model: t.model, messages: call.messages, params })
          : undefined;
      if (miss === undefined && problem === undefined) kept.push(i);
      else {
        first ??= miss !== undefined ? capabilityError(call.model, miss.feature, miss.by, targets) : problem;
        skipped.push({ provider: t.provider, model: t.model, missing: miss?.feature ?? problem?.param ?? 'request' });
      }
    });
    if (kept.length === 0 && first !== undefined) throw first;
    if (skipped.length === 0 || routed.routeFor === undefined)
      return { route: routed.route, routeObserver: routed.observer, skipped: [] };
    const picked = routed.routeFor(kept);
    return { route: picked.route, routeObserver: picked.observer, skipped };
  }

  private cacheDecision(
    call: ChatCall,
    messages: ChatMessage[],
    params: ChatParams,
  ): { cfg: CacheConfig; key?: string } {
    const cfg = this.deps.cacheConfig;
    const eligible =
      cfg.mode !== 'off' &&
      call.cacheMode !== 'bypass' &&
      (call.cacheMode === 'use' || (cfg.mode === 'deterministic' && params.temperature === 0));
    return { cfg, key: eligible ? cacheKey(call.principal.scope, call.model, messages, params) : undefined };
  }

  private record(
    call: ChatCall,
    stats: RunStats,
    cache: CacheResult,
    protectedCounts: Record<string, number>,
    startedAt: number,
    outcome: ChatRecord['outcome'],
    errorCode?: string,
  ): ChatRecord {
    return {
      api: call.api,
      requestId: call.requestId,
      principalId: call.principal.id,
      model: call.model,
      provider: stats.provider,
      upstreamModel: stats.upstreamModel,
      keyId: stats.keyId,
      stream: call.stream,
      outcome,
      errorCode,
      ttftMs: stats.ttftMs,
      durationMs: performance.now() - startedAt,
      upstreamMs: stats.upstreamMs,
      usage: stats.usage,
      finishReason: stats.finishReason,
      cache,
      attempts: stats.attempts,
      retries: stats.retries,
      fallbacks: stats.fallbacks,
      protectedCounts,
    };
  }
}

/** Replays cached events as a stream. */
async function* replay(events: ChatEvent[]): AsyncGenerator<ChatEvent> {
  yield* events;
}
