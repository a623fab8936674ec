// The dispatch-based upstream exchange against a real local HTTP server: bodies, backpressure, release and abort.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { once } from 'node:events';
import { Agent } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LightAbortController, ParleyError } from '../../src/domain/index.js';
import { postUpstream, readJsonBody } from '../../src/providers/upstream-http.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let origin: string;
let handler: Handler = (_req, res) => res.end('{}');
const sockets = new Set<Socket>();
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

let agent: Agent;
afterEach(async () => {
  await agent?.close();
});

const post = (signal: AbortSignal = new LightAbortController().signal) =>
  postUpstream(agent, origin, '/v1/x', { 'content-type': 'application/json' }, '{"a":1}', signal);

describe('UpstreamExchange through postUpstream', () => {
  it('reads a JSON body and reuses the keep-alive connection for the next call', async () => {
    agent = new Agent({ connections: 1 });
    handler = (req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () =>
        res
          .setHeader('content-type', 'application/json')
          .end(JSON.stringify({ echo: JSON.parse(body), method: req.method })),
      );
    };
    const before = connections;
    for (let i = 0; i < 3; i++) {
      const res = await post();
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
      expect(await readJsonBody(res.body)).toEqual({ echo: { a: 1 }, method: 'POST' });
      res.body.release(true);
    }
    expect(connections - before).toBe(1);
  });

  it('joins multi-byte characters split across chunks', async () => {
    agent = new Agent();
    const text = JSON.stringify({ t: 'é'.repeat(10) });
    const bytes = Buffer.from(text);
    handler = (_req, res) => {
      res.write(bytes.subarray(0, 8)); // splits the first 'é' (2 bytes)
      setTimeout(() => res.end(bytes.subarray(8)), 5);
    };
    const res = await post();
    expect(await res.body.text()).toBe(text);
  });

  it('throws the provider error for a non-2xx answer, with retry-after', async () => {
    agent = new Agent();
    handler = (_req, res) =>
      res.writeHead(429, { 'retry-after': '2' }).end(JSON.stringify({ error: { message: 'slow down' } }));
    const error = await post().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ParleyError);
    expect((error as ParleyError).code).toBe('upstream_rate_limited');
    expect((error as ParleyError).retryAfterMs).toBe(2000);
    expect((error as ParleyError).message).toContain('slow down');
  });

  it('streams chunks as they arrive and pauses the socket while the reader lags (backpressure)', async () => {
    agent = new Agent();
    const chunk = 'x'.repeat(16 * 1024);
    let written = 0;
    let blocked = false;
    const total = 4 * 1024 * 1024;
    const drained = { count: 0 };
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = (): void => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) {
            blocked = true;
            res.once('drain', () => {
              drained.count++;
              pump();
            });
            return;
          }
        }
        res.end();
      };
      pump();
    };
    const res = await post();
    const iterator = res.body.chunks();
    const first = await iterator.next();
    expect(first.done).toBe(false);
    // The reader stops: the server must run into backpressure instead of us buffering 4 MiB.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(blocked).toBe(true);
    expect(written).toBeLessThan(total);
    let read = (first.value as Uint8Array).length;
    for (;;) {
      const next = await iterator.next();
      if (next.done === true) break;
      read += next.value.length;
    }
    expect(read).toBe(total);
    expect(drained.count).toBeGreaterThan(0);
  });

  it('release(false) on an unfinished body closes the connection; the next call opens a new one', async () => {
    agent = new Agent({ connections: 1 });
    let open: ServerResponse | undefined;
    handler = (_req, res) => {
      open = res;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    };
    const res = await post();
    const iterator = res.body.chunks();
    await iterator.next();
    const closed = once(open!, 'close');
    res.body.release(false);
    await closed;
    handler = (_req, r) => r.end('{"ok":true}');
    const before = connections;
    const again = await post();
    expect(await readJsonBody(again.body)).toEqual({ ok: true });
    expect(connections - before).toBe(1);
  });

  it('an abort before the response rejects with the signal reason and cancels the request', async () => {
    agent = new Agent();
    let seen: ServerResponse | undefined;
    handler = (_req, res) => {
      seen = res; // never answers
    };
    const controller = new LightAbortController();
    const pending = post(controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(seen).toBeDefined();
    const closed = once(seen!, 'close');
    const reason = new ParleyError('upstream_timeout', 'first byte too late');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await closed;
  });

  it('an abort mid-body rejects the waiting read', async () => {
    agent = new Agent();
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    };
    const controller = new LightAbortController();
    const res = await post(controller.signal);
    const iterator = res.body.chunks();
    await iterator.next();
    const waiting = iterator.next();
    controller.abort(new ParleyError('client_closed', 'gone'));
    await expect(waiting).rejects.toMatchObject({ code: 'client_closed' });
  });

  it('an already aborted signal never sends the request', async () => {
    agent = new Agent();
    let hits = 0;
    handler = (_req, res) => {
      hits++;
      res.end('{}');
    };
    const controller = new LightAbortController();
    controller.abort(new ParleyError('client_closed', 'gone'));
    await expect(post(controller.signal)).rejects.toMatchObject({ code: 'client_closed' });
    expect(hits).toBe(0);
  });

  it('a connection cut mid-body rejects the read with a network error', async () => {
    agent = new Agent();
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n', () => setTimeout(() => res.socket?.destroy(), 10));
    };
    const res = await post();
    const iterator = res.body.chunks();
    await iterator.next();
    await expect(iterator.next()).rejects.toBeInstanceOf(Error);
  });

  it('a refused connection is upstream_network', async () => {
    agent = new Agent();
    const closedPort = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as AddressInfo;
        s.close(() => resolve(port));
      });
    });
    const error = await postUpstream(
      agent,
      `http://127.0.0.1:${closedPort}`,
      '/',
      {},
      '{}',
      new LightAbortController().signal,
    ).catch((e: unknown) => e);
    expect((error as ParleyError).code).toBe('upstream_network');
  });
});
