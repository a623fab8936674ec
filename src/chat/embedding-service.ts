// The embeddings use case: privacy filter, rate limits, exact-input cache and the routing engine, as for chat.

import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { combineRouteObservers, ParleyError } from '../domain/index.js';
import type {
  EmbeddingInput,
  EmbeddingRequest,
  EmbeddingResult,
  Principal,
  RouteObserver,
  StepTrace,
  Usage,
} from '../domain/index.js';
import type { EmbeddingModel } from '../domain/index.js';
import type { CacheConfig } from '../config/types.js';
import type { CacheStore } from '../store/types.js';
import { errorCodeOf, totalCount } from './step-facts.js';
import type { ChatAdmission } from './hooks.js';
import { CallObserver, type RunStats } from './run-events.js';
import { noteRouteFacts } from './chat-service.js';

/** A target of an alias's chain that cannot embed, and why (its provider type has no embeddings API). */
export interface RefusedTarget {
  provider: string;
  providerType: string;
  model: string;
}

/** One alias as the embeddings path sees it: the route over its embeddings-capable targets, and the others. */
export interface RoutedEmbeddings {
  /** Undefined when no target of the chain can embed. */
  route?: EmbeddingModel;
  observer?: RouteObserver;
  refused: readonly RefusedTarget[];
}

/** The privacy filter as the embeddings path uses it (see privacy/embedding-guard.ts). */
export interface EmbeddingInputGuard {
  readonly scans: boolean;
  protect(texts: readonly string[]): { texts: string[]; counts: Record<string, number> };
}

/** Metadata of one finished embeddings call: what audit, logs and metrics see. Never content. */
export interface EmbeddingRecord {
  requestId: string;
  principalId: string;
  model: string;
  provider?: string;
  upstreamModel?: string;
  outcome: 'success' | 'error' | 'aborted' | 'blocked';
  errorCode?: string;
  durationMs: number;
  inputs: number;
  inputTokens?: number;
  cache: 'hit' | 'miss' | 'bypass';
  attempts: number;
  retries: number;
  fallbacks: number;
  protectedCounts: Record<string, number>;
}

/** Receives one record per embeddings call. */
export interface EmbeddingRecordSink {
  embeddingsFinished(record: EmbeddingRecord): void;
}

export interface EmbeddingServiceDeps {
  models: ReadonlyMap<string, RoutedEmbeddings>;
  cache: CacheStore;
  cacheConfig: CacheConfig;
  /** Rate limits: the token budget is checked before and charged with the input tokens after. */
  admission?: ChatAdmission;
  guard?: EmbeddingInputGuard;
  records?: EmbeddingRecordSink;
  routeObserver?: RouteObserver;
}

/** One embeddings call as the HTTP layer describes it. */
export interface EmbeddingCall {
  requestId: string;
  principal: Principal;
  model: string;
  input: EmbeddingInput;
  encodingFormat: 'float' | 'base64';
  dimensions?: number;
  cacheMode: 'use' | 'bypass' | 'default';
  signal: AbortSignal;
  traceHeaders?: Record<string, string>;
  observer?: RouteObserver;
  trace?: StepTrace;
  /** The admission already started for this request (counted with it); without it `deps.admission` admits the call. */
  admission?: { claim(): Promise<{ done(usage?: Usage): void }> };
}

/** The answer of one call and how it was served. */
export interface EmbeddingAnswer {
  result: EmbeddingResult;
  cache: 'hit' | 'miss' | 'bypass';
  stats: RunStats;
  protectedCounts: Record<string, number>;
}

const inputCount = (input: EmbeddingInput): number =>
  input.kind === 'text' ? input.texts.length : input.tokens.length;

/** The 400 for token arrays while the privacy filter scans: they are token ids, not text, so it cannot read them. */
function unscannableTokens(): ParleyError {
  return new ParleyError(
    'invalid_request',
    'input is given as token arrays, which the privacy filter cannot scan (it reads text, and ' +
      "token ids depend on the upstream model's tokenizer). Send the input as text; token arrays " +
      'are accepted only when the privacy filter is off (every privacy category set to allow).',
    { param: 'input' },
  );
}

