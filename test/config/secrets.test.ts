// Secret references: env, files that rotate (atomic replace, Kubernetes ..data swap) and Vault KV v2 over HTTP.

import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretResolver, SecretError, type SecretResolver } from '../../src/config/index.js';

const nextChange = (resolver: SecretResolver, ref: string) =>
  new Promise<string>((resolve) => {
    const stop = resolver.watch(ref, (value) => {
      stop();
      resolve(value);
    });
  });

describe('env: references', () => {
  it('reads the variable', async () => {
    await expect(createSecretResolver({ env: { K: 'v1' } }).resolve('env:K')).resolves.toBe('v1');
  });

  it('names an unset or empty variable', async () => {
    const resolver = createSecretResolver({ env: { EMPTY: '' } });
    await expect(resolver.resolve('env:MISSING_KEY')).rejects.toThrow(
      /environment variable MISSING_KEY is not set or empty/,
    );
    await expect(resolver.resolve('env:EMPTY')).rejects.toBeInstanceOf(SecretError);
  });

  it('refuses something that is not a reference, without repeating it', async () => {
    const err = await createSecretResolver({ env: {} })
      .resolve('sk-literal-123')
      .catch((e: Error) => e);
    expect((err as Error).message).toMatch(/not a secret reference/);
    expect((err as Error).message).not.toContain('sk-literal-123');
  });
});

describe('file: references', () => {
  let dir: string;
  let resolver: SecretResolver;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-secrets-'));
    resolver = createSecretResolver({ env: {}, fileDebounceMs: 10 });
  });
  afterAll(async () => {
    resolver.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the file without its trailing newline', async () => {
    await writeFile(join(dir, 'plain'), 'secret-value\n');
    await expect(resolver.resolve(`file:${join(dir, 'plain')}`)).resolves.toBe('secret-value');
  });

  it('names a missing or empty file', async () => {
    await expect(resolver.resolve(`file:${join(dir, 'absent')}`)).rejects.toThrow(/cannot read the file \(ENOENT\)/);
    await writeFile(join(dir, 'empty'), '\n');
    await expect(resolver.resolve(`file:${join(dir, 'empty')}`)).rejects.toThrow(/the file is empty/);
  });

  it('re-reads a file that is replaced atomically; the getter returns the new value', async () => {
    const path = join(dir, 'rotating');
    await writeFile(path, 'old-key\n');
    const ref = `file:${path}`;
    const get = await resolver.getter(ref);
    expect(get()).toBe('old-key');
    const changed = nextChange(resolver, ref);
    await writeFile(`${path}.tmp`, 'new-key\n');
    await rename(`${path}.tmp`, path);
    expect(await changed).toBe('new-key');
    expect(get()).toBe('new-key');
  });

  it('follows a Kubernetes-style ..data symlink swap', async () => {
    const mount = join(dir, 'k8s');
    await mkdir(join(mount, '..2026_a'), { recursive: true });
    await writeFile(join(mount, '..2026_a', 'token'), 'first');
    await symlink('..2026_a', join(mount, '..data'));
    await symlink(join('..data', 'token'), join(mount, 'token'));
    const ref = `file:${join(mount, 'token')}`;
    const get = await resolver.getter(ref);
    expect(get()).toBe('first');

    const changed = nextChange(resolver, ref);
    await mkdir(join(mount, '..2026_b'));
    await writeFile(join(mount, '..2026_b', 'token'), 'second');
    await symlink('..2026_b', join(mount, '..data_tmp'));
    await rename(join(mount, '..data_tmp'), join(mount, '..data'));
    await rm(join(mount, '..2026_a'), { recursive: true });
    expect(await changed).toBe('second');
    expect(get()).toBe('second');
  });
});

