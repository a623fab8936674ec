// Integration harness: starts the mock upstream and Parley on free ports with a given YAML, plus HTTP/SSE helpers.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { parseConfig } from '../../src/config/load.js';
import { createSecretResolver } from '../../src/config/secrets.js';
import { startParley, type RunningParley } from '../../src/main.js';
import { startMockUpstream, type MockUpstream, type MockUpstreamOptions } from '../../src/mock-upstream/index.js';
import { FileKeyStore } from '../../src/compose/file-key-store.js';

/** Mock upstream + Parley wired together. */
export interface Stack {
  mock: MockUpstream;
  parley: RunningParley;
  /** Parley's base URL (no trailing slash). */
  url: string;
  /** Every log line Parley wrote, parsed (only when `captureLogs` was set). */
  logs: Record<string, unknown>[];
  /** API key secrets of the `principals` asked for, by name. */
  keys: Record<string, string>;
  /** The temporary data directory (keys, audit trail), removed on close. */
  dataDir: string;
  /** Shuts Parley down (if not already) and closes the mock. */
  close(): Promise<void>;
}

export interface StackOptions {
  /** YAML configuration; receives the mock's base URL (without /v1). */
  yaml: (mockUrl: string) => string;
  /** Environment for `env:` secret references. */
  env?: Record<string, string>;
  mock?: MockUpstreamOptions;
  /** Names of principals to issue user API keys for (each its own owner/scope); see {@link actingAs}. */
  principals?: string[];
  captureLogs?: boolean;
}

