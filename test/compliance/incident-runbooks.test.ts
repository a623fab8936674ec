// Runs every command of the incident runbooks against a real Parley (free port, own data dir) and checks their effect.

import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditCommand } from '../../src/cli/audit-command.js';
import {
  chatBody,
  startSecStack,
  stackYaml,
  until,
  type SecStack,
  type SecStackOptions,
} from '../security-e2e/harness.js';
import { readDoc, ROOT } from './doc-helpers.js';
import { runbookCommands, runCommands, usesParley, type CommandResult } from './runbook-commands.js';

const DIR = 'docs/runbooks/incidents';
const runbooks = readdirSync(join(ROOT, DIR))
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .sort();

let work: string;
let stack: SecStack;
let env: NodeJS.ProcessEnv;
let auditorKey: string;
let providerKeyFile: string;

const iso = (ms = Date.now()): string => new Date(ms).toISOString();
const call = (method: string, path: string, key: string, body?: unknown) => stack.call(method, path, { key, body });

/** Runs one runbook's commands with extra variables; every command must exit as the runbook says. */
async function runRunbook(name: string, vars: Record<string, string>): Promise<CommandResult[]> {
  const commands = runbookCommands(readDoc(`${DIR}/${name}`));
  const evidence = join(work, `evidence-${name.replace(/\.md$/, '')}`);
  mkdirSync(evidence, { recursive: true });
  const results = await runCommands(commands, { ...env, EVIDENCE: evidence, ...vars }, work, 240_000);
  const failed = results
    .filter((r) => r.exit !== r.expectExit)
    .map((r) => `${name}:${r.line}: \`${r.text}\` exited ${r.exit}, expected ${r.expectExit}\n${r.output}`);
  expect(failed).toEqual([]);
  return results;
}
/** Output of the last command containing `fragment`. */
const outputOf = (results: CommandResult[], fragment: string): string =>
  results.findLast((r) => r.text.includes(fragment))?.output ?? '';
const evidenceFile = (name: string, file: string): string =>
  readFileSync(join(work, `evidence-${name.replace(/\.md$/, '')}`, file), 'utf8');

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'parley-runbooks-'));
  // The parley command: the CLI bundled from src/cli (packages resolved from node_modules), behind a `parley` wrapper
  // on PATH.
  const bundle = join(ROOT, 'node_modules', '.cache', `parley-runbooks-${process.pid}`, 'cli.mjs');
  await build({
    entryPoints: [join(ROOT, 'src/cli/index.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: bundle,
    logLevel: 'silent',
  });
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'parley'), `#!/bin/sh\nexec "${process.execPath}" "${bundle}" "$@"\n`);
  chmodSync(join(bin, 'parley'), 0o755);

  expect(await auditCommand(['keygen', '--out', join(work, 'audit-keys')], { dataDir: work, stdout: () => {} })).toBe(
    0,
  );
  providerKeyFile = join(work, 'secrets', 'main-key');
  mkdirSync(join(work, 'secrets'));
  writeFileSync(providerKeyFile, 'sk-first-key\n');
  const options: SecStackOptions = {
    mock: { validKeys: ['sk-first-key', 'sk-second-key'] },
    providers: (mockUrl) => `providers:
  - { id: mock, type: openai, baseUrl: "${mockUrl}/v1", apiKeys: ["file:${providerKeyFile}"], retry: { retries: 0 } }
models:
  - { name: chat, targets: [{ provider: mock, model: gpt-4o-mini }] }
`,
    yaml: () => `audit: { signingKey: "file:${join(work, 'audit-keys', 'audit-signing-key.pem')}", checkpointEvery: 5 }
rateLimits: { requestsPerMinute: 0, tokensPerMinute: 0, concurrentStreams: 0, failedAuthPerMinute: 0 }
`,
  };
  stack = await startSecStack(options);
  const configFile = join(work, 'parley.yaml');
  writeFileSync(configFile, stackYaml(stack.dataDir, stack.mock.url, options));
  auditorKey = (await stack.createKey('auditor')).secret;
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('PARLEY_') && k !== 'HOST' && k !== 'PORT' && k !== 'LOG_LEVEL',
    ),
  );
  env = {
    ...inherited,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
    PARLEY_CONFIG: configFile,
    PARLEY_URL: stack.url,
    PARLEY_DATA_DIR: stack.dataDir,
    AUDITOR_KEY: auditorKey,
    ADMIN_KEY: stack.adminKey,
    AUDIT_PUBLIC_KEY: join(work, 'audit-keys', 'audit-signing-key.pub.pem'),
  };
}, 120_000);

