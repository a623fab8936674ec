// Behind a reverse proxy: the client address comes from X-Forwarded-For only when the peer is a listed proxy.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_AUDIT_FILE_NAME } from '../../src/audit/audit-log.js';
import { startSecStack, type SecStack } from './harness.js';

const LIMITS = 'rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0, failedAuthPerMinute: 2 }';

interface AuditLine {
  action: string;
  outcome: string;
  clientAddress?: string;
  details?: { reason?: string };
}

async function auditLines(stack: SecStack): Promise<AuditLine[]> {
  await stack.parley.audit.flush();
  const text = await readFile(join(stack.dataDir, DEFAULT_AUDIT_FILE_NAME), 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as AuditLine);
}

/** GET /v1/models as a client behind the proxy (the test itself is the proxy at 127.0.0.1). */
const viaProxy = (stack: SecStack, key: string, forwardedFor: string) =>
  stack.call('GET', '/v1/models', { key, headers: { 'x-forwarded-for': forwardedFor } });

describe('trusted proxies', () => {
  let stack: SecStack;
  let user: string;
  beforeAll(async () => {
    stack = await startSecStack({ server: 'trustedProxies: [127.0.0.1]', yaml: () => LIMITS });
    user = (await stack.createKey('user', { name: 'behind the proxy' })).secret;
  });
  afterAll(async () => stack?.close());

  it('limits and audits each client behind the proxy by its own address, not the proxy’s', async () => {
    for (let i = 0; i < 2; i++) expect((await viaProxy(stack, 'prl_bogus', '203.0.113.7')).status).toBe(401);
    // That client is now limited, even with a good key...
    expect((await viaProxy(stack, user, '203.0.113.7')).status).toBe(429);
    // ...also when it prepends a made-up address: only the part the proxy appended is believed.
    expect((await viaProxy(stack, user, '198.51.100.99, 203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy is not.
    expect((await viaProxy(stack, user, '198.51.100.9')).status).toBe(200);

    const lines = await auditLines(stack);
    const failures = lines.filter((l) => l.action === 'auth.failure');
    expect(failures.map((l) => [l.outcome, l.details?.reason, l.clientAddress])).toEqual([
      ['failure', 'malformed', '203.0.113.0/24'],
      ['failure', 'malformed', '203.0.113.0/24'],
      ['denied', 'client_limited', '203.0.113.0/24'],
      ['denied', 'client_limited', '203.0.113.0/24'],
    ]);
    expect(lines.filter((l) => l.action === 'auth.success').at(-1)?.clientAddress).toBe('198.51.100.0/24');
  });
});

describe('without trusted proxies (the default)', () => {
  let stack: SecStack;
  beforeAll(async () => {
    stack = await startSecStack({ yaml: () => LIMITS });
  });
  afterAll(async () => stack?.close());

  it('ignores X-Forwarded-For: a client cannot pick its address to dodge the limit or mislead the audit trail', async () => {
    const user = (await stack.createKey('user', { name: 'direct' })).secret;
    for (const forged of ['203.0.113.7', '203.0.113.8'])
      expect((await viaProxy(stack, 'prl_bogus', forged)).status).toBe(401);
    expect((await viaProxy(stack, user, '198.51.100.9')).status).toBe(429);
    const failures = (await auditLines(stack)).filter((l) => l.action === 'auth.failure');
    expect(failures.map((l) => l.clientAddress)).toEqual(['127.0.0.0/24', '127.0.0.0/24', '127.0.0.0/24']);
  });
});
