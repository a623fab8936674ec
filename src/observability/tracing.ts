// OpenTelemetry tracing: an isolated tracer provider exporting OTLP/HTTP, W3C trace context in and out.

import { ProxyTracerProvider, ROOT_CONTEXT, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import type { Context, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

/** Where the OTLP/HTTP exporter sends spans when no endpoint is given (a local collector). */
export const DEFAULT_OTLP_TRACES_ENDPOINT = 'http://127.0.0.1:4318/v1/traces';

export interface TracingOptions {
  /** When false, every helper uses no-op spans and nothing is exported (trace context is still read and passed on). */
  enabled: boolean;
  /** Full OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces` (JSON encoding). */
  endpoint?: string;
  /** Head sampling ratio for new traces, 0..1 (parentbased_traceidratio: a sampled parent is always followed). Default 1. */
  sampleRatio?: number;
  serviceName?: string;
  serviceVersion?: string;
  /** Extra headers for the exporter (e.g. a collector's auth token, resolved by config/). */
  headers?: Record<string, string>;
  /** Replaces the OTLP exporter (tests). */
  exporter?: SpanExporter;
  /** Batch export delay in ms (default 2000). */
  exportDelayMs?: number;
}

/** Carrier shape accepted by `extract`: Node's incoming headers or any string map. */
export type HeaderCarrier = Record<string, string | string[] | undefined>;

/** Parley's tracing handle. Contexts are passed explicitly (no global context manager is installed). */
export interface Tracing {
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /** The trace context of incoming headers (`traceparent`, `tracestate`), or the root context. */
  extract(headers: HeaderCarrier): Context;
  /** Writes `traceparent`/`tracestate` for `context` into `headers` (for upstream calls). */
  inject(context: Context, headers: Record<string, string>): void;
  /** Exports every finished span now. */
  forceFlush(): Promise<void>;
  /** Flushes and stops exporting; idempotent. */
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();

function clampRatio(ratio: number | undefined): number {
  if (ratio === undefined || Number.isNaN(ratio)) return 1;
  return Math.min(1, Math.max(0, ratio));
}

/** Creates tracing. Disabled tracing costs one header parse per request and no span allocation. */
export function createTracing(opts: TracingOptions): Tracing {
  const extract = (headers: HeaderCarrier): Context =>
    headers.traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
  const inject = (context: Context, headers: Record<string, string>): void =>
    propagator.inject(context, headers, defaultTextMapSetter);

  if (!opts.enabled) {
    // A private proxy provider with no delegate hands out the API's no-op tracer, whatever the global state.
    const tracer = new ProxyTracerProvider().getTracer('parley');
    return { enabled: false, tracer, extract, inject, forceFlush: async () => {}, shutdown: async () => {} };
  }

  const exporter =
    opts.exporter ?? new OTLPTraceExporter({ url: opts.endpoint ?? DEFAULT_OTLP_TRACES_ENDPOINT, headers: opts.headers ?? {} });
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: opts.serviceName ?? 'parley',
      ...(opts.serviceVersion === undefined ? {} : { [ATTR_SERVICE_VERSION]: opts.serviceVersion }),
    }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(clampRatio(opts.sampleRatio)) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: opts.exportDelayMs ?? 2000 })],
  });
  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    tracer: provider.getTracer('parley'),
    extract,
    inject,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}

/** The trace id of `context`'s span (for log lines), or undefined when there is none. */
export function traceIdOf(context: Context): string | undefined {
  const sc = trace.getSpanContext(context);
  return sc !== undefined && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}
