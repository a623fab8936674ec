// SseWriter on a real socket: frames of one tick leave together; writeToken sends the first token at once.

import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SseWriter } from '../../src/http/sse.js';

/** Runs `handle` for one request on a fresh server and returns the body the client received. */
async function exchange(handle: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => handle(res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, path: '/' });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    let body = '';
    for await (const chunk of res) body += chunk;
    return body;
  } finally {
    server.close();
  }
}

describe('SseWriter', () => {
  it('joins frames written in one tick into one socket write, sent on the next tick', async () => {
    let sentSync = -1;
    let sentAfterTick = -1;
    const body = await exchange((res) => {
      const writer = new SseWriter(res);
      writer.open({ 'x-test': '1' });
      void writer.write('{"a":1}');
      void writer.write('{"b":2}', 'delta');
      sentSync = res.socket!.bytesWritten;
      process.nextTick(() => {
        // Node's first response write corks the socket until the tick after: look one tick later.
        process.nextTick(() => {
          sentAfterTick = res.socket!.bytesWritten - res.socket!.writableLength;
          writer.end();
        });
      });
    });
    expect(sentSync).toBe(0);
    expect(sentAfterTick).toBeGreaterThan(0);
    expect(body).toBe('data: {"a":1}\n\nevent: delta\ndata: {"b":2}\n\n');
  });

  it('writeToken sends the first token (and what was queued before it) before returning; later tokens join the next tick', async () => {
    let queuedAfterFirst = -1;
    let writtenAfterFirst = -1;
    let writtenAfterSecond = -1;
    const body = await exchange((res) => {
      const writer = new SseWriter(res);
      writer.open({});
      void writer.write('{"role":true}');
      void writer.writeToken('{"first":true}');
      // Handed to the kernel, not held in the (corked) socket's buffer.
      queuedAfterFirst = res.socket!.writableLength;
      writtenAfterFirst = res.socket!.bytesWritten;
      void writer.writeToken('{"second":true}');
      writtenAfterSecond = res.socket!.bytesWritten;
      writer.end();
    });
    expect(queuedAfterFirst).toBe(0);
    expect(writtenAfterFirst).toBeGreaterThan(0);
    expect(writtenAfterSecond).toBe(writtenAfterFirst);
    expect(body).toBe('data: {"role":true}\n\ndata: {"first":true}\n\ndata: {"second":true}\n\n');
  });
});