/** The record's facts known from the call and its route stats (outcome, cache and counts are added by the caller). */
function recordOf(
  call: EmbeddingCall,
  stats: RunStats,
  startedAt: number,
): Omit<EmbeddingRecord, 'outcome' | 'errorCode' | 'cache' | 'protectedCounts'> {
  return {
    requestId: call.requestId,
    principalId: call.principal.id,
    model: call.model,
    provider: stats.provider,
    upstreamModel: stats.upstreamModel,
    durationMs: performance.now() - startedAt,
    inputs: inputCount(call.input),
    inputTokens: stats.usage?.inputTokens,
    attempts: stats.attempts,
    retries: stats.retries,
    fallbacks: stats.fallbacks,
  };
}

/**
 * The cache key: scope, alias, dimensions, encoding and the exact inputs (as sent, after the privacy filter), hashed.
 */
export function embeddingsCacheKey(scope: string, model: string, request: Omit<EmbeddingRequest, 'model'>): string {
  const hash = createHash('sha256');
  hash.update('embeddings\0').update(scope).update('\0').update(model).update('\0');
  hash.update(`${request.encodingFormat}\0${request.dimensions ?? ''}\0${request.input.kind}\0`);
  if (request.input.kind === 'text') for (const t of request.input.texts) hash.update(`${t.length}:`).update(t);
  else for (const t of request.input.tokens) hash.update(`${t.length}:${t.join(',')};`);
  return `emb:${hash.digest('base64url')}`;
}

/** Runs embeddings calls; one instance per process, built in main.ts. */
export class EmbeddingService {
  constructor(private readonly deps: EmbeddingServiceDeps) {}

  /** The alias's embeddings route, or the 404 (unknown alias) / 400 (no target can embed). */
  private resolve(name: string): RoutedEmbeddings & { route: EmbeddingModel } {
    const routed = this.deps.models.get(name);
    if (!routed) {
      throw new ParleyError(
        'model_not_found',
        `The model "${name}" does not exist. Available models: ${[...this.deps.models.keys()].join(', ')}.`,
        { param: 'model' },
      );
    }
    if (routed.route === undefined) {
      const targets = routed.refused.map((t) => `${t.provider}/${t.model} (${t.providerType})`).join(', ');
      throw new ParleyError(
        'invalid_request',
        `The model "${name}" cannot serve embeddings: none of its targets has an embeddings API ` +
          `(${targets}). Parley sends embeddings to OpenAI-compatible targets only; Anthropic targets ` +
          `are refused. Choose a model whose fallback chain has an OpenAI-compatible target.`,
        { param: 'model' },
      );
    }
    return routed as RoutedEmbeddings & { route: EmbeddingModel };
  }

  /** Embeds the inputs; throws ParleyError (4xx before anything is sent, or the route's last error). */
  async embed(call: EmbeddingCall): Promise<EmbeddingAnswer> {
    const startedAt = performance.now();
    const routed = this.resolve(call.model);
    if (call.input.kind === 'tokens' && this.deps.guard?.scans === true) throw unscannableTokens();
    const stats: RunStats = { attempts: 0, retries: 0, fallbacks: 0, upstreamMs: 0 };
    let protectedCounts: Record<string, number> = {};
    let cache: EmbeddingAnswer['cache'] = 'bypass';
    const finish = (outcome: EmbeddingRecord['outcome'], errorCode?: string): void =>
      this.deps.records?.embeddingsFinished({
        ...recordOf(call, stats, startedAt),
        outcome,
        errorCode,
        cache,
        protectedCounts,
      });
    const ticket = await (call.admission ? call.admission.claim() : this.deps.admission?.admitChat(call.principal));
    try {
      const trace = call.trace;
      const { input, counts } = this.protect(call.input, trace);
      protectedCounts = counts;
      const request: Omit<EmbeddingRequest, 'model'> = { input, encodingFormat: call.encodingFormat };
      if (call.dimensions !== undefined) request.dimensions = call.dimensions;
      const key = this.cacheable(call) ? embeddingsCacheKey(call.principal.scope, call.model, request) : undefined;
      cache = key === undefined ? 'bypass' : 'miss';
      const cacheSpan = trace?.start('cache');
      const hit = key === undefined ? undefined : await this.deps.cache.get(key);
      cacheSpan?.end({ 'parley.cache.result': hit?.embeddings ? 'hit' : cache });
      if (hit?.embeddings) {
        cache = 'hit';
        stats.provider = hit.provider;
        stats.upstreamModel = hit.model;
        stats.usage = { inputTokens: hit.embeddings.inputTokens, outputTokens: 0 };
        ticket?.done();
        finish('success');
        return { result: hit.embeddings, cache, stats, protectedCounts };
      }
      const result = await this.callRoute(routed, { model: call.model, ...request }, call, stats);
      stats.usage = { inputTokens: result.inputTokens, outputTokens: 0 };
      // Only answers of a reasonable size are cached: the memory store bounds entries by count, not bytes.
      if (key !== undefined && stats.provider !== undefined && embeddingBytes(result) <= MAX_CACHED_EMBEDDING_BYTES) {
        void this.deps.cache.set(
          key,
          {
            events: [],
            embeddings: result,
            provider: stats.provider,
            model: stats.upstreamModel ?? '',
            createdAt: Date.now(),
          },
          { ttlMs: this.deps.cacheConfig.ttlMs },
        );
      }
      ticket?.done(stats.usage);
      finish('success');
      return { result, cache, stats, protectedCounts };
    } catch (error) {
      ticket?.done();
      const code = errorCodeOf(error);
      finish(code === 'content_blocked' ? 'blocked' : code === 'client_closed' ? 'aborted' : 'error', code);
      noteRouteFacts(error, stats);
      throw error;
    }
  }

