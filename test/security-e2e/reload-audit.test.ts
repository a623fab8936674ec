// Changes that reach the server from outside (the `parley keys` command, a rotated provider key file) are
// applied without a restart and recorded in the audit trail.

import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysCommand } from '../../src/cli/keys-command.js';
import { startSecStack, until, chatBody, type SecStack } from './harness.js';

let stack: SecStack;
let secretDir: string;
let auditorKey: string;

beforeAll(async () => {
  secretDir = mkdtempSync(join(tmpdir(), 'parley-reload-'));
  writeFileSync(join(secretDir, 'provider-key'), 'sk-first-key\n');
  stack = await startSecStack({
    mock: { validKeys: ['sk-first-key', 'sk-second-key'] },
    providers: (mockUrl) => `providers:
  - { id: mock, type: openai, baseUrl: "${mockUrl}/v1", apiKeys: ["file:${join(secretDir, 'provider-key')}"], retry: { retries: 0 } }
models:
  - { name: chat, targets: [{ provider: mock, model: gpt-4o-mini }] }
`,
  });
  auditorKey = (await stack.createKey('auditor')).secret;
});

afterAll(async () => {
  await stack?.close();
  rmSync(secretDir, { recursive: true, force: true });
});

async function auditEvents(
  query: string,
): Promise<{ action: string; resource?: string; details?: Record<string, unknown> }[]> {
  const answer = await stack.call('GET', `/v1/audit${query}`, { key: auditorKey });
  expect(answer.status).toBe(200);
  return answer.json.data;
}

describe('changes from outside the server', () => {
  it('audits a key created with the parley keys command, and the server accepts it', async () => {
    const out: string[] = [];
    expect(
      await keysCommand(['create', '--name', 'from-cli', '--role', 'user', '--json'], {
        dataDir: stack.dataDir,
        stdout: (t) => out.push(t),
      }),
    ).toBe(0);
    const { id, secret } = JSON.parse(out.join('')) as { id: string; secret: string };
    await until(
      async () =>
        (await auditEvents('?action=key.created')).some((e) => e.resource === `key:${id}` && e.details?.via === 'cli'),
      5_000,
      'key.created via cli',
    );
    expect((await stack.call('GET', '/v1/models', { key: secret })).status).toBe(200);
  });

  it('uses a rotated provider key file without a restart and records config.reloaded', async () => {
    expect(
      (await stack.call('POST', '/v1/chat/completions', { key: stack.adminKey, body: chatBody('before') })).status,
    ).toBe(200);
    expect(stack.mock.requests.at(-1)?.headers.authorization).toBe('Bearer sk-first-key');
    // Replace the file the way a secret manager does: write elsewhere, then rename over it.
    writeFileSync(join(secretDir, 'next'), 'sk-second-key\n');
    renameSync(join(secretDir, 'next'), join(secretDir, 'provider-key'));
    await until(
      async () => (await auditEvents('?action=config.reloaded')).some((e) => e.resource === 'provider:mock'),
      10_000,
      'config.reloaded',
    );
    expect(
      (await stack.call('POST', '/v1/chat/completions', { key: stack.adminKey, body: chatBody('after') })).status,
    ).toBe(200);
    expect(stack.mock.requests.at(-1)?.headers.authorization).toBe('Bearer sk-second-key');
    expect(stack.logText()).not.toContain('sk-second-key');
  });
});