/** A small emulation of Vault's KV v2 read API: GET /v1/<mount>/data/<path>, X-Vault-Token, X-Vault-Namespace. */
function startVault(token: string) {
  const secrets = new Map<string, Record<string, unknown>>([['secret/app/llm', { key: 'vault-value-1', other: 'x' }]]);
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers['x-vault-token'] !== token) return send(403, { errors: ['permission denied'] });
    const match = /^\/v1\/([^/]+)\/data\/(.+)$/.exec(req.url ?? '');
    const data = match && req.method === 'GET' ? secrets.get(`${match[1]}/${match[2]}`) : undefined;
    if (!data) return send(404, { errors: [] });
    return send(200, {
      request_id: 'r1',
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: {
        data,
        metadata: { created_time: '2026-01-01T00:00:00Z', deletion_time: '', destroyed: false, version: 1 },
      },
    });
  });
  return { server, secrets, seen };
}

describe('vault: references (KV v2)', () => {
  const TOKEN = 'hvs.test-token-123';
  const vault = startVault(TOKEN);
  let address: string;
  beforeAll(async () => {
    await new Promise<void>((resolve) => vault.server.listen(0, '127.0.0.1', resolve));
    address = `http://127.0.0.1:${(vault.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => vault.server.close(() => resolve()));
  });

  it('reads data.data[field] with the token and namespace headers', async () => {
    const resolver = createSecretResolver({ env: {}, vault: { address, token: TOKEN, namespace: 'team-a' } });
    await expect(resolver.resolve('vault:secret/data/app/llm#key')).resolves.toBe('vault-value-1');
    await expect(resolver.resolve('vault:secret/app/llm#other')).resolves.toBe('x');
    expect(vault.seen.at(-1)?.['x-vault-namespace']).toBe('team-a');
  });

  it('takes the address and token from VAULT_ADDR and VAULT_TOKEN; the token may be a reference', async () => {
    await expect(
      createSecretResolver({ env: { VAULT_ADDR: address, VAULT_TOKEN: TOKEN } }).resolve('vault:secret/app/llm#key'),
    ).resolves.toBe('vault-value-1');
    const viaRef = createSecretResolver({
      env: { VAULT_ADDR: address, VAULT_TOKEN: 'env:MY_VAULT_TOKEN', MY_VAULT_TOKEN: TOKEN },
    });
    await expect(viaRef.resolve('vault:secret/app/llm#key')).resolves.toBe('vault-value-1');
  });

  it('explains 403, 404 and a missing field without leaking the token or a value', async () => {
    const wrong = createSecretResolver({ env: {}, vault: { address, token: 'hvs.wrong-token' } });
    const denied = await wrong.resolve('vault:secret/app/llm#key').catch((e: Error) => e);
    expect((denied as Error).message).toMatch(
      /permission denied reading secret\/app\/llm \(403\) — check that VAULT_TOKEN/,
    );
    expect((denied as Error).message).not.toContain('wrong-token');

    const resolver = createSecretResolver({ env: {}, vault: { address, token: TOKEN } });
    await expect(resolver.resolve('vault:secret/app/none#key')).rejects.toThrow(
      /no secret at secret\/app\/none \(404\)/,
    );
    const missing = await resolver.resolve('vault:secret/app/llm#nope').catch((e: Error) => e);
    expect((missing as Error).message).toMatch(
      /field 'nope' not found in secret\/app\/llm — available fields: key, other/,
    );
    for (const err of [denied, missing]) {
      expect((err as Error).message).not.toContain(TOKEN);
      expect((err as Error).message).not.toContain('vault-value-1');
    }
  });

  it('says when Vault is not configured', async () => {
    await expect(createSecretResolver({ env: {} }).resolve('vault:secret/app/llm#key')).rejects.toThrow(
      /VAULT_ADDR is not set/,
    );
  });

  it('re-reads watched secrets and reports the new value', async () => {
    const resolver = createSecretResolver({ env: {}, vault: { address, token: TOKEN }, vaultRefreshMs: 20 });
    const get = await resolver.getter('vault:secret/app/llm#key');
    expect(get()).toBe('vault-value-1');
    const changed = nextChange(resolver, 'vault:secret/app/llm#key');
    vault.secrets.set('secret/app/llm', { key: 'vault-value-2', other: 'x' });
    expect(await changed).toBe('vault-value-2');
    expect(get()).toBe('vault-value-2');
    resolver.close();
  });
});