/** Starts the mock upstream, then Parley against it, with a fresh data directory. */
export async function startStack(options: StackOptions): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-it-'));
  const keys: Record<string, string> = {};
  if (options.principals && options.principals.length > 0) {
    const store = await FileKeyStore.open({ dataDir });
    for (const name of options.principals)
      keys[name] = (await store.create({ name, role: 'user', owner: name })).secret;
    await store.close();
  }
  const mock = await startMockUpstream({ ...options.mock });
  const logs: Record<string, unknown>[] = [];
  let logger: Logger;
  if (options.captureLogs) {
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line.trim() !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    logger = pino({ level: 'info' }, sink);
  } else {
    logger = pino({ level: 'silent' });
  }
  let parley: RunningParley;
  try {
    const env = { ...options.env, PARLEY_DATA_DIR: dataDir };
    const config = parseConfig(options.yaml(mock.url), 'test', env);
    parley = await startParley({ config, logger, secrets: createSecretResolver({ env }) });
  } catch (error) {
    await mock.close();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  let closed = false;
  return {
    mock,
    parley,
    url: parley.url,
    logs,
    keys,
    dataDir,
    async close() {
      if (closed) return;
      closed = true;
      // Teardown must not wait out the drain timeout on client keep-alive sockets: close them as they go
      // idle, and cut any left after 200 ms (shutdown.test.ts checks Parley's own draining without this help).
      const server = parley.app.server;
      const sweep = setInterval(() => server.closeIdleConnections(), 20);
      const cut = setTimeout(() => server.closeAllConnections(), 200);
      try {
        await parley.shutdown();
      } finally {
        clearInterval(sweep);
        clearTimeout(cut);
      }
      await mock.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Headers that act as principal `name` (one of the stack's `principals`). */
export function actingAs(stack: Stack, name: string): Record<string, string> {
  const secret = stack.keys[name];
  if (secret === undefined) throw new Error(`no API key was issued for principal ${name}; list it in principals`);
  return { authorization: `Bearer ${secret}` };
}

/** Default keys used by {@link standardYaml}. */
export const KEYS = { MAIN_KEY_A: 'key-main-a', MAIN_KEY_B: 'key-main-b', BACKUP_KEY: 'key-backup' } as const;

/**
 * The `state:` block for Redis under key prefix `prefix`, sealed with `PARLEY_STATE_KEY` (see {@link redisStateEnv}).
 */
export const redisStateYaml = (prefix: string): string => `state:
  redis: { url: "env:PARLEY_REDIS_URL", keyPrefix: "${prefix}" }
  encryptionKey: "env:PARLEY_STATE_KEY"`;

/** The environment {@link redisStateYaml} refers to: the Redis URL and a 32-byte state key filled with `fill`. */
export const redisStateEnv = (redisUrl: string, fill: number): Record<string, string> => ({
  PARLEY_REDIS_URL: redisUrl,
  PARLEY_STATE_KEY: Buffer.alloc(32, fill).toString('hex'),
});

/** Options of {@link standardYaml}. */
export interface StandardYamlOptions {
  mainKeys?: string[];
  backupKeys?: string[];
  /** Extra YAML lines appended under providers[main] (indented by the caller with 4 spaces). */
  mainExtra?: string;
  backupExtra?: string;
  /** Top-level YAML appended at the end (sessions, cache, server...). */
  extra?: string;
  contextTokens?: number;
  retries?: number;
  /** First-byte timeout (default 1s: generous for a loaded CI machine; timeout tests set less). */
  firstByte?: string;
  /** Idle timeout between stream chunks (default 1s). */
  idle?: string;
  /** Replaces the `rateLimits:` line (default: every limit off). */
  rateLimits?: string;
  /** Extra `server` keys, e.g. `bodyLimit: 32kb` or `drainTimeout: 100ms` (drainTimeout defaults to 2s). */
  server?: string;
}

/**
 * A configuration with an `openai` provider `main` and an `anthropic` provider `backup`, both on the mock,
 * and models `chat` (main → backup), `solo` (main only) and `anth` (backup only). Small timeouts, fast retries.
 */
export function standardYaml(o: StandardYamlOptions = {}): (mockUrl: string) => string {
  const mainKeys = o.mainKeys ?? ['env:MAIN_KEY_A'];
  const backupKeys = o.backupKeys ?? ['env:BACKUP_KEY'];
  const resilience = (extra?: string): string =>
    [
      `    timeouts: { connect: 1s, firstByte: ${o.firstByte ?? '1s'}, idle: ${o.idle ?? '1s'}, total: 8s }`,
      `    retry: { retries: ${o.retries ?? 2}, baseDelay: 5ms, maxDelay: 20ms, maxRetryAfter: 1s }`,
      extra ?? '    breaker: { failureThreshold: 50, window: 10s, cooldown: 500ms, halfOpenProbes: 1 }',
    ].join('\n');
  return (mockUrl) => `
server: { host: 127.0.0.1, port: 0, ${o.server ?? 'drainTimeout: 2s'} }
logging: { level: info }
auth: { anonymous: true }
${o.rateLimits ?? 'rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 }'}
providers:
  - id: main
    type: openai
    baseUrl: ${mockUrl}/v1
    apiKeys: [${mainKeys.map((k) => JSON.stringify(k)).join(', ')}]
${resilience(o.mainExtra)}
  - id: backup
    type: anthropic
    baseUrl: ${mockUrl}
    apiKeys: [${backupKeys.map((k) => JSON.stringify(k)).join(', ')}]
${resilience(o.backupExtra)}
models:
  - name: chat
    contextTokens: ${o.contextTokens ?? 8192}
    targets:
      - { provider: main, model: gpt-4o-mini }
      - { provider: backup, model: claude-haiku-4-5 }
  - name: solo
    contextTokens: ${o.contextTokens ?? 8192}
    targets:
      - { provider: main, model: gpt-4o-mini }
  - name: anth
    targets:
      - { provider: backup, model: claude-haiku-4-5 }
${o.extra ?? ''}
`;
}

/** Model requests the mock received (chat completions and messages), oldest first. */
export function modelRequests(mock: MockUpstream) {
  return mock.requests.filter((r) => r.path === '/v1/chat/completions' || r.path === '/v1/messages');
}

/** The API key a recorded request carried (Bearer or x-api-key). */
export function keyOf(request: { headers: Record<string, string | string[] | undefined> }): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string') return auth.replace(/^Bearer /, '');
  const key = request.headers['x-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/** POSTs JSON with fetch. */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal,
  });
}

/** One parsed SSE event. */
export interface SseEvent {
  event?: string;
  data: string;
}

/** Parses complete SSE text into events. */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.replace(/\r\n/g, '\n').split('\n\n')) {
    if (block.trim() === '') continue;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return events;
}

/** Reads a whole streaming response; a transport error is returned, not thrown. */
export async function readSse(res: Response): Promise<{ text: string; events: SseEvent[]; error?: unknown }> {
  let text = '';
  let error: unknown;
  try {
    text = await res.text();
  } catch (e) {
    error = e;
  }
  return { text, events: parseSse(text), error };
}

/** Reads a stream until `until` returns true for the text so far; returns the reader to continue or cancel. */
export async function readUntil(
  res: Response,
  until: (text: string) => boolean,
): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!until(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return { text, reader };
}

/** Content of OpenAI chunk frames joined. */
export function chunkText(events: SseEvent[]): string {
  let text = '';
  for (const e of events) {
    if (e.data === '[DONE]') continue;
    const chunk = JSON.parse(e.data) as { choices?: Array<{ delta?: { content?: string } }> };
    text += chunk.choices?.[0]?.delta?.content ?? '';
  }
  return text;
}

/** Polls `check` every 10 ms until it is true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A simple chat body for model `model`. */
export function chatBody(
  model = 'chat',
  text = 'hello there',
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: text }], ...extra };
}
