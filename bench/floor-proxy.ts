// The floor of any Node.js gateway: a bare node:http server piping each request to the upstream with undici and back.

import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';

/** Connection-level headers that a proxy must not forward (RFC 9110 §7.6.1), plus `host`. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'host',
]);

/** Options of {@link startFloorProxy}. */
export interface FloorProxyOptions {
  /** Origin of the upstream, e.g. http://127.0.0.1:9000 (request paths are forwarded unchanged). */
  upstream: string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Keep-alive connections to the upstream (default 1100, like Parley's bench configuration). */
  connections?: number;
}

/** A running floor proxy. */
export interface FloorProxy {
  /** Base URL without a trailing slash. */
  readonly url: string;
  close(): Promise<void>;
}

function copyHeaders(
  source: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function forward(pool: Pool, req: IncomingMessage, res: ServerResponse): void {
  const controller = new AbortController();
  // writableEnded, not writableFinished: under load the socket may still hold bytes at 'close'
  // time, and aborting an already finished request costs a DOMException per request.
  res.once('close', () => {
    if (!res.writableEnded) controller.abort();
  });
  const method = (req.method ?? 'GET') as Dispatcher.HttpMethod;
  const hasBody = method !== 'GET' && method !== 'HEAD';
  pool
    .request({
      path: req.url ?? '/',
      method,
      headers: copyHeaders(req.headers),
      body: hasBody ? req : undefined,
      signal: controller.signal,
    })
    .then(
      ({ statusCode, headers, body }) => {
        res.writeHead(statusCode, copyHeaders(headers) as OutgoingHttpHeaders);
        // pipe(), not stream.pipeline(): pipeline allocates and aborts an AbortController per call.
        body.once('error', () => res.destroy());
        body.pipe(res);
      },
      () => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const text = '{"error":{"message":"floor proxy: upstream unreachable","type":"floor_proxy"}}';
        res.writeHead(502, { 'content-type': 'application/json', 'content-length': String(text.length) }).end(text);
      },
    );
}

/** Starts the pass-through proxy; no parsing, no validation, no logging on the hot path. */
export async function startFloorProxy(opts: FloorProxyOptions): Promise<FloorProxy> {
  const origin = new URL(opts.upstream).origin;
  const pool = new Pool(origin, {
    connections: opts.connections ?? 1100,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
  });
  const server = createServer((req, res) => forward(pool, req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await pool.close();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      upstream: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
    },
    strict: true,
  });
  if (!values.upstream)
    throw new Error('Usage: node --import tsx bench/floor-proxy.ts --upstream http://127.0.0.1:9000 [--port N]');
  const proxy = await startFloorProxy({ upstream: values.upstream, port: Number(values.port), host: values.host });
  process.stdout.write(`READY ${proxy.url}\n`);
  const stop = (): void => void proxy.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