  /** Text inputs through the privacy filter (its own trace step); token arrays pass (refused earlier when it scans). */
  private protect(
    input: EmbeddingInput,
    trace: StepTrace | undefined,
  ): { input: EmbeddingInput; counts: Record<string, number> } {
    const guard = this.deps.guard;
    if (guard === undefined || input.kind !== 'text') return { input, counts: {} };
    const span = trace?.start('privacy');
    try {
      const { texts, counts } = guard.protect(input.texts);
      span?.end({ 'parley.privacy.protected': totalCount(counts) });
      return { input: { kind: 'text', texts }, counts };
    } catch (error) {
      span?.end(undefined, errorCodeOf(error));
      throw error;
    }
  }

  /**
   * Embeddings are deterministic: cached unless the cache is off or the request opts out (or, in opt-in mode, did not
   * opt in).
   */
  private cacheable(call: EmbeddingCall): boolean {
    const mode = this.deps.cacheConfig.mode;
    if (mode === 'off' || call.cacheMode === 'bypass') return false;
    return call.cacheMode === 'use' || mode === 'deterministic';
  }

  /** One call through the alias's route (retries, breakers, fallback), timing the wait on it. */
  private async callRoute(
    routed: RoutedEmbeddings & { route: EmbeddingModel },
    request: EmbeddingRequest,
    call: EmbeddingCall,
    stats: RunStats,
  ): Promise<EmbeddingResult> {
    const base = routed.observer ?? this.deps.routeObserver;
    const observer = new CallObserver(stats, call.observer ? combineRouteObservers(base, call.observer) : base);
    for (const t of routed.refused) observer.targetSkipped(t.provider, t.model, 'embeddings');
    const waitStart = performance.now();
    try {
      for await (const event of routed.route.stream(request, {
        signal: call.signal,
        observer,
        traceHeaders: call.traceHeaders,
      })) {
        if (event.type === 'finish') return event.result;
      }
      throw new ParleyError('upstream_protocol', 'The provider ended the embeddings call without an answer');
    } finally {
      stats.upstreamMs += performance.now() - waitStart;
    }
  }
}

/**
 * The largest embeddings answer kept in the cache (its vectors as float32): 1 MiB, e.g. 85 inputs of 3,072 dimensions.
 */
const MAX_CACHED_EMBEDDING_BYTES = 1024 * 1024;

/** The size of an answer's vectors as float32 bytes (base64 text is 4 characters per 3 bytes). */
function embeddingBytes(result: EmbeddingResult): number {
  let bytes = 0;
  for (const v of result.vectors) bytes += typeof v === 'string' ? (v.length * 3) / 4 : v.length * 4;
  return bytes;
}
