// Slow and broken clients: 408 for stalled headers or bodies (socket freed), Parley's envelope for malformed HTTP,
// 405 with Allow, accurate messages for prototype keys and invalid UTF-8, and empty bodies on body-less routes.

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecStack, type SecStack } from '../security-e2e/harness.js';

let stack: SecStack;
let port: number;

beforeAll(async () => {
  stack = await startSecStack({ server: 'headersTimeout: 1s, requestTimeout: 2s' });
  port = Number(new URL(stack.url).port);
});
afterAll(async () => {
  await stack?.close();
});

/** Sends raw bytes on a fresh connection; resolves with everything the server wrote and how the socket ended. */
function raw(parts: (string | Buffer)[]): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d) => (text += d.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, closed: true }));
    socket.on('connect', () => {
      for (const p of parts) socket.write(p);
    });
  });
}

function statusOf(text: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
}

function envelopeOf(text: string): { error: { code: string; message: string; type: string } } {
  return JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as {
    error: { code: string; message: string; type: string };
  };
}

describe('slow clients', () => {
  it('a body that stalls after 10 of 100 declared bytes gets 408 in the envelope and its socket is closed (even on the public /v1/auth/exchange)', async () => {
    const { text, closed } = await raw([
      'POST /v1/auth/exchange HTTP/1.1\r\nHost: x\r\nContent-Type: ' +
        'application/json\r\nContent-Length: 100\r\n\r\n{"token":"',
    ]);
    expect(statusOf(text)).toBe(408);
    expect(envelopeOf(text).error.code).toBe('request_timeout');
    expect(envelopeOf(text).error.message).toMatch(/did not arrive in time/);
    expect(closed).toBe(true);
  });

  it('headers that never finish get 408 and the socket is closed', async () => {
    const { text, closed } = await raw(['GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a']);
    expect(statusOf(text)).toBe(408);
    expect(text.toLowerCase()).toContain('x-content-type-options: nosniff');
    expect(closed).toBe(true);
  });

  it('other clients are served meanwhile', async () => {
    const stalled = raw([
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ` +
        `${stack.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{`,
    ]);
    expect((await stack.call('GET', '/healthz')).status).toBe(200);
    expect(statusOf((await stalled).text)).toBe(408);
  });
});

describe('malformed HTTP', () => {
  it.each([
    ['an unknown method', 'FROB /healthz HTTP/1.1\r\nHost: x\r\n\r\n', /not an HTTP method/],
    [
      'Content-Length with Transfer-Encoding',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: ' +
        '5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      /Transfer-Encoding is invalid or comes with a Content-Length/,
    ],
    ['bad header bytes', 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad\u0001Name: v\r\n\r\n', /bytes HTTP does not allow/],
  ])("%s gets 400 in Parley's envelope", async (_name, request, message) => {
    const { text } = await raw([Buffer.from(request, 'latin1')]);
    expect(statusOf(text)).toBe(400);
    const body = envelopeOf(text);
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(message);
    expect(text).not.toContain('Client Error');
  });

  it('oversized headers get 431 in the envelope', async () => {
    const { text } = await raw([`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
    expect(statusOf(text)).toBe(431);
    expect(envelopeOf(text).error.code).toBe('headers_too_large');
  });
});

describe('methods and bodies', () => {
  it('a wrong method is 405 with Allow; an unknown path stays 404', async () => {
    const wrong = await stack.call('PUT', '/v1/chat/completions', { key: stack.adminKey, body: {} });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect(wrong.json.error.code).toBe('method_not_allowed');
    const withParam = await stack.call('PUT', '/v1/sessions/abc', { key: stack.adminKey, body: {} });
    expect(withParam.status).toBe(405);
    expect(withParam.headers.get('allow')?.split(', ').sort()).toEqual(['DELETE', 'GET', 'HEAD', 'PATCH']);
    expect((await stack.call('GET', '/v1/nothing-here', { key: stack.adminKey })).status).toBe(404);
  });

  it.each([
    ['{"model":"chat","messages":[],"__proto__":{"admin":true}}', '"__proto__"'],
    ['{"model":"chat","messages":[],"\\u005f_proto__":{"admin":true}}', '"__proto__"'],
    ['{"model":"chat","messages":[],"constructor":{"prototype":{"admin":true}}}', '"constructor"'],
  ])('%s is refused with a message naming the key, not as invalid JSON', async (body, key) => {
    const r = await stack.call('POST', '/v1/chat/completions', { key: stack.adminKey, rawBody: body });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain(key);
    expect(r.json.error.message).not.toMatch(/not valid JSON/);
  });

  it('a "constructor" field that is plain data, or the word in a message, is accepted', async () => {
    const r = await stack.call('POST', '/v1/chat/completions', {
      key: stack.adminKey,
      rawBody: '{"model":"chat","messages":[{"role":"user","content":"what is a constructor?"}]}',
    });
    expect(r.status).toBe(200);
  });

  it('invalid UTF-8 in a JSON body is a 400 that says so', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"model":"chat","messages":[{"role":"user","content":"caf'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}]}'),
    ]);
    const res = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.adminKey}`, 'content-type': 'application/json' },
      body: bytes,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not valid UTF-8/);
  });

  it('DELETE with Content-Type: application/json and an empty body succeeds', async () => {
    const created = await stack.call('POST', '/v1/sessions', { key: stack.adminKey, body: {} });
    expect(created.status).toBe(201);
    const del = await stack.call('DELETE', `/v1/sessions/${created.json.id}`, {
      key: stack.adminKey,
      headers: { 'content-type': 'application/json' },
    });
    expect(del.status).toBeLessThan(300);
  });

  it('an empty JSON body on a route that needs one is still a clear 400', async () => {
    const r = await stack.call('POST', '/v1/chat/completions', { key: stack.adminKey, rawBody: '' });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/empty/);
  });
});
