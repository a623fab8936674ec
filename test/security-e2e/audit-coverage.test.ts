// Attacks issue 3 point 7: every access decision and admin action is in the trail, readable by auditors only,
// content-free, tamper-evident.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_FILE_NAME } from '../../src/audit/audit-log.js';
import { verifyAuditFile } from '../../src/compose/audit-file.js';
import { chatBody, startSecStack, until, type SecStack } from './harness.js';

const PROMPT = 'audit-prompt-canary-8841 please';
const EMAIL = 'audit.canary.person@example.net';
const FORBIDDEN = 'zyxforbiddenword';

let stack: SecStack;
let auditor: string;
let user: { id: string; secret: string };
let auditFile: string;

type Event = {
  action: string;
  outcome: string;
  resource?: string;
  principalId?: string;
  role?: string;
  requestId?: string;
  time?: string;
  details?: Record<string, unknown>;
};

async function events(query: string): Promise<Event[]> {
  const r = await stack.call('GET', `/v1/audit${query}`, { key: auditor });
  expect(r.status, r.text).toBe(200);
  return r.json.data as Event[];
}

beforeAll(async () => {
  stack = await startSecStack({
    yaml: () => `sessions: { idleTtl: 600ms, sweepInterval: 50ms }
safety: { output: { mode: enforce, holdBackChars: 32, rules: [{ category: forbidden-words, action: block, words: ["${FORBIDDEN}"] }] } }
rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0 }`,
  });
  auditFile = join(stack.dataDir, DEFAULT_AUDIT_FILE_NAME);
  auditor = (await stack.createKey('auditor')).secret;
  user = await stack.createKey('user', { name: 'audited user' });

  // Traffic that must each leave an event.
  expect((await stack.call('GET', '/v1/models', { key: 'prl_not-a-real-key' })).status).toBe(401);
  const rotated = await stack.call('POST', `/v1/admin/keys/${user.id}/rotate`, {
    key: stack.adminKey,
    body: { grace: '1h' },
  });
  expect(rotated.status).toBe(200);
  // During the grace period both the old and the new secret work; a revoked key fails at once.
  expect((await stack.call('GET', '/v1/models', { key: user.secret })).status).toBe(200);
  expect((await stack.call('GET', '/v1/models', { key: rotated.json.secret })).status).toBe(200);
  const doomed = await stack.createKey('user', { name: 'doomed' });
  expect((await stack.call('GET', '/v1/models', { key: doomed.secret })).status).toBe(200);
  expect((await stack.call('POST', `/v1/admin/keys/${doomed.id}/revoke`, { key: stack.adminKey })).status).toBe(200);
  expect((await stack.call('GET', '/v1/models', { key: doomed.secret })).status).toBe(401);
  expect((await stack.call('GET', '/v1/audit', { key: user.secret })).status).toBe(403);

  const kept = await stack.call('POST', '/v1/sessions', { key: user.secret, body: {} });
  expect(
    (
      await stack.call('POST', `/v1/sessions/${kept.json.id}/messages`, {
        key: user.secret,
        body: { content: `${PROMPT} mail ${EMAIL}` },
      })
    ).status,
  ).toBe(200);
  expect((await stack.call('DELETE', `/v1/sessions/${kept.json.id}`, { key: user.secret })).status).toBe(204);
  const expiring = await stack.call('POST', '/v1/sessions', { key: user.secret, body: {} });

  stack.mock.setScenario({ replyText: `the secret word is ${FORBIDDEN} indeed` });
  const blocked = await stack.call('POST', '/v1/chat/completions', { key: user.secret, body: chatBody(PROMPT) });
  expect(blocked.text).not.toContain(FORBIDDEN);
  stack.mock.resetScenario();

  await until(
    async () => (await events('?action=session.expired')).some((e) => e.resource === `session:${expiring.json.id}`),
    8_000,
    'session.expired',
  );
});

afterAll(async () => {
  await stack?.close();
});

