// Prometheus metrics: the catalogue of Parley's metrics on a dedicated registry, with cheap typed recorders.

import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { LabelCache } from './label-cache.js';
import { CellCounter, CellHistogram, type CounterCell, type HistogramCell } from './metric-cells.js';
import type { Deployment } from '../domain/index.js';

/** Buckets (seconds) for whole HTTP requests. */
export const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
/** Buckets (seconds) for whole chat answers and upstream calls, which may stream for minutes. */
export const CHAT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300] as const;
/** Buckets (seconds) for time to first token; 1 s is the latency SLO threshold. */
export const TTFT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 30] as const;
/** Buckets (seconds) for one call to a shared store (PostgreSQL, Redis). */
export const STORE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
/** Sub-millisecond buckets (seconds) for the gateway's own added latency. */
export const OVERHEAD_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05] as const;

export type ChatApi = 'openai' | 'anthropic' | 'session' | 'embeddings';
export type ChatOutcome = 'success' | 'error' | 'aborted' | 'blocked';
export type CacheResult = 'hit' | 'miss' | 'bypass' | 'coalesced';
export type CircuitState = 'closed' | 'half-open' | 'open';
export type RateLimitKind = 'requests' | 'tokens' | 'streams' | 'failed_auth';
export type TokenDirection = 'input' | 'output';

/** Numeric value of `parley_circuit_state` for each breaker state. */
export const CIRCUIT_STATE_VALUE: Readonly<Record<CircuitState, number>> = { closed: 0, 'half-open': 1, open: 2 };

const STATUS_CLASS = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/** `2xx`..`5xx` for an HTTP status (out-of-range statuses map to `5xx`). */
export function statusClass(status: number): string {
  return STATUS_CLASS[Math.floor(status / 100)] ?? '5xx';
}

export interface MetricsOptions {
  /**
   * Prefix for the process/Node default metrics only (default none: standard names). Parley's own metrics always start
   * with `parley_`.
   */
  prefix?: string;
  /** Collect process/Node default metrics incl. event-loop lag, heap and GC (default true). */
  collectDefault?: boolean;
  /** Cap on distinct label combinations per metric before new ones share an `other` series (default 1000). */
  maxSeriesPerMetric?: number;
}

/** Live counts kept in plain numbers and read into their gauges at scrape time (one per request otherwise). */
interface LiveCounts {
  inflight: number;
  openStreams: number;
}

