// `parley config check FILE`: the start-up checks, a summary or the problem list, and the exit code.

import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configCheckCommand } from '../../src/cli/config-check-command.js';

function capture(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env } };
}

describe('parley config check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-check-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a summary and exits 0 for a valid file', async () => {
    const c = capture();
    const code = await configCheckCommand([join(import.meta.dirname, 'fixtures', 'product-example.yaml')], c.io);
    expect(code).toBe(0);
    expect(c.err).toEqual([]);
    expect(c.out).toEqual([
      'OK: 2 providers, 1 model (providers: main (openai, 2 keys), backup (anthropic, 1 key); ' +
        'models: chat → main/gpt-4o-mini, backup/claude-haiku-4-5)',
    ]);
  });

  it('prints every problem, as start-up does, and exits 1', async () => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'provders: []\nserver: { port: x }\n');
    const c = capture();
    expect(await configCheckCommand([file], c.io)).toBe(1);
    expect(c.out).toEqual([]);
    expect(c.err.join('\n')).toBe(
      [
        `Invalid configuration in ${file} (2 problems):`,
        "  - provders: unknown key 'provders' — did you mean 'providers'? (line 1)",
        "  - server.port: expected a number (got 'x') — write a plain number, without quotes or units (line 2)",
      ].join('\n'),
    );
  });

  it('with --secrets, resolves every reference and names those that fail, never printing values', async () => {
    const file = join(import.meta.dirname, 'fixtures', 'product-example.yaml');
    const c = capture({ MAIN_KEY_A: 'value-a-123' });
    expect(await configCheckCommand([file, '--secrets'], c.io)).toBe(1);
    const text = c.err.join('\n');
    expect(text).toMatch(/providers\[0\]\.apiKeys\[1\]: env:MAIN_KEY_B: environment variable MAIN_KEY_B is not set/);
    expect(text).toMatch(/providers\[1\]\.apiKeys\[0\]: file:\/run\/secrets\/anthropic: cannot read the file/);
    expect(text).not.toContain('value-a-123');
  });

  it('with --secrets, also checks the TLS pair and the audit signing key as start-up would', async () => {
    // Two self-signed certificates: a key from one never fits the other's certificate.
    for (const name of ['one', 'two']) {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '1',
          '-subj',
          `/CN=${name}`,
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          join(dir, `${name}.crt`),
        ],
        { stdio: 'pipe' },
      );
    }
    const pem = (type: 'ed25519' | 'ec') =>
      (type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('ed25519')
      ).privateKey
        .export({ type: 'pkcs8', format: 'pem' })
        .toString();
    const file = join(dir, 'tls-audit.yaml');
    const write = (keyName: string) =>
      writeFile(
        file,
        `server:\n  tls: { cert: "file:${join(dir, 'one.crt')}", key: "file:${join(dir, keyName)}" ` +
          `}\naudit: { signingKey: "env:AUDIT_KEY" }\n`,
      );

    await write('two.key');
    const bad = capture({ AUDIT_KEY: pem('ec') });
    expect(await configCheckCommand([file, '--secrets'], bad.io)).toBe(1);
    const text = bad.err.join('\n');
    expect(text).toContain('(2 problems)');
    expect(text).toMatch(/server\.tls: the certificate and key cannot be used together/);
    expect(text).toMatch(/audit\.signingKey: The audit signing key is ec; generate an Ed25519 key/);
    expect(text).not.toContain('PRIVATE KEY');

    await write('one.key');
    const missing = capture({});
    expect(await configCheckCommand([file, '--secrets'], missing.io)).toBe(1);
    expect(missing.err.join('\n')).toMatch(
      /audit\.signingKey: env:AUDIT_KEY: environment variable AUDIT_KEY is not set/,
    );

    const good = capture({ AUDIT_KEY: pem('ed25519') });
    expect(await configCheckCommand([file, '--secrets'], good.io)).toBe(0);
    expect(good.err).toEqual([]);
    expect(good.out[0]).toMatch(/^OK: /);
  });

  it('exits 1 with usage for a missing file argument or an unknown option, 0 for --help', async () => {
    const none = capture();
    expect(await configCheckCommand([], none.io)).toBe(1);
    expect(none.err[0]).toMatch(/^usage: parley config check FILE/);
    const unknown = capture();
    expect(await configCheckCommand(['x.yaml', '--strict'], unknown.io)).toBe(1);
    expect(unknown.err[0]).toBe('unknown option --strict');
    const help = capture();
    expect(await configCheckCommand(['--help'], help.io)).toBe(0);
    expect(help.out[0]).toMatch(/^usage:/);
  });

  it('reports a file that does not exist', async () => {
    const c = capture();
    expect(await configCheckCommand([join(dir, 'missing.yaml')], c.io)).toBe(1);
    expect(c.err.join('\n')).toMatch(/cannot read the configuration file \(ENOENT\)/);
  });
});
