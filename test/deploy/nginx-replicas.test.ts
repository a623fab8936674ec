// Three replicas behind nginx with ops/nginx/parley.conf, sharing Redis and PostgreSQL: answers, unbuffered
// streams, sessions served by any replica, request ids, client addresses, passive health checks and no replay of
// a POST once it was sent.

import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import { chatBody, chunkText, modelRequests, parseSse, waitFor } from '../integration/harness.js';
import { startReplicaStack, type ReplicaStack } from './replica-stack.js';

/** The test's client connects from another loopback address than nginx's, so the two can be told apart. */
const CLIENT_ADDRESS = '127.0.9.9';
const client = new Agent({ localAddress: CLIENT_ADDRESS });

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  undiciFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    dispatcher: client,
  });

/** Access-log lines of nginx (format `parley`) whose request id is `rid`. */
const accessLines = async (stack: ReplicaStack, rid: string) =>
  (await stack.nginx.accessLog()).split('\n').filter((l) => l.includes(`rid=${rid} `));

describe('replicas behind nginx (ops/nginx/parley.conf)', () => {
  let stack: ReplicaStack;
  beforeAll(async () => {
    stack = await startReplicaStack({ count: 3 });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await client.close();
  });

  it('passes plain answers through, spread over every replica (no stickiness needed)', async () => {
    const served = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const rid = `plain-${i}`;
      const res = await post(`${stack.nginx.url}/v1/chat/completions`, chatBody('chat', `question ${i}`), {
        'x-request-id': rid,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { choices: Array<{ message: { content: string } }> };
      expect(body.choices[0].message.content).toBe(mockReplyText(`question ${i}`, 16));
      const upstream = /upstream=(\S+)/.exec((await accessLines(stack, rid))[0] ?? '')?.[1];
      expect(upstream).toBeDefined();
      served.add(upstream!);
    }
    expect([...served].sort()).toEqual(stack.replicas.map((r) => r.address).sort());
  });

  it('serves one session from every replica in turn (state in Redis, no stickiness)', async () => {
    const created = await post(`${stack.nginx.url}/v1/sessions`, { model: 'chat' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // Each turn goes straight to a different replica: each must read the turns the others stored.
    for (const [i, replica] of stack.replicas.entries()) {
      const res = await undiciFetch(`${replica.url}/v1/sessions/${id}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ content: `turn ${i}` }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const view = (await (await undiciFetch(`${stack.nginx.url}/v1/sessions/${id}`, { dispatcher: client })).json()) as {
      messages: Array<{ role: string; content: string }>;
    };
    expect(view.messages.filter((m) => m.role === 'user').map((m) => m.content)).toEqual([
      'turn 0',
      'turn 1',
      'turn 2',
    ]);
    expect(view.messages.filter((m) => m.role === 'assistant')).toHaveLength(3);
  });

  it('streams token by token: the first tokens reach the client while the provider still holds the rest', async () => {
    // The provider sends two tokens, then holds the stream open: a buffering proxy would pass nothing until
    // Parley gave up on the idle stream and ended it with an error event.
    stack.mock.setScenario({ tokens: 6, stallAfterTokens: 2 });
    try {
      const res = await post(
        `${stack.nginx.url}/v1/chat/completions`,
        chatBody('chat', 'stream please', { stream: true }),
        { 'accept-encoding': 'gzip' },
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('content-encoding')).toBe('gzip'); // the harder case: nginx compresses the stream
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      while (chunkText(parseSse(text.slice(0, text.lastIndexOf('\n\n') + 2))) === '') {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before any content: ${text}`);
        text += decoder.decode(value, { stream: true });
      }
      expect(text).not.toMatch(/"error"|\[DONE\]/);
      expect(stack.mock.stats.open).toBe(1);
      await reader.cancel();
    } finally {
      stack.mock.resetScenario();
    }
    // And a whole stream arrives complete.
    stack.mock.setScenario({ tokens: 6, tokenDelayMs: 10 });
    try {
      const res = await post(
        `${stack.nginx.url}/v1/chat/completions`,
        chatBody('chat', 'stream please', { stream: true }),
      );
      const events = parseSse(await res.text());
      expect(chunkText(events)).toBe(mockReplyText('stream please', 6));
      expect(events.at(-1)?.data).toBe('[DONE]');
    } finally {
      stack.mock.resetScenario();
    }
  });

  it('passes the request id end to end, and makes one when the client sends none (or one Parley would refuse)', async () => {
    const given = await post(`${stack.nginx.url}/v1/chat/completions`, chatBody(), { 'x-request-id': 'client-rid-42' });
    expect(given.headers.get('x-request-id')).toBe('client-rid-42');
    await given.arrayBuffer();
    const logged = stack.replicas
      .flatMap((r) => r.logs)
      .filter((l) => l.reqId === 'client-rid-42' && l.msg === 'request');
    expect(logged).toHaveLength(1);
    expect(await accessLines(stack, 'client-rid-42')).toHaveLength(1);

    for (const headers of [{}, { 'x-request-id': 'not a valid id!' }] as Array<Record<string, string>>) {
      const res = await post(`${stack.nginx.url}/v1/chat/completions`, chatBody(), headers);
      await res.arrayBuffer();
      const rid = res.headers.get('x-request-id') ?? '';
      expect(rid).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, used by Parley as its own
      expect(await accessLines(stack, rid)).toHaveLength(1);
      expect(stack.replicas.flatMap((r) => r.logs).some((l) => l.reqId === rid)).toBe(true);
    }
  });

  it('records the client address nginx saw (X-Forwarded-For), not nginx’s and not one the client made up', async () => {
    const res = await post(`${stack.nginx.url}/v1/chat/completions`, chatBody(), {
      'x-request-id': 'addr-1',
      'x-forwarded-for': '198.51.100.99',
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const lines = (await stack.auditEvents()).filter((l) => l.requestId === 'addr-1' && l.action === 'auth.success');
    expect(lines.map((l) => l.clientAddress)).toEqual([`${CLIENT_ADDRESS}/32`]);
  });

  it('never replays a POST on another replica once it was sent, even when the replica dies before answering', async () => {
    stack.mock.clearRequests();
    stack.mock.setScenario({ stallBeforeHeaders: true });
    const pending = post(`${stack.nginx.url}/v1/chat/completions`, chatBody('solo', 'run me once'), {
      'x-request-id': 'once-1',
    });
    await waitFor(() => modelRequests(stack.mock).length === 1, 'the POST to reach the provider');
    // A replayed POST would now be answered 200 by the provider; the replica holding this one dies.
    stack.mock.resetScenario();
    for (const r of stack.replicas) r.parley.app.server.closeAllConnections();
    const res = await pending;
    expect(res.status).toBe(502);
    // nginx's own failure, in Parley's JSON error envelope (ops/nginx/parley.conf, error_page).
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ error: { code: 'replica_unavailable', type: 'api_error' } });
    expect(modelRequests(stack.mock)).toHaveLength(1);
    expect(await accessLines(stack, 'once-1')).toEqual([
      expect.stringMatching(/upstream=127\.0\.0\.1:\d+ upstream_status=502 /),
    ]);
  });

  it('takes a stopped replica out (passive health check) while every request, POSTs included, keeps succeeding', async () => {
    const dead = stack.replicas[1];
    await dead.stop();
    for (let i = 0; i < 12; i++) {
      const res =
        i % 2 === 0
          ? await post(`${stack.nginx.url}/v1/chat/completions`, chatBody())
          : await undiciFetch(`${stack.nginx.url}/v1/models`, { dispatcher: client });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const errors = (await stack.nginx.errorLog()).split('\n').filter((l) => l.includes(dead.address));
    const refused = errors.filter((l) => l.includes('connect() failed'));
    // max_fails=2: after two refused connections the replica is left alone for fail_timeout.
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeLessThanOrEqual(2);
    expect(errors.some((l) => l.includes('upstream server temporarily disabled'))).toBe(true);
  });
});
