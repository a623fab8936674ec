// Security e2e harness: a real Parley (fresh data dir, first-start admin key) against the mock upstream, logs captured.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import type { ParleyApp } from '../../src/http/request-context.js';
import { startParley, type RunningParley } from '../../src/main.js';
import type { Tracing } from '../../src/observability/tracing.js';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../src/mock-upstream/index.js';

/** One HTTP answer, body as text and (when it parses) JSON. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export interface SecStack {
  parley: RunningParley;
  mock: MockUpstream;
  url: string;
  dataDir: string;
  adminKey: string;
  /** Raw log output, every chunk pino wrote (level debug). */
  logText(): string;
  /** Calls Parley; `key` becomes `Authorization: Bearer key` unless `headers.authorization` is given. */
  call(
    method: string,
    path: string,
    opts?: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<Answer>;
  /** Creates an API key over HTTP with the admin key. */
  createKey(
    role: 'user' | 'auditor' | 'admin',
    extra?: { name?: string; expiresIn?: string },
  ): Promise<{ id: string; secret: string }>;
  /** Stops Parley (draining keep-alive sockets) but keeps the data dir and the mock; idempotent. */
  shutdown(): Promise<void>;
  /** shutdown(), then closes the mock and removes a data dir the stack made. */
  close(): Promise<void>;
}

export interface SecStackOptions {
  /** YAML appended after server/dataDir/providers/models; receives the mock URL. */
  yaml?: (mockUrl: string) => string;
  /** Replaces the providers/models block. */
  providers?: (mockUrl: string) => string;
  env?: Record<string, string>;
  mock?: MockUpstreamOptions;
  /** Reuse a data dir (second start); otherwise a fresh one is made and removed on close. */
  dataDir?: string;
  plugins?: ((app: ParleyApp) => void | Promise<void>)[];
  /** Server keys added to `server:` (e.g. tls, cors). */
  server?: string;
  /** Tracing override (e.g. with a collecting exporter). */
  tracing?: Tracing;
}

export const defaultProviders = (mockUrl: string): string => `providers:
  - { id: mock, type: openai, baseUrl: "${mockUrl}/v1", apiKeys: [], retry: { retries: 0 } }
models:
  - { name: chat, targets: [{ provider: mock, model: gpt-4o-mini }] }
  - { name: big, targets: [{ provider: mock, model: gpt-4o }] }
`;

/** Builds the YAML of a test stack. */
export function stackYaml(dataDir: string, mockUrl: string, o: SecStackOptions): string {
  return `server: { host: 127.0.0.1, port: 0${o.server ? `, ${o.server}` : ''} }
dataDir: ${JSON.stringify(dataDir)}
${(o.providers ?? defaultProviders)(mockUrl)}
${o.yaml ? o.yaml(mockUrl) : 'rateLimits: { requestsPerMinute: 0, tokensPerMinute: ' + '0, concurrentStreams: 0, failedAuthPerMinute: 0 }'}
`;
}

/** Starts the mock upstream and Parley with a fresh (or given) data directory and captured logs. */
export async function startSecStack(o: SecStackOptions = {}): Promise<SecStack> {
  const ownDir = o.dataDir === undefined;
  const dataDir = o.dataDir ?? (await mkdtemp(join(tmpdir(), 'parley-sec-')));
  const mock = await startMockUpstream({ ...o.mock });
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const env = { ...o.env };
  let parley: RunningParley;
  try {
    const config = parseConfig(stackYaml(dataDir, mock.url, o), 'test', env);
    parley = await startParley({
      config,
      logger,
      secrets: createSecretResolver({ env, fileDebounceMs: 20 }),
      plugins: o.plugins,
      tracing: o.tracing,
    });
  } catch (error) {
    await mock.close();
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  const adminKey = parley.firstStart?.adminKey ?? '';
  const call: SecStack['call'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = {};
    if (opts.key !== undefined) headers.authorization = `Bearer ${opts.key}`;
    if (opts.body !== undefined || opts.rawBody !== undefined) headers['content-type'] = 'application/json';
    Object.assign(headers, opts.headers);
    const response = await fetch(parley.url + path, {
      method,
      headers,
      body: opts.rawBody ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  let stopping: Promise<void> | undefined;
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      const server = parley.app.server;
      const sweep = setInterval(() => server.closeIdleConnections(), 20);
      const cut = setTimeout(() => server.closeAllConnections(), 200);
      try {
        await parley.shutdown();
      } finally {
        clearInterval(sweep);
        clearTimeout(cut);
      }
    })());
  let closed = false;
  return {
    parley,
    mock,
    url: parley.url,
    dataDir,
    adminKey,
    logText: () => chunks.join(''),
    call,
    async createKey(role, extra = {}) {
      const r = await call('POST', '/v1/admin/keys', {
        key: adminKey,
        body: { name: extra.name ?? `${role} key`, role, ...(extra.expiresIn ? { expiresIn: extra.expiresIn } : {}) },
      });
      if (r.status !== 201) throw new Error(`creating a ${role} key failed: ${r.status} ${r.text}`);
      return { id: r.json.key.id as string, secret: r.json.secret as string };
    },
    shutdown,
    async close() {
      if (closed) return;
      closed = true;
      await shutdown();
      await mock.close();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 25 ms until it returns true (or throws after `timeoutMs`). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A minimal chat completion body. */
export const chatBody = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'chat',
  messages: [{ role: 'user', content }],
  ...extra,
});

/** True when a body looks like a stack trace or leaks internals. */
export function looksLikeStackTrace(text: string): boolean {
  return /\n\s+at\s|node_modules|\.ts:\d+|\.js:\d+|"stack"/.test(text);
}