function handles(registers: Registry[], live: LiveCounts) {
  // Counters and histograms take hot-path observations in plain numbers (metric-cells.ts).
  const c = <T extends string>(name: string, help: string, labelNames: readonly T[]) =>
    new CellCounter<T>({ name, help, labelNames, registers });
  const g = <T extends string>(name: string, help: string, labelNames: readonly T[]) =>
    new Gauge<T>({ name, help, labelNames, registers });
  const h = <T extends string>(name: string, help: string, labelNames: readonly T[], buckets: readonly number[]) =>
    new CellHistogram<T>({ name, help, labelNames, buckets: [...buckets], registers });
  return {
    httpRequests: c('parley_http_requests_total', 'HTTP requests answered', ['route', 'method', 'status_class']),
    httpDuration: h(
      'parley_http_request_duration_seconds',
      'HTTP request duration, to the last byte',
      ['route', 'status_class'],
      HTTP_BUCKETS,
    ),
    chatRequests: c('parley_chat_requests_total', 'Chat requests by API, model alias, provider and outcome', [
      'api',
      'model',
      'provider',
      'outcome',
      'stream',
    ]),
    chatDuration: h(
      'parley_chat_duration_seconds',
      'Chat answer duration, request to last token',
      ['api', 'model', 'provider'],
      CHAT_BUCKETS,
    ),
    ttft: h(
      'parley_time_to_first_token_seconds',
      'Time from request to the first answer token',
      ['model', 'provider'],
      TTFT_BUCKETS,
    ),
    overhead: h(
      'parley_overhead_seconds',
      "Gateway's own added latency (excluding upstream time)",
      ['route'],
      OVERHEAD_BUCKETS,
    ),
    upstreamDuration: h(
      'parley_upstream_duration_seconds',
      'Duration of one upstream attempt',
      ['provider', 'model', 'outcome'],
      CHAT_BUCKETS,
    ),
    tokens: c('parley_tokens_total', 'Tokens reported by providers', ['model', 'provider', 'direction']),
    inflight: new Gauge({
      name: 'parley_inflight_requests',
      help: 'Requests being handled',
      registers,
      collect() {
        this.set(live.inflight);
      },
    }),
    openStreams: new Gauge({
      name: 'parley_open_streams',
      help: 'Streaming responses open to clients',
      registers,
      collect() {
        this.set(live.openStreams);
      },
    }),
    cache: c('parley_cache_requests_total', 'Answer-cache lookups by result', ['result']),
    upstreamAttempts: c(
      'parley_upstream_attempts_total',
      'Upstream attempts by provider, key and outcome (success or error code)',
      ['provider', 'key_id', 'outcome'],
    ),
    retries: c('parley_retries_total', 'Retries of an upstream target by reason (error code)', ['provider', 'reason']),
    fallbacks: c('parley_fallbacks_total', 'Moves to the next target of a fallback chain', [
      'model',
      'from_provider',
      'to_provider',
    ]),
    circuitState: g(
      'parley_circuit_state',
      'Circuit breaker state per deployment (provider, upstream model, key): 0 closed, 1 half-open, 2 open',
      ['provider', 'model', 'key_id'],
    ),
    keyHealthy: g('parley_provider_key_healthy', 'Provider key usable (1) or removed from the pool (0)', [
      'provider',
      'key_id',
    ]),
    rateLimited: c('parley_rate_limited_total', 'Requests refused by a rate limit', ['limit']),
    privacyProtected: c(
      'parley_privacy_protected_total',
      'Sensitive items found and protected, by category and action',
      ['category', 'action'],
    ),
    images: c(
      'parley_images_total',
      'Images in chat requests (never their bytes), by model and action (sent or blocked)',
      ['model', 'action'],
    ),
    policyBlocks: c('parley_policy_blocks_total', 'Content policy interventions by category and mode', [
      'category',
      'mode',
    ]),
    sessionsLive: g('parley_sessions_live', 'Sessions currently held in the session store', []),
    feedback: c('parley_feedback_total', 'User feedback on answers', ['rating', 'reason']),
    conversations: c('parley_conversations_total', 'Conversations ended, by outcome', ['outcome']),
    storeDuration: h(
      'parley_store_operation_duration_seconds',
      'Duration of one call to a shared store, by backend and operation',
      ['backend', 'operation'],
      STORE_BUCKETS,
    ),
    storeErrors: c(
      'parley_store_errors_total',
      'Failed calls to a shared store (timeouts, store away, errors), by backend and operation',
      ['backend', 'operation'],
    ),
    storeUp: g('parley_store_up', 'Shared store reachable (1) or not (0), by backend', ['backend']),
    rateLimitDegraded: g(
      'parley_rate_limit_degraded',
      'The shared rate-limit store is failing and the fail mode is in effect (closed: 503; open: per-replica limits)',
      ['mode'],
    ),
    auditSpoolDepth: g('parley_audit_spool_depth', 'Audit events waiting in the local spool for the remote trail', []),
    auditSpoolCapacity: g('parley_audit_spool_capacity', 'Audit events the local spool holds at most', []),
  };
}

/** The raw prom-client handles, for callers that need something the recorders do not offer. */
export type MetricHandles = ReturnType<typeof handles>;

