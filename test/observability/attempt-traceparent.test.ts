// The upstream traceparent can name each attempt's CLIENT span (createTracingRouteObserver's upstreamHeaders).

import { describe, it, expect } from 'vitest';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracingRouteObserver, startRequestSpan } from '../../src/observability/spans.js';
import { createTracing } from '../../src/observability/tracing.js';

describe('per-attempt traceparent', () => {
  it('rewrites the shared upstream headers to each attempt span', async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ enabled: true, sampleRatio: 1, exporter, exportDelayMs: 1 });
    const req = startRequestSpan(tracing, tracing.extract({}), {
      method: 'POST',
      route: '/v1/chat/completions',
      requestId: 'r1',
    });
    const headers: Record<string, string> = {};
    tracing.inject(req.context, headers);
    const observer = createTracingRouteObserver(tracing, req.context, headers)!;

    const seen: string[] = [];
    for (const attempt of [1, 2]) {
      const info = { provider: 'main', model: 'm', keyId: 'main#0', attempt, fallbackIndex: 0 };
      observer.attemptStart?.(info);
      seen.push(headers.traceparent);
      observer.attemptEnd?.(info, {
        ok: attempt === 2,
        durationMs: 1,
        errorCode: attempt === 2 ? undefined : 'upstream_server_error',
      });
    }
    req.span.end();
    await tracing.forceFlush();
    const spans = exporter.getFinishedSpans();
    const attempts = spans.filter((s) => s.name === 'chat m');
    expect(attempts).toHaveLength(2);
    const traceId = req.span.spanContext().traceId;
    expect(seen).toEqual(attempts.map((a) => `00-${traceId}-${a.spanContext().spanId}-01`));
    expect(new Set(seen).size).toBe(2);
    await tracing.shutdown();
  });

  it('leaves the headers alone when none are given', () => {
    const tracing = createTracing({ enabled: true, sampleRatio: 1, exporter: new InMemorySpanExporter() });
    const req = startRequestSpan(tracing, tracing.extract({}), { method: 'GET', route: '/x', requestId: 'r2' });
    const observer = createTracingRouteObserver(tracing, req.context)!;
    expect(() => observer.attemptStart?.({ provider: 'p', model: 'm', attempt: 1, fallbackIndex: 0 })).not.toThrow();
    void tracing.shutdown();
  });
});
