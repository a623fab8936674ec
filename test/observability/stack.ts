// Telemetry test stack: a real Parley (startParley) with a mock upstream, captured logs and an in-process OTLP
// receiver.

import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { startParley, type RunningParley } from '../../src/main.js';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../src/mock-upstream/index.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTracing } from '../../src/observability/tracing.js';

/** One OTLP attribute as the JSON encoding carries it. */
export interface OtlpAttr {
  key: string;
  value: Record<string, unknown>;
}
/** One exported span (the fields the tests read). */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: OtlpAttr[];
  events?: { name: string; attributes: OtlpAttr[] }[];
  status?: { code?: number; message?: string };
}
interface OtlpBody {
  resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** An OTLP/HTTP (JSON) traces receiver on 127.0.0.1:0 that keeps every body it was sent. */
export interface OtlpReceiver {
  endpoint: string;
  /** Raw request bodies, as received (for canary searches). */
  bodies: string[];
  spans(): OtlpSpan[];
  close(): Promise<void>;
}

/** Starts the receiver. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const bodies: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    bodies,
    spans: () =>
      bodies.flatMap((b) =>
        (JSON.parse(b) as OtlpBody).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
      ),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A span attribute's value (ints as numbers, arrays of strings as string arrays). */
export function attr(span: OtlpSpan, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  if (v === undefined) return undefined;
  if ('arrayValue' in v)
    return ((v.arrayValue as { values?: { stringValue: string }[] }).values ?? []).map((x) => x.stringValue);
  const raw = Object.values(v)[0];
  return typeof raw === 'string' && 'intValue' in v ? Number(raw) : raw;
}

export interface TelemetryStackOptions {
  /** YAML for `providers:` and `models:` etc.; `${MOCK}` is replaced by the mock's base URL. */
  yaml: string;
  /** Environment for `env:` references (config and secrets). */
  env?: Record<string, string>;
  mock?: MockUpstreamOptions;
  /**
   * Starts an OTLP receiver and points `telemetry.tracing` at it. With `exportDelayMs`, startParley is
   * also handed a createTracing() with that batch delay (same endpoint and ratio) so spans arrive quickly.
   */
  tracing?: { sampleRatio: number; exportDelayMs?: number };
}

/** A running stack. */
export interface TelemetryStack {
  parley: RunningParley;
  mock: MockUpstream;
  receiver?: OtlpReceiver;
  /** Every log line written so far (raw JSON text). */
  logLines: string[];
  /** Parsed log lines. */
  logs(): Record<string, unknown>[];
  adminKey: string;
  /** Creates an API key with `role` and returns its secret and id. */
  createKey(role: 'user' | 'auditor' | 'admin', name?: string): Promise<{ secret: string; id: string }>;
  /** Every response seen by `call`: method, path, status and its `x-request-id`. */
  responses: { method: string; path: string; status: number; requestId: string | null }[];
  /** JSON request helper: returns status, headers and the raw text. */
  call(
    method: string,
    path: string,
    key: string | undefined,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; text: string }>;
  close(): Promise<void>;
}

/** Starts the mock upstream, an optional OTLP receiver, and Parley with a capturing logger. */
export async function startTelemetryStack(options: TelemetryStackOptions): Promise<TelemetryStack> {
  const mock = await startMockUpstream(options.mock ?? {});
  const receiver = options.tracing ? await startOtlpReceiver() : undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-telemetry-'));
  const tracingYaml = options.tracing
    ? `telemetry: { tracing: { enabled: true, endpoint: ` +
      `"${receiver!.endpoint}", sampleRatio: ${options.tracing.sampleRatio} } }`
    : '';
  const yaml = `server: { host: 127.0.0.1, port: 0 }
dataDir: ${JSON.stringify(dataDir)}
logging: { level: info }
${tracingYaml}
${options.yaml.replaceAll('${MOCK}', mock.url)}
`;
  const env = options.env ?? {};
  const config = parseConfig(yaml, 'telemetry-test', env);
  const logLines: string[] = [];
  const logger = createLogger({
    level: 'info',
    base: { service: 'parley' },
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const t = config.telemetry.tracing;
  const tracing =
    options.tracing?.exportDelayMs === undefined
      ? undefined
      : createTracing({ ...t, serviceName: 'parley', exportDelayMs: options.tracing.exportDelayMs });
  let parley: RunningParley | undefined;
  // Everything started so far is released on every exit path, a failed start included.
  const release = async (): Promise<void> => {
    await parley?.shutdown();
    await mock.close();
    await receiver?.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  let adminKey: string;
  try {
    parley = await startParley({ config, logger, secrets: createSecretResolver({ env }), tracing });
    if (!parley.firstStart) throw new Error('expected a first start with an admin key');
    adminKey = parley.firstStart.adminKey;
  } catch (error) {
    await release();
    throw error;
  }
  const running = parley;

  const responses: TelemetryStack['responses'] = [];
  const call: TelemetryStack['call'] = async (method, path, key, body, headers = {}) => {
    const h: Record<string, string> = { ...headers };
    if (key !== undefined) h.authorization = `Bearer ${key}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(running.url + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    responses.push({ method, path, status: res.status, requestId: res.headers.get('x-request-id') });
    return { status: res.status, headers: res.headers, text };
  };
  return {
    parley: running,
    mock,
    receiver,
    logLines,
    logs: () =>
      logLines
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    adminKey,
    responses,
    call,
    async createKey(role, name = `${role} key`) {
      const res = await call('POST', '/v1/admin/keys', adminKey, { name, role });
      if (res.status !== 201) throw new Error(`key creation failed: ${res.status} ${res.text}`);
      const body = JSON.parse(res.text) as { key: { id: string }; secret: string };
      return { secret: body.secret, id: body.key.id };
    },
    close: release,
  };
}

/** Reads an SSE body into its `data:` payloads. */
export function sseData(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6));
}