afterAll(async () => {
  await stack?.close();
  if (work) rmSync(work, { recursive: true, force: true });
  rmSync(join(ROOT, 'node_modules', '.cache', `parley-runbooks-${process.pid}`), { recursive: true, force: true });
});

describe('incident runbooks', () => {
  it('cover every incident of the issue, each with Parley commands to run', () => {
    expect(runbooks).toEqual(
      expect.arrayContaining([
        'leaked-parley-api-key.md',
        'leaked-provider-key.md',
        'personal-data-breach.md',
        'provider-outage.md',
        'compromised-replica.md',
        'tampered-audit-trail.md',
      ]),
    );
    for (const name of runbooks)
      expect(
        runbookCommands(readDoc(`${DIR}/${name}`)).filter(usesParley).length,
        `${name} has no parley command in an sh block`,
      ).toBeGreaterThan(0);
  });

  it('have a scenario in this test for every runbook', () => {
    expect(
      runbooks.filter((r) => !SCENARIOS.includes(r)),
      'add a scenario for these runbooks to test/compliance/incident-runbooks.test.ts',
    ).toEqual([]);
  });

  it('leaked-parley-api-key.md: finds the use, revokes and rotates; the leaked key is refused and the replacement works', async () => {
    const since = iso(Date.now() - 1000);
    const leaked = await stack.createKey('user', { name: 'leaky' });
    expect((await call('POST', '/v1/chat/completions', leaked.secret, chatBody('hello'))).status).toBe(200);
    expect((await call('POST', '/v1/sessions', leaked.secret, { model: 'chat' })).status).toBe(201);
    const results = await runRunbook('leaked-parley-api-key.md', {
      KEY_ID: leaked.id,
      LEAKED_KEY: leaked.secret,
      LEAK_SINCE: since,
    });
    const use = evidenceFile('leaked-parley-api-key.md', 'key-use.jsonl');
    expect(use).toContain('"auth.success"');
    expect(use).toContain('"session.created"');
    expect(outputOf(results, 'curl').trim()).toBe('401');
    const replacement = JSON.parse(evidenceFile('leaked-parley-api-key.md', 'replacement.json')) as {
      id: string;
      secret: string;
    };
    expect((await call('GET', '/v1/models', replacement.secret)).status).toBe(200);
    const listed = JSON.parse(outputOf(results, 'parley keys list --json').trim()) as { id: string; state: string }[];
    expect(listed.find((k) => k.id === leaked.id)?.state).toBe('revoked');
    expect(outputOf(results, '--action key.')).toContain('"key.revoked"');
  }, 300_000);

  it('leaked-provider-key.md: the new key behind the file reference is used without a restart', async () => {
    expect((await call('POST', '/v1/chat/completions', stack.adminKey, chatBody('before'))).status).toBe(200);
    expect(stack.mock.requests.at(-1)?.headers.authorization).toBe('Bearer sk-first-key');
    const results = await runRunbook('leaked-provider-key.md', {
      PROVIDER_KEY_FILE: providerKeyFile,
      NEW_PROVIDER_KEY: 'sk-second-key',
      ROTATED_AT: iso(Date.now() - 1000),
    });
    expect(outputOf(results, 'parley audit query --action config.reloaded --since')).toContain('provider:mock');
    expect((await call('POST', '/v1/chat/completions', stack.adminKey, chatBody('after'))).status).toBe(200);
    expect(stack.mock.requests.at(-1)?.headers.authorization).toBe('Bearer sk-second-key');
    for (const r of results) expect(r.output).not.toContain('sk-second-key');
  }, 300_000);

  it('personal-data-breach.md: purges the session, preserves and verifies the trail, and assesses without content', async () => {
    const start = iso(Date.now() - 1000);
    const user = await stack.createKey('user', { name: 'breached' });
    const created = await call('POST', '/v1/sessions', user.secret, { model: 'chat' });
    const sessionId = created.json.id as string;
    expect(
      (
        await call('POST', `/v1/sessions/${sessionId}/messages`, user.secret, {
          content: 'write to ada.lovelace@example.org please',
        })
      ).status,
    ).toBe(200);
    const results = await runRunbook('personal-data-breach.md', {
      SESSION_ID: sessionId,
      INCIDENT_START: start,
      INCIDENT_END: iso(Date.now() + 60_000),
      AWARE_AT: iso(),
    });
    expect(outputOf(results, 'curl').trim()).toBe('204');
    expect((await call('GET', `/v1/sessions/${sessionId}`, user.secret)).status).toBe(404);
    expect(outputOf(results, 'parley audit verify')).not.toMatch(/tamper|invalid|mismatch/i);
    expect(evidenceFile('personal-data-breach.md', 'privacy.jsonl')).toContain('"email":1');
    const window = evidenceFile('personal-data-breach.md', 'window.jsonl');
    expect(window).toContain('"session.purged"');
    expect(window).not.toContain('ada.lovelace');
  }, 300_000);

  it('provider-outage.md: readiness, breaker and key-health series are where the runbook looks', async () => {
    expect((await call('POST', '/v1/chat/completions', stack.adminKey, chatBody('traffic'))).status).toBe(200);
    const results = await runRunbook('provider-outage.md', {});
    const metrics = outputOf(results, '/metrics');
    expect(metrics).toMatch(/^parley_circuit_state\{/m);
    expect(metrics).toMatch(/^parley_provider_key_healthy\{/m);
    expect(metrics).toMatch(/^parley_upstream_attempts_total\{/m);
  }, 300_000);

  it('compromised-replica.md: verifies the trail, makes a new signing key and rotates an admin key out', async () => {
    const admin = await stack.createKey('admin', { name: 'ops-laptop' });
    const newKeyDir = join(work, 'new-audit-key');
    const results = await runRunbook('compromised-replica.md', {
      ADMIN_KEY_ID: admin.id,
      COMPROMISE_SINCE: iso(Date.now() - 60_000),
      NEW_AUDIT_KEY_DIR: newKeyDir,
    });
    expect(
      existsSync(join(newKeyDir, 'audit-signing-key.pem')) && existsSync(join(newKeyDir, 'audit-signing-key.pub.pem')),
    ).toBe(true);
    expect(JSON.parse(evidenceFile('compromised-replica.md', 'verify.json'))).toMatchObject({ ok: true });
    await until(
      async () => (await call('GET', '/v1/models', admin.secret)).status === 401,
      10_000,
      'the rotated admin key is refused',
    );
    expect(outputOf(results, '--action key.')).toContain(admin.id);
  }, 300_000);

  it('tampered-audit-trail.md: a field edited in the live trail is named by verify (exit 1) on the preserved copy', async () => {
    await stack.parley.audit.flush();
    const file = join(stack.dataDir, 'audit.jsonl');
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const index = lines.findIndex((l) => l.includes('"outcome":"success"') && l.includes('"auth.success"'));
    expect(index).toBeGreaterThan(0);
    // An attacker turns a success into a failure in place (same length, so later offsets do not move).
    const offset =
      Buffer.byteLength(lines.slice(0, index).join('\n')) +
      1 +
      Buffer.byteLength(lines[index].slice(0, lines[index].indexOf('"outcome":"success"')));
    const fd = openSync(file, 'r+');
    writeSync(fd, '"outcome":"failure"', offset);
    closeSync(fd);
    const results = await runRunbook('tampered-audit-trail.md', {});
    const human = outputOf(results, '--public-key "$AUDIT_PUBLIC_KEY"   #');
    expect(human).toMatch(new RegExp(`line ${index + 1}\\b`));
    expect(human).toContain('was edited');
    expect(JSON.parse(evidenceFile('tampered-audit-trail.md', 'verify.json'))).toMatchObject({ ok: false });
  }, 300_000);
});

const SCENARIOS = [
  'leaked-parley-api-key.md',
  'leaked-provider-key.md',
  'personal-data-breach.md',
  'provider-outage.md',
  'compromised-replica.md',
  'tampered-audit-trail.md',
];
