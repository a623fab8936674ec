// Tracing without the OpenTelemetry SDK: the Tracing handle's types, disabled tracing, and a lazy loader
// that imports the SDK (tracing.ts) only when tracing is enabled, so a process without tracing never loads it.

import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
} from '@opentelemetry/api';
import type { Context, Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Where the OTLP/HTTP exporter sends spans when no endpoint is given (a local collector). */
export const DEFAULT_OTLP_TRACES_ENDPOINT = 'http://127.0.0.1:4318/v1/traces';

export interface TracingOptions {
  /** When false, every helper uses no-op spans and nothing is exported (trace context is still read and passed on). */
  enabled: boolean;
  /** Full OTLP/HTTP traces URL, e.g. `http://collector:4318/v1/traces` (JSON encoding). */
  endpoint?: string;
  /**
   * Head sampling ratio for new traces, 0..1 (parentbased_traceidratio: a sampled parent is always followed). Default
   * 1.
   */
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

/** Reads `traceparent`/`tracestate` (W3C trace context) from headers. */
export function extractContext(headers: HeaderCarrier): Context {
  return headers.traceparent === undefined
    ? ROOT_CONTEXT
    : propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/** Writes `traceparent`/`tracestate` of `context` into `headers`. */
export function injectContext(context: Context, headers: Record<string, string>): void {
  propagator.inject(context, headers, defaultTextMapSetter);
}

/** Tracing that records nothing (trace context is still read and passed on). */
export function createDisabledTracing(): Tracing {
  // A private proxy provider with no delegate hands out the API's no-op tracer, whatever the global state.
  const tracer = new ProxyTracerProvider().getTracer('parley');
  return {
    enabled: false,
    tracer,
    extract: extractContext,
    inject: injectContext,
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}

/** Like `createTracing`, but loads the OpenTelemetry SDK and exporter only when `opts.enabled`. */
export async function loadTracing(opts: TracingOptions): Promise<Tracing> {
  if (!opts.enabled) return createDisabledTracing();
  const { createTracing } = await import('./tracing.js');
  return createTracing(opts);
}

/** The trace id of `context`'s span (for log lines), or undefined when there is none. */
export function traceIdOf(context: Context): string | undefined {
  const sc = trace.getSpanContext(context);
  return sc !== undefined && trace.isSpanContextValid(sc) ? sc.traceId : undefined;
}
