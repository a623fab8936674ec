// InflightRegistry.abortAll: aborts every in-flight request and resolves once their last frames are out.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyReply } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { ParleyError } from '../../src/domain/index.js';
import { InflightRegistry } from '../../src/http/request-context.js';
import { readUntil } from './harness.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('InflightRegistry.abortAll', () => {
  it('resolves only after every aborted response wrote its final frame and closed', async () => {
    const registry = new InflightRegistry();
    server = createServer((_req, res) => {
      const signal = registry.signalFor({ raw: res } as FastifyReply);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
      // Like the SSE routes: the abort reaches the handler a few ticks later, which then writes its error frame.
      signal.addEventListener('abort', () => {
        setTimeout(
          () => res.end(`data: ${JSON.stringify({ error: { code: (signal.reason as ParleyError).code } })}\n\n`),
          30,
        );
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const { text: head, reader } = await readUntil(res, (text) => text.includes('first'));
    expect(registry.size).toBe(1);

    await registry.abortAll(new ParleyError('shutting_down', 'Parley is shutting down'));
    expect(registry.size).toBe(0);
    // Destroying every connection now (as shutdown does) no longer loses the final frame.
    server.closeAllConnections();
    let text = head;
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('"code":"shutting_down"');
  });

  it('resolves at once when nothing is in flight, and after the grace period at the latest', async () => {
    const registry = new InflightRegistry();
    await registry.abortAll(new ParleyError('shutting_down', 'x'));
    server = createServer((_req, res) => {
      registry.signalFor({ raw: res } as FastifyReply);
      res.writeHead(200).write('hanging');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/`);
    await readUntil(res, (text) => text.includes('hanging'));
    const started = Date.now();
    await registry.abortAll(new ParleyError('shutting_down', 'x'), 100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