/** Parley's metrics: a dedicated registry plus cheap recorders (all durations in seconds). */
export interface Metrics {
  readonly registry: Registry;
  /** The `Content-Type` to send with `render()`'s output. */
  readonly contentType: string;
  readonly handles: MetricHandles;
  /** The Prometheus text exposition of every metric. */
  render(): Promise<string>;
  observeHttpRequest(route: string, method: string, status: number, seconds: number): void;
  observeChatRequest(
    api: ChatApi,
    model: string,
    provider: string,
    outcome: ChatOutcome,
    stream: boolean,
    seconds: number,
  ): void;
  observeTimeToFirstToken(model: string, provider: string, seconds: number): void;
  observeOverhead(route: string, seconds: number): void;
  /** One upstream attempt; `outcome` is `success` or an error code. */
  observeUpstream(provider: string, model: string, outcome: string, seconds: number): void;
  addTokens(model: string, provider: string, input: number, output: number): void;
  incInflight(): void;
  decInflight(): void;
  incOpenStreams(): void;
  decOpenStreams(): void;
  countCache(result: CacheResult): void;
  countUpstreamAttempt(provider: string, keyId: string, outcome: string): void;
  countRetry(provider: string, reason: string): void;
  countFallback(model: string, fromProvider: string, toProvider: string): void;
  /**
   * A deployment's breaker state; `key_id` is `none` for keyless providers. Labels are bounded by the configuration.
   */
  setCircuitState(deployment: Deployment, state: CircuitState): void;
  setKeyHealthy(provider: string, keyId: string, healthy: boolean): void;
  countRateLimited(limit: RateLimitKind): void;
  countPrivacyProtected(category: string, action: string, count?: number): void;
  /** Images in a request, sent upstream or blocked by privacy.images. */
  countImages(model: string, action: 'sent' | 'blocked', count: number): void;
  countPolicyBlock(category: string, mode: string): void;
  setSessionsLive(count: number): void;
  /** Moves the live-session gauge by `delta` between two absolute `setSessionsLive` (the sweeper's count). */
  addSessionsLive(delta: number): void;
  countFeedback(rating: 'up' | 'down', reason: string): void;
  countConversation(outcome: 'completed' | 'abandoned'): void;
  /** One call to a shared store (`ok` false: it failed). */
  observeStoreCall(backend: string, operation: string, seconds: number, ok: boolean): void;
  setStoreUp(backend: string, up: boolean): void;
  /** 1 while the shared rate-limit store fails and `mode` (closed: 503, open: per-replica limits) is in effect. */
  setRateLimitDegraded(mode: 'closed' | 'open', degraded: boolean): void;
  setAuditSpool(depth: number, capacity: number): void;
}

