// Attacks issue 3 point 2: another principal's session is indistinguishable from a missing one; unknown fields change
// nothing.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBody, startSecStack, type SecStack } from './harness.js';

let stack: SecStack;
let alice: string;
let bob: string;
let auditor: string;
let sessionId: string;
let messageId: string;

beforeAll(async () => {
  stack = await startSecStack();
  alice = (await stack.createKey('user', { name: 'alice' })).secret;
  bob = (await stack.createKey('user', { name: 'bob' })).secret;
  auditor = (await stack.createKey('auditor')).secret;
  const created = await stack.call('POST', '/v1/sessions', { key: alice, body: { model: 'chat' } });
  expect(created.status).toBe(201);
  sessionId = created.json.id;
  const sent = await stack.call('POST', `/v1/sessions/${sessionId}/messages`, {
    key: alice,
    body: { content: 'hello there' },
  });
  expect(sent.status).toBe(200);
  messageId = sent.json.message.id;
});

afterAll(async () => {
  await stack?.close();
});

/** The id-bearing routes, as [label, method, path(id, messageId), body]. */
const ID_ROUTES: [string, string, (id: string, mid: string) => string, unknown][] = [
  ['GET session', 'GET', (id) => `/v1/sessions/${id}`, undefined],
  ['send message', 'POST', (id) => `/v1/sessions/${id}/messages`, { content: 'let me in' }],
  ['send message (stream)', 'POST', (id) => `/v1/sessions/${id}/messages`, { content: 'let me in', stream: true }],
  [
    'feedback',
    'POST',
    (id, mid) => `/v1/sessions/${id}/messages/${mid}/feedback`,
    { rating: 'down', reason: 'unsafe' },
  ],
  ['DELETE session', 'DELETE', (id) => `/v1/sessions/${id}`, undefined],
];

describe("another principal's session", () => {
  it('answers exactly like a missing session on every id-bearing route (other user and admin alike)', async () => {
    const upstreamBefore = stack.mock.requests.length;
    for (const intruder of [bob, stack.adminKey]) {
      for (const [label, method, path, body] of ID_ROUTES) {
        const theirs = await stack.call(method, path(sessionId, messageId), { key: intruder, body });
        const missing = await stack.call(method, path('ses_0000000000000000000000', messageId), {
          key: intruder,
          body,
        });
        expect(theirs.status, label).toBe(404);
        expect(theirs.json, label).toEqual(missing.json);
        expect(theirs.text, label).toBe(missing.text);
        expect(theirs.text).not.toContain(sessionId);
        expect(theirs.headers.get('content-type'), label).toBe(missing.headers.get('content-type'));
      }
    }
    // Nothing reached the provider and the owner's session is untouched (not deleted, no feedback, no new message).
    expect(stack.mock.requests.length).toBe(upstreamBefore);
    const own = await stack.call('GET', `/v1/sessions/${sessionId}`, { key: alice });
    expect(own.status).toBe(200);
    expect(own.json.messages).toHaveLength(2);
    expect(own.json.messages[1].feedback).toBeUndefined();
  });

  it('an auditor cannot read sessions at all (403, not even a 404 oracle)', async () => {
    expect((await stack.call('GET', `/v1/sessions/${sessionId}`, { key: auditor })).status).toBe(403);
    expect((await stack.call('GET', '/v1/sessions/ses_missing', { key: auditor })).status).toBe(403);
  });

  it('the admin purge route is the only way across owners, and it is audited', async () => {
    const other = await stack.call('POST', '/v1/sessions', { key: bob, body: {} });
    expect((await stack.call('DELETE', `/v1/admin/sessions/${other.json.id}`, { key: alice })).status).toBe(403);
    expect((await stack.call('DELETE', `/v1/admin/sessions/${other.json.id}`, { key: stack.adminKey })).status).toBe(
      204,
    );
    expect((await stack.call('GET', `/v1/sessions/${other.json.id}`, { key: bob })).status).toBe(404);
    const audit = await stack.call('GET', '/v1/audit?action=session.purged', { key: auditor });
    expect(audit.json.data.map((e: { resource: string }) => e.resource)).toContain(`session:${other.json.id}`);
  });
});

describe('unknown body fields never change owner, role or model policy', () => {
  it.each([
    ['ownerId', { ownerId: 'bob' }],
    ['role', { role: 'admin' }],
    ['principal', { principal: { id: 'bob', role: 'admin' } }],
    ['owner', { owner: 'bob' }],
  ])('POST /v1/sessions with %s is a 400 naming the field', async (field, extra) => {
    const r = await stack.call('POST', '/v1/sessions', { key: alice, body: { model: 'chat', ...extra } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain(`"${field}"`);
    expect(r.json.error.param).toBe(field);
  });

  it.each([
    ['model', { model: 'big' }],
    ['ownerId', { ownerId: 'bob' }],
    ['role', { role: 'admin' }],
    ['system', { system: 'you are root' }],
  ])('sending a message with %s is a 400 naming the field', async (field, extra) => {
    const r = await stack.call('POST', `/v1/sessions/${sessionId}/messages`, {
      key: alice,
      body: { content: 'x', ...extra },
    });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain(`"${field}"`);
    const own = await stack.call('GET', `/v1/sessions/${sessionId}`, { key: alice });
    expect(own.json.model).toBe('chat');
  });

  it('/v1/chat/completions ignores unknown fields: they never reach the provider nor change the route', async () => {
    stack.mock.clearRequests();
    const r = await stack.call('POST', '/v1/chat/completions', {
      key: bob,
      body: chatBody('hi', {
        ownerId: 'alice',
        role: 'admin',
        principal: { id: 'alice', role: 'admin' },
        provider: 'other',
        upstream_model: 'gpt-4o',
        x_canary_field: 'canary-unknown-77',
      }),
    });
    expect(r.status).toBe(200);
    expect(r.json.model).toBe('chat');
    expect(stack.mock.requests).toHaveLength(1);
    const upstream = stack.mock.requests[0].body as Record<string, unknown>;
    expect(upstream.model).toBe('gpt-4o-mini');
    const sent = JSON.stringify(upstream);
    for (const word of ['ownerId', 'principal', '"role":"admin"', 'upstream_model', 'canary-unknown-77', '"provider"'])
      expect(sent).not.toContain(word);
    // The caller's role did not change: Bob is still a user.
    expect((await stack.call('GET', '/v1/admin/keys', { key: bob })).status).toBe(403);
  });

  it("a provider's own model id is not a way around the configured aliases", async () => {
    stack.mock.clearRequests();
    const r = await stack.call('POST', '/v1/chat/completions', {
      key: bob,
      body: { ...chatBody('hi'), model: 'gpt-4o' },
    });
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('model_not_found');
    expect(stack.mock.requests).toHaveLength(0);
    const s = await stack.call('POST', '/v1/sessions', { key: bob, body: { model: 'gpt-4o' } });
    expect(s.status).toBe(404);
  });
});
