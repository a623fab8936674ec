// OpenTelemetry tracing with the SDK: OTLP/HTTP export, parent-based ratio sampling (see tracing-api.ts for the light
// part).

import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { DEFAULT_OTLP_TRACES_ENDPOINT, createDisabledTracing, extractContext, injectContext } from './tracing-api.js';
import type { Tracing, TracingOptions } from './tracing-api.js';

export * from './tracing-api.js';

function clampRatio(ratio: number | undefined): number {
  if (ratio === undefined || Number.isNaN(ratio)) return 1;
  return Math.min(1, Math.max(0, ratio));
}

/** Creates tracing. Disabled tracing costs one header parse per request and no span allocation. */
export function createTracing(opts: TracingOptions): Tracing {
  if (!opts.enabled) return createDisabledTracing();

  const exporter =
    opts.exporter ??
    new OTLPTraceExporter({ url: opts.endpoint ?? DEFAULT_OTLP_TRACES_ENDPOINT, headers: opts.headers ?? {} });
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
    extract: extractContext,
    inject: injectContext,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => (stopped ??= provider.shutdown()),
  };
}
