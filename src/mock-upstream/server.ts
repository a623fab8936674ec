// The fault-injecting fake provider: a plain node:http server speaking OpenAI and Anthropic wire formats.

import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicDialect } from './anthropic-wire.js';
import { handleChat, sendFailure } from './chat-handler.js';
import { handleEmbeddings } from './embeddings-handler.js';
import type { ChatContext } from './chat-handler.js';
import { FaultState } from './fault-state.js';
import { openaiDialect } from './openai-wire.js';
import { DEFAULT_SCENARIO, mergeScenario, parseScenario } from './scenario.js';
import type { Scenario } from './scenario.js';
import type { MockUpstream, MockUpstreamOptions, RecordedRequest } from './types.js';
import type { Dialect } from './wire.js';

const DEFAULT_MODELS = ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini', 'claude-haiku-4-5', 'claude-sonnet-4-5', 'mock-model'];

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  res
    .writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) })
    .end(text);
}

function parseBody(text: string): { parsed: unknown; recorded: unknown } {
  if (text === '') return { parsed: undefined, recorded: undefined };
  try {
    const parsed: unknown = JSON.parse(text);
    return { parsed, recorded: parsed };
  } catch {
    return { parsed: undefined, recorded: text };
  }
}

/**
 * Starts a mock upstream on `host:port` (default 127.0.0.1 and a free port).
 * Routes: POST /v1/chat/completions (OpenAI), POST /v1/messages (Anthropic), POST /v1/embeddings (OpenAI), GET
 * /v1/models (Anthropic
 * shape when `anthropic-version` is sent), the `/v1` prefix being optional; admin API:
 * GET|POST|DELETE /__mock/scenario, GET|DELETE /__mock/requests, GET /__mock/stats.
 */
export async function startMockUpstream(opts: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const initial = mergeScenario(DEFAULT_SCENARIO, opts.scenario);
  let current: Scenario = initial;
  const record = opts.record ?? true;
  const maxRecorded = opts.maxRecorded ?? 10_000;
  const models = opts.models ?? DEFAULT_MODELS;
  const openai = openaiDialect(models);
  const anthropic = anthropicDialect(models);
  const faults = new FaultState();
  const requests: RecordedRequest[] = [];
  const stats = { requests: 0, open: 0 };
  const idPrefix = `req_mock${randomBytes(3).toString('hex')}`;
  let sequence = 0;
  let onDrained: (() => void) | undefined;

  const modelScenarios = new Map(Object.entries(opts.modelScenarios ?? {}));
  const ctx: ChatContext = {
    faults,
    baseScenario: () => current,
    keyScenarios: new Map(Object.entries(opts.keyScenarios ?? {})),
    modelScenarios,
    validKeys: opts.validKeys === undefined ? undefined : new Set(opts.validKeys),
    nextId: () => `${idPrefix}${(++sequence).toString(36).padStart(6, '0')}`,
  };

  const setScenario = (scenario: Partial<Scenario>): void => {
    current = mergeScenario(current, scenario);
    faults.reset();
  };
  const resetScenario = (): void => {
    current = initial;
    faults.reset();
  };

  const admin = (req: IncomingMessage, res: ServerResponse, path: string, body: unknown): void => {
    const method = req.method ?? 'GET';
    if (path === '/__mock/scenario' && (method === 'POST' || method === 'PUT')) {
      try {
        setScenario(parseScenario(body));
      } catch (error) {
        sendJson(res, 400, { error: { message: error instanceof Error ? error.message : String(error) } });
        return;
      }
      sendJson(res, 200, { scenario: current });
    } else if (path === '/__mock/scenario' && method === 'DELETE') {
      resetScenario();
      sendJson(res, 200, { scenario: current });
    } else if (path === '/__mock/scenario' && method === 'GET') {
      sendJson(res, 200, { scenario: current });
    } else if (path === '/__mock/requests' && method === 'GET') {
      sendJson(res, 200, { requests });
    } else if (path === '/__mock/requests' && method === 'DELETE') {
      requests.length = 0;
      sendJson(res, 200, { requests });
    } else if (path === '/__mock/stats' && method === 'GET') {
      sendJson(res, 200, stats);
    } else {
      sendJson(res, 404, { error: { message: `Unknown admin route ${method} ${path}` } });
    }
  };

  const route = (req: IncomingMessage, res: ServerResponse, text: string): void => {
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const { parsed, recorded } = parseBody(text);
    if (path.startsWith('/__mock/')) return admin(req, res, path, parsed);
    const method = req.method ?? 'GET';
    if (record) {
      if (requests.length >= maxRecorded) requests.shift();
      requests.push({ method, path, url, headers: req.headers, body: recorded, receivedAt: Date.now() });
    }
    const endpoint = path.startsWith('/v1/') ? path.slice(3) : path;
    const isAnthropic = req.headers['anthropic-version'] !== undefined || req.headers['x-api-key'] !== undefined;
    const dialect: Dialect =
      endpoint === '/messages' || (endpoint !== '/chat/completions' && isAnthropic) ? anthropic : openai;
    if ((endpoint === '/chat/completions' || endpoint === '/messages') && method === 'POST') {
      handleChat(ctx, dialect, req, res, parsed).catch(() => res.destroy());
      return;
    }
    if (endpoint === '/embeddings' && method === 'POST') {
      handleEmbeddings(ctx, openai, req, res, parsed).catch(() => res.destroy());
      return;
    }
    if (endpoint === '/models' && method === 'GET') {
      const requestId = ctx.nextId();
      const failure = dialect.checkAuth(req.headers, ctx.validKeys);
      if (failure !== undefined) return sendFailure(dialect, res, failure, requestId, null);
      const text = dialect.modelsBody();
      const length = String(Buffer.byteLength(text));
      res
        .writeHead(200, {
          'content-type': 'application/json',
          'content-length': length,
          ...dialect.baseHeaders(requestId),
        })
        .end(text);
      return;
    }
    const known =
      endpoint === '/chat/completions' ||
      endpoint === '/messages' ||
      endpoint === '/models' ||
      endpoint === '/embeddings';
    const message =
      dialect.name === 'openai'
        ? `${known ? 'Invalid method for URL' : 'Invalid URL'} (${method} ${path})`
        : `${method} ${path} not found`;
    sendFailure(dialect, res, { status: known ? 405 : 404, message, code: null }, ctx.nextId(), null);
  };

  const server = createServer((req, res) => {
    stats.requests++;
    stats.open++;
    res.once('close', () => {
      stats.open--;
      if (stats.open === 0) onDrained?.();
    });
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => route(req, res, chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => res.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          if (stats.open === 0) resolve();
          else onDrained = resolve;
        });
        server.closeAllConnections();
      });
      return closing;
    },
    setScenario,
    resetScenario,
    setModelScenario: (model, scenario) => {
      if (scenario === undefined) modelScenarios.delete(model);
      else modelScenarios.set(model, scenario);
      faults.reset();
    },
    get scenario() {
      return current;
    },
    requests,
    clearRequests: () => {
      requests.length = 0;
    },
    stats,
  };
}