/** Creates the metric catalogue on a fresh registry (never the global one), so tests and replicas stay isolated. */
export function createMetrics(opts: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const live: LiveCounts = { inflight: 0, openStreams: 0 };
  const m = handles([registry], live);
  if (opts.collectDefault ?? true) {
    collectDefaultMetrics({ register: registry, prefix: opts.prefix ?? '' });
  }
  const max = opts.maxSeriesPerMetric ?? 1000;
  type WithCells<C> = { cell(...values: string[]): C };
  const cache = <C>(metric: WithCells<C>, depth: number) => new LabelCache<C>(depth, (v) => metric.cell(...v), max);
  type CChild = CounterCell;
  type HChild = HistogramCell;
  type GChild = { set(value: number): void };
  const gauges = <C>(metric: { labels(...values: string[]): C }, depth: number) =>
    new LabelCache<C>(depth, (v) => metric.labels(...v), max);

  const http = cache<CChild>(m.httpRequests, 3);
  const httpDur = cache<HChild>(m.httpDuration, 2);
  const chat = cache<CChild>(m.chatRequests, 5);
  const chatDur = cache<HChild>(m.chatDuration, 3);
  const ttft = cache<HChild>(m.ttft, 2);
  const overhead = cache<HChild>(m.overhead, 1);
  const upstream = cache<HChild>(m.upstreamDuration, 3);
  const tokens = cache<CChild>(m.tokens, 3);
  const attempts = cache<CChild>(m.upstreamAttempts, 3);
  const retries = cache<CChild>(m.retries, 2);
  const fallbacks = cache<CChild>(m.fallbacks, 3);
  const circuit = gauges<GChild>(m.circuitState, 3);
  const keys = gauges<GChild>(m.keyHealthy, 2);
  const privacy = cache<CChild>(m.privacyProtected, 2);
  const images = cache<CChild>(m.images, 2);
  const policy = cache<CChild>(m.policyBlocks, 2);
  const feedback = cache<CChild>(m.feedback, 2);
  const storeDur = cache<HChild>(m.storeDuration, 2);
  const storeErr = cache<CChild>(m.storeErrors, 2);
  // Static label sets are bound once, and pre-created so their series exist (at 0) from the first scrape.
  const preset = <T extends string>(counter: CellCounter<T>, value: string): CounterCell => {
    counter.labels(value).inc(0);
    return counter.cell(value);
  };
  const cacheResults = {
    hit: preset(m.cache, 'hit'),
    miss: preset(m.cache, 'miss'),
    bypass: preset(m.cache, 'bypass'),
    coalesced: preset(m.cache, 'coalesced'),
  };
  const limits = {
    requests: preset(m.rateLimited, 'requests'),
    tokens: preset(m.rateLimited, 'tokens'),
    streams: preset(m.rateLimited, 'streams'),
    failed_auth: preset(m.rateLimited, 'failed_auth'),
  };
  const convs = { completed: preset(m.conversations, 'completed'), abandoned: preset(m.conversations, 'abandoned') };

  return {
    registry,
    contentType: registry.contentType,
    handles: m,
    render: () => registry.metrics(),
    observeHttpRequest(route, method, status, seconds) {
      const sc = statusClass(status);
      http.get(route, method, sc).inc();
      httpDur.get(route, sc).observe(seconds);
    },
    observeChatRequest(api, model, provider, outcome, stream, seconds) {
      chat.get(api, model, provider, outcome, stream ? 'true' : 'false').inc();
      chatDur.get(api, model, provider).observe(seconds);
    },
    observeTimeToFirstToken: (model, provider, seconds) => ttft.get(model, provider).observe(seconds),
    observeOverhead: (route, seconds) => overhead.get(route).observe(seconds),
    observeUpstream: (provider, model, outcome, seconds) => upstream.get(provider, model, outcome).observe(seconds),
    addTokens(model, provider, input, output) {
      if (input > 0) tokens.get(model, provider, 'input').inc(input);
      if (output > 0) tokens.get(model, provider, 'output').inc(output);
    },
    incInflight: () => void live.inflight++,
    decInflight: () => void live.inflight--,
    incOpenStreams: () => void live.openStreams++,
    decOpenStreams: () => void live.openStreams--,
    countCache: (result) => cacheResults[result].inc(),
    countUpstreamAttempt: (provider, keyId, outcome) => attempts.get(provider, keyId, outcome).inc(),
    countRetry: (provider, reason) => retries.get(provider, reason).inc(),
    countFallback: (model, from, to) => fallbacks.get(model, from, to).inc(),
    setCircuitState: (d, state) => circuit.get(d.provider, d.model, d.keyId ?? 'none').set(CIRCUIT_STATE_VALUE[state]),
    setKeyHealthy: (provider, keyId, healthy) => keys.get(provider, keyId).set(healthy ? 1 : 0),
    countRateLimited: (limit) => limits[limit].inc(),
    countPrivacyProtected: (category, action, count = 1) => privacy.get(category, action).inc(count),
    countImages: (model, action, count) => images.get(model, action).inc(count),
    countPolicyBlock: (category, mode) => policy.get(category, mode).inc(),
    setSessionsLive: (count) => m.sessionsLive.set(count),
    addSessionsLive: (delta) => m.sessionsLive.inc(delta),
    countFeedback: (rating, reason) => feedback.get(rating, reason).inc(),
    countConversation: (outcome) => convs[outcome].inc(),
    observeStoreCall(backend, operation, seconds, ok) {
      storeDur.get(backend, operation).observe(seconds);
      if (!ok) storeErr.get(backend, operation).inc();
    },
    setStoreUp: (backend, up) => m.storeUp.labels(backend).set(up ? 1 : 0),
    setRateLimitDegraded: (mode, degraded) => m.rateLimitDegraded.labels(mode).set(degraded ? 1 : 0),
    setAuditSpool(depth, capacity) {
      m.auditSpoolDepth.set(depth);
      m.auditSpoolCapacity.set(capacity);
    },
  };
}