describe('audit coverage over HTTP', () => {
  it('records every kind of access decision and administrative action', async () => {
    const all = await events('?limit=10000');
    const actions = new Set(all.map((e) => e.action));
    for (const action of [
      'auth.success',
      'auth.failure',
      'access.denied',
      'key.created',
      'key.rotated',
      'key.revoked',
      'session.created',
      'session.deleted',
      'session.expired',
      'privacy.protected',
      'policy.blocked',
    ]) {
      expect(actions, `missing ${action}`).toContain(action);
    }
    for (const e of all) {
      expect(e.time, JSON.stringify(e)).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(e.requestId, JSON.stringify(e)).toBeTruthy();
      expect(['success', 'failure', 'denied']).toContain(e.outcome);
    }
    const privacy = all.find((e) => e.action === 'privacy.protected');
    expect(privacy?.details).toMatchObject({ email: 1 });
    expect(privacy?.principalId).toBe(user.id);
    const blocked = all.find((e) => e.action === 'policy.blocked');
    expect(blocked?.principalId, 'policy.blocked names whose answer it was').toBeTruthy();
    expect(
      all.some((e) => e.action === 'auth.success' && e.requestId === blocked?.requestId),
      'policy.blocked carries the request id',
    ).toBe(true);
  });

  it('filters by action prefix, exact action, outcome and principal', async () => {
    const keyEvents = await events('?action=key.');
    expect(new Set(keyEvents.map((e) => e.action))).toEqual(new Set(['key.created', 'key.rotated', 'key.revoked']));
    expect(keyEvents.find((e) => e.action === 'key.rotated')?.resource).toBe(`key:${user.id}`);
    const failures = await events('?action=auth.failure&outcome=failure');
    expect(failures.length).toBeGreaterThanOrEqual(1);
    expect(failures.every((e) => e.action === 'auth.failure' && e.outcome === 'failure')).toBe(true);
    const denied = await events('?outcome=denied');
    expect(denied.some((e) => e.action === 'access.denied' && e.principalId === user.id)).toBe(true);
    const mine = await events(`?principalId=${user.id}`);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.principalId === user.id)).toBe(true);
    expect((await events('?limit=2')).length).toBe(2);
    expect((await stack.call('GET', '/v1/audit?bogus=1', { key: auditor })).status).toBe(400);
  });

  it('auditors and admins can read it; users cannot', async () => {
    expect((await stack.call('GET', '/v1/audit', { key: auditor })).status).toBe(200);
    expect((await stack.call('GET', '/v1/audit', { key: stack.adminKey })).status).toBe(200);
    const refused = await stack.call('GET', '/v1/audit', { key: user.secret });
    expect(refused.status).toBe(403);
    expect(refused.json.error.message).toContain('audit:read');
  });

  it('records carry no content: no prompt, no answer, no personal data, no credential', async () => {
    const text = JSON.stringify(await events('?limit=10000'));
    for (const needle of [PROMPT, 'audit-prompt-canary', EMAIL, FORBIDDEN, stack.adminKey, user.secret, auditor])
      expect(text).not.toContain(needle);
  });
});

describe('audit file integrity', () => {
  it('verifies after shutdown, and an edited byte is caught on its line', async () => {
    await stack.shutdown();
    const intact = await verifyAuditFile(auditFile);
    expect(intact.ok, JSON.stringify(intact)).toBe(true);
    const original = await readFile(auditFile, 'utf8');
    for (const needle of [PROMPT, EMAIL, FORBIDDEN]) expect(original).not.toContain(needle);

    const lines = original.split('\n');
    const target = 4; // 1-based line number to tamper with
    const line = lines[target - 1];
    const at = line.indexOf('"outcome":"') + '"outcome":"'.length;
    lines[target - 1] = line.slice(0, at) + (line[at] === 's' ? 'S' : 's') + line.slice(at + 1);
    await writeFile(auditFile, lines.join('\n'));
    const tampered = await verifyAuditFile(auditFile);
    expect(tampered.ok).toBe(false);
    if (!tampered.ok) {
      expect(tampered.line).toBe(target);
      expect(tampered.reason).toContain(`line ${target}`);
    }
    await writeFile(auditFile, original);
    expect((await verifyAuditFile(auditFile)).ok).toBe(true);
  });
});
