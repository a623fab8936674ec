// Test helpers: load recorded wire fixtures and replay them chunk by chunk from a tiny local HTTP server.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ChatEvent } from '../../src/domain/index.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/providers/', import.meta.url));

/**
 * Reads `<provider>/<name>.chunks.txt`: one network chunk per line, each a JSON string (so split
 * lines, CR/LF and comments are visible) or `{"base64": "..."}` for bytes that are not valid UTF-8
 * on their own (a multi-byte character split across two chunks).
 */
export function loadChunks(provider: string, name: string): Buffer[] {
  const text = readFileSync(`${FIXTURES}${provider}/${name}.chunks.txt`, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      const v: unknown = JSON.parse(line);
      if (typeof v === 'string') return Buffer.from(v, 'utf8');
      return Buffer.from((v as { base64: string }).base64, 'base64');
    });
}

/** Reads a whole fixture file (e.g. a non-streamed JSON answer). */
export function loadFixture(provider: string, file: string): string {
  return readFileSync(`${FIXTURES}${provider}/${file}`, 'utf8');
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  /** Sequence number of the TCP connection that carried the request (same number = reused). */
  socket: number;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void | Promise<void>;

export interface ReplayServer {
  port: number;
  origin: string;
  requests: RecordedRequest[];
  /** Sets how the next requests are answered. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1, port 0. Every request is recorded, then passed to the current handler. */
export async function startReplayServer(): Promise<ReplayServer> {
  let handler: Handler = (_req, res) => {
    res.writeHead(500).end();
  };
  const requests: RecordedRequest[] = [];
  const socketIds = new WeakMap<Socket, number>();
  let nextSocket = 0;
  const server = createServer({ noDelay: true, keepAliveTimeout: 5_000 }, (req, res) => {
    let socket = socketIds.get(req.socket);
    if (socket === undefined) {
      socket = ++nextSocket;
      socketIds.set(req.socket, socket);
    }
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, socket });
      void Promise.resolve(handler(req, res, body)).catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    handle(h) {
      handler = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' };

function write(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => res.write(chunk, (err) => (err ? reject(err) : resolve())));
}

/**
 * Writes the chunks one by one, waiting for each write to flush and a turn of the event loop in
 * between, so they leave as separate network packets. `end: false` keeps the response open.
 */
export async function replay(res: ServerResponse, chunks: Buffer[], opts: { end?: boolean } = {}): Promise<void> {
  if (!res.headersSent) res.writeHead(200, SSE_HEADERS);
  for (const chunk of chunks) {
    if (res.destroyed) return;
    await write(res, chunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (opts.end !== false) res.end();
}

/** Answers with a JSON body and status. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

/** A promise that resolves when the response's connection closes (e.g. because the client went away). */
export function closed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.once('close', () => resolve()));
}

/** Drains an event stream, returning what was yielded and what (if anything) was thrown. */
export async function collect(stream: AsyncIterable<ChatEvent>): Promise<{ events: ChatEvent[]; error?: unknown }> {
  const events: ChatEvent[] = [];
  try {
    for await (const ev of stream) events.push(ev);
    return { events };
  } catch (error) {
    return { events, error };
  }
}

/** Concatenated text of all `text-delta` events. */
export function textOf(events: ChatEvent[]): string {
  let s = '';
  for (const ev of events) if (ev.type === 'text-delta') s += ev.text;
  return s;
}
