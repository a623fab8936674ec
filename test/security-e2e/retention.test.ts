// Attacks issue 3 point 8: after delete or idle expiry nothing of a session can be read back (API, cache, logs, audit).

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_FILE_NAME } from '../../src/audit/audit-log.js';
import { startSecStack, until, type SecStack } from './harness.js';

let stack: SecStack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

const ANSWER = 'retention-answer-canary-4412 is the reply';
const yaml = (sessions: string) => () => `sessions: { ${sessions} }
cache: { mode: opt-in, ttl: 10m }
rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 }`;

/** Sends `content` in a new session of `key` with the cache opted in; returns the session id and the cache header. */
async function cachedTurn(
  s: SecStack,
  key: string,
  content: string,
): Promise<{ id: string; cache: string | null; status: number }> {
  const created = await s.call('POST', '/v1/sessions', { key, body: {} });
  expect(created.status).toBe(201);
  const sent = await s.call('POST', `/v1/sessions/${created.json.id}/messages`, {
    key,
    body: { content },
    headers: { 'x-parley-cache': 'use' },
  });
  expect(sent.status).toBe(200);
  return { id: created.json.id, cache: sent.headers.get('x-parley-cache'), status: sent.status };
}

/** Everything durable Parley wrote about the session: log text and the audit file. */
async function traces(
  s: SecStack,
): Promise<{ logs: string; audit: string; events: { action: string; resource?: string }[] }> {
  const response = await s.call('GET', '/v1/audit?limit=10000', { key: s.adminKey });
  const audit = await readFile(join(s.dataDir, DEFAULT_AUDIT_FILE_NAME), 'utf8');
  return { logs: s.logText(), audit, events: response.json.data };
}

function expectNoContent(where: string, text: string, prompt: string): void {
  expect(text.includes(prompt), `${where} holds the prompt`).toBe(false);
  expect(text.includes('retention-answer-canary'), `${where} holds the answer`).toBe(false);
}

describe('retention and erasure', () => {
  it('DELETE purges the session, its cached answers and leaves only ids behind', async () => {
    const s = (stack = await startSecStack({ yaml: yaml('idleTtl: 30m, sweepInterval: 1m') }));
    s.mock.setScenario({ replyText: ANSWER });
    const user = (await s.createKey('user')).secret;
    const prompt = 'retention-prompt-canary-delete-9917';

    const first = await cachedTurn(s, user, prompt);
    expect(first.cache).toBe('miss');
    // Control: the answer is cached, so an identical request in another session is served without the provider.
    const upstream = s.mock.requests.length;
    const control = await cachedTurn(s, user, prompt);
    expect(control.cache).toBe('hit');
    expect(s.mock.requests.length).toBe(upstream);
    const read = await s.call('GET', `/v1/sessions/${first.id}`, { key: user });
    expect(read.text).toContain(ANSWER);

    expect((await s.call('DELETE', `/v1/sessions/${first.id}`, { key: user })).status).toBe(204);
    const gone = await s.call('GET', `/v1/sessions/${first.id}`, { key: user });
    expect(gone.status).toBe(404);
    expectNoContent('the 404 body', gone.text, prompt);
    expect((await s.call('DELETE', `/v1/sessions/${first.id}`, { key: user })).status).toBe(404);
    expect(
      (await s.call('POST', `/v1/sessions/${first.id}/messages`, { key: user, body: { content: 'more' } })).status,
    ).toBe(404);
    // The store itself holds nothing under that id, whoever asks (the admin purge looks it up regardless of owner).
    expect((await s.call('DELETE', `/v1/admin/sessions/${first.id}`, { key: s.adminKey })).status).toBe(404);

    // The cached answer derived from it is gone: the next identical request is a miss and reaches the provider.
    const after = await cachedTurn(s, user, prompt);
    expect(after.cache).toBe('miss');
    expect(s.mock.requests.length).toBe(upstream + 1);

    const t = await traces(s);
    expectNoContent('logs', t.logs, prompt);
    expectNoContent('audit file', t.audit, prompt);
    const mine = t.events.filter((e) => e.resource === `session:${first.id}`).map((e) => e.action);
    expect(mine).toEqual(expect.arrayContaining(['session.created', 'session.deleted']));
  });

  it('idle expiry purges the session and its cached answers, and is audited as session.expired', async () => {
    const s = (stack = await startSecStack({ yaml: yaml('idleTtl: 1s, sweepInterval: 50ms') }));
    s.mock.setScenario({ replyText: ANSWER });
    const user = (await s.createKey('user')).secret;
    const prompt = 'retention-prompt-canary-expiry-5523';
    const first = await cachedTurn(s, user, prompt);
    expect(first.cache).toBe('miss');
    const upstream = s.mock.requests.length;
    expect((await cachedTurn(s, user, prompt)).cache).toBe('hit'); // control: the answer is cached

    await until(
      async () =>
        (await s.call('GET', '/v1/audit?action=session.expired', { key: s.adminKey })).json.data.some(
          (e: { resource?: string }) => e.resource === `session:${first.id}`,
        ),
      8_000,
      'session.expired',
    );
    const gone = await s.call('GET', `/v1/sessions/${first.id}`, { key: user });
    expect(gone.status).toBe(404);
    expectNoContent('the 404 body', gone.text, prompt);
    expect((await s.call('DELETE', `/v1/admin/sessions/${first.id}`, { key: s.adminKey })).status).toBe(404);

    const after = await cachedTurn(s, user, prompt);
    expect(after.cache).toBe('miss');
    expect(s.mock.requests.length).toBe(upstream + 1);

    const t = await traces(s);
    expectNoContent('logs', t.logs, prompt);
    expectNoContent('audit file', t.audit, prompt);
    const expired = t.events.find((e) => e.action === 'session.expired' && e.resource === `session:${first.id}`);
    expect(expired).toBeDefined();
    expect(JSON.stringify(expired)).not.toContain(prompt);
  });
});
