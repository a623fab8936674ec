import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { createTracing, traceIdOf } from '../../src/observability/tracing.js';
import {
  NOOP_SPAN,
  createTracingRouteObserver,
  endRequestSpan,
  endSpanWithError,
  setGenAiRequest,
  setGenAiResponse,
  startRequestSpan,
  startStepSpan,
} from '../../src/observability/spans.js';

const CANARY = 'CANARY-91be-do-not-export';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';

interface OtlpAttr {
  key: string;
  value: Record<string, unknown>;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttr[];
  status?: { code?: number; message?: string };
}
interface OtlpBody {
  resourceSpans: { resource: { attributes: OtlpAttr[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

const bodies: string[] = [];
const requests: string[] = [];
let server: Server;
let endpoint: string;

function spans(): OtlpSpan[] {
  return bodies.flatMap((b) =>
    (JSON.parse(b) as OtlpBody).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
  );
}
function attr(span: OtlpSpan, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  if (v === undefined) return undefined;
  if ('arrayValue' in v)
    return ((v.arrayValue as { values?: { stringValue: string }[] }).values ?? []).map((x) => x.stringValue);
  const raw = Object.values(v)[0];
  return typeof raw === 'string' && 'intValue' in v ? Number(raw) : raw;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''}`);
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('tracing enabled (OTLP/HTTP JSON)', () => {
  it('continues an incoming traceparent and exports GenAI attributes without content', async () => {
    // ratio 0: only the sampled parent can make these spans record (parentbased_traceidratio).
    const tracing = createTracing({ enabled: true, endpoint, sampleRatio: 0, serviceName: 'parley-test' });
    const incoming = tracing.extract({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`, 'x-request-id': 'req-1' });
    const req = startRequestSpan(tracing, incoming, {
      method: 'POST',
      route: '/v1/chat/completions',
      requestId: 'req-1',
    });
    expect(req.span.isRecording()).toBe(true);
    expect(traceIdOf(req.context)).toBe(TRACE_ID);

    startStepSpan(tracing, req.context, 'auth').end();
    startStepSpan(tracing, req.context, 'privacy', { 'parley.privacy.found': 2 }).end();
    const obs = createTracingRouteObserver(tracing, req.context);
    const first = { provider: 'main', model: 'gpt-up', keyId: 'main#0', attempt: 1, fallbackIndex: 0 };
    obs?.attemptStart?.(first);
    obs?.attemptEnd?.(first, { ok: false, durationMs: 5, errorCode: 'upstream_rate_limited', status: 429 });
    obs?.retry?.(first, 100, 'upstream_rate_limited');
    const second = { ...first, attempt: 2, keyId: 'main#1' };
    obs?.attemptStart?.(second);
    obs?.attemptEnd?.(second, { ok: true, durationMs: 9 });
    setGenAiRequest(req.span, { provider: 'main', requestModel: 'fast' });
    setGenAiResponse(req.span, {
      responseModel: 'gpt-up-2025',
      inputTokens: 11,
      outputTokens: 22,
      finishReason: 'stop',
    });
    const headers: Record<string, string> = {};
    tracing.inject(req.context, headers);
    expect(headers.traceparent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    expect(headers.traceparent).not.toContain(PARENT_ID);
    endRequestSpan(req.span, 200);
    await tracing.forceFlush();
    await tracing.shutdown();

    expect(requests[0]).toBe('POST /v1/traces application/json');
    const all = spans();
    expect(bodies.join('')).not.toContain(CANARY);
    const server = all.find((s) => s.name === 'POST /v1/chat/completions');
    expect(server).toBeDefined();
    expect(server?.traceId).toBe(TRACE_ID);
    expect(server?.parentSpanId).toBe(PARENT_ID);
    expect(attr(server!, 'gen_ai.operation.name')).toBe('chat');
    expect(attr(server!, 'gen_ai.provider.name')).toBe('main');
    expect(attr(server!, 'gen_ai.request.model')).toBe('fast');
    expect(attr(server!, 'gen_ai.response.model')).toBe('gpt-up-2025');
    expect(attr(server!, 'gen_ai.usage.input_tokens')).toBe(11);
    expect(attr(server!, 'gen_ai.usage.output_tokens')).toBe(22);
    expect(attr(server!, 'gen_ai.response.finish_reasons')).toEqual(['stop']);
    expect(attr(server!, 'http.response.status_code')).toBe(200);
    expect(headers.traceparent).toContain(server!.spanId);

    const children = all
      .filter((s) => s.parentSpanId === server!.spanId)
      .map((s) => s.name)
      .sort();
    expect(children).toEqual(['chat gpt-up', 'chat gpt-up', 'parley.auth', 'parley.privacy']);
    const failed = all.find((s) => s.name === 'chat gpt-up' && attr(s, 'parley.attempt') === 1);
    expect(attr(failed!, 'parley.key_id')).toBe('main#0');
    expect(attr(failed!, 'parley.fallback_index')).toBe(0);
    expect(attr(failed!, 'error.type')).toBe('upstream_rate_limited');
    expect(failed?.status?.code).toBe(2);
    expect(failed?.kind).toBe(3);
    const resource = (JSON.parse(bodies[0]) as OtlpBody).resourceSpans[0].resource.attributes;
    expect(resource.find((a) => a.key === 'service.name')?.value).toEqual({ stringValue: 'parley-test' });
  });

  it('does not record new root traces when the ratio is 0, and marks 5xx as errors', async () => {
    const before = bodies.length;
    const off = createTracing({ enabled: true, endpoint, sampleRatio: 0 });
    const root = startRequestSpan(off, off.extract({}), { method: 'GET', route: '/v1/models', requestId: 'r' });
    expect(root.span.isRecording()).toBe(false);
    endRequestSpan(root.span, 200);
    await off.shutdown();
    expect(bodies.length).toBe(before);

    const on = createTracing({ enabled: true, endpoint, sampleRatio: 1 });
    const req = startRequestSpan(on, on.extract({}), { method: 'GET', route: '/v1/models', requestId: 'r' });
    expect(req.span.isRecording()).toBe(true);
    const step = startStepSpan(on, req.context, 'cache');
    endSpanWithError(step, 'internal');
    endRequestSpan(req.span, 503, 'circuit_open');
    await on.shutdown();
    const exported = spans().filter((s) => s.traceId === req.span.spanContext().traceId);
    expect(exported.map((s) => s.name).sort()).toEqual(['GET /v1/models', 'parley.cache']);
    expect(exported.every((s) => s.status?.code === 2)).toBe(true);
  });
});

describe('tracing disabled', () => {
  it('uses no-op spans but still passes the incoming trace context on', () => {
    const tracing = createTracing({ enabled: false });
    const ctx = tracing.extract({ traceparent: `00-${TRACE_ID}-${PARENT_ID}-01` });
    const req = startRequestSpan(tracing, ctx, { method: 'POST', route: '/v1/chat/completions', requestId: 'r' });
    expect(req.span.isRecording()).toBe(false);
    expect(traceIdOf(req.context)).toBe(TRACE_ID);
    expect(startStepSpan(tracing, req.context, 'auth')).toBe(NOOP_SPAN);
    expect(createTracingRouteObserver(tracing, req.context)).toBeUndefined();
    const headers: Record<string, string> = {};
    tracing.inject(req.context, headers);
    expect(headers.traceparent).toBe(`00-${TRACE_ID}-${PARENT_ID}-01`);
    expect(traceIdOf(tracing.extract({}))).toBeUndefined();
    expect(tracing.tracer.startSpan('x').isRecording()).toBe(false);
  });
});
