import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as crypto from 'node:crypto';
import type { Principal } from '../../src/domain/index.js';
import { ParleyError } from '../../src/domain/index.js';
import { generateApiKey } from '../../src/security/api-key-format.js';
import { AuthenticationFailure } from '../../src/security/auth-failure.js';
import { createAuthenticator } from '../../src/security/authenticator.js';
import { FileKeyStore } from '../../src/compose/file-key-store.js';

vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});

let dir: string;
let store: FileKeyStore;
let now = 1_700_000_000_000;
const clock = () => now;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-auth-'));
  store = await FileKeyStore.open({ dataDir: dir, clock });
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  now = 1_700_000_000_000;
});

async function failure(promise: Promise<unknown>): Promise<AuthenticationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthenticationFailure);
  expect((error as ParleyError).status).toBe(401);
  expect((error as ParleyError).code).toBe('unauthorized');
  return error as AuthenticationFailure;
}

describe('authenticator with API keys', () => {
  const auth = () => createAuthenticator({ keyStore: store, clock });

  it('accepts a valid key (any Bearer casing) and returns its principal, comparing hashes in constant time', async () => {
    const { record, secret } = await store.create({ name: 'ci', role: 'user', owner: 'team-a' });
    vi.mocked(crypto.timingSafeEqual).mockClear();
    expect(await auth().authenticate(`Bearer ${secret}`)).toEqual({
      id: record.id,
      role: 'user',
      via: 'api-key',
      scope: 'team-a',
    });
    expect(await auth().authenticate(`bearer  ${secret} `)).toMatchObject({ id: record.id });
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(2);
  });

  it('explains a missing header, a wrong scheme and an empty bearer', async () => {
    expect((await failure(auth().authenticate(undefined))).message).toBe(
      'Missing credential. Send Authorization: Bearer <key>',
    );
    expect((await failure(auth().authenticate(''))).reason).toBe('missing');
    const basic = await failure(auth().authenticate('Basic dXNlcjpwYXNz'));
    expect(basic.reason).toBe('scheme');
    expect(basic.message).toContain('Bearer scheme');
    expect(basic.message).not.toContain('dXNlcjpwYXNz');
    expect((await failure(auth().authenticate('Bearer '))).reason).toBe('missing');
  });

  it('rejects a typo, a truncated key and a foreign token without a store lookup, never echoing them', async () => {
    const { secret } = await store.create({ name: 'typo', role: 'user' });
    const spy = vi.spyOn(store, 'findByHash');
    const typo = `${secret.slice(0, 20)}${secret[20] === 'x' ? 'y' : 'x'}${secret.slice(21)}`;
    for (const bad of [typo, secret.slice(0, 30), `sk-${secret.slice(4)}`]) {
      const error = await failure(auth().authenticate(`Bearer ${bad}`));
      expect(error.reason).toBe('malformed');
      expect(error.message).not.toContain(bad);
    }
    expect((await failure(auth().authenticate(`Bearer ${typo}`))).message).toMatch(
      /malformed.*42 characters starting with prl_/,
    );
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('says "not recognised" for a well-formed key that was never issued', async () => {
    const error = await failure(auth().authenticate(`Bearer ${generateApiKey().secret}`));
    expect(error.reason).toBe('unknown');
    expect(error.message).toContain('not recognised');
  });

  it('refuses a revoked key at once, naming the revocation', async () => {
    const { record, secret } = await store.create({ name: 'leaked', role: 'admin' });
    await auth().authenticate(`Bearer ${secret}`);
    await store.revoke(record.id);
    const error = await failure(auth().authenticate(`Bearer ${secret}`));
    expect(error.reason).toBe('revoked');
    expect(error.message).toBe(`API key ${record.id} has been revoked; ask a Parley admin for a new key`);
    expect(error.message).not.toContain(secret);
  });

  it('refuses an expired key from its expiry instant on', async () => {
    const { secret } = await store.create({ name: 'temp', role: 'user', expiresAt: now + 1000 });
    now += 999;
    await expect(auth().authenticate(`Bearer ${secret}`)).resolves.toMatchObject({ role: 'user' });
    now += 1;
    const error = await failure(auth().authenticate(`Bearer ${secret}`));
    expect(error.reason).toBe('expired');
    expect(error.message).toContain(new Date(now).toISOString());
  });

  it('keeps a rotated key working during the grace period only; the replacement works throughout', async () => {
    const first = await store.create({ name: 'svc', role: 'user' });
    const next = await store.rotate(first.record.id, 60_000);
    await expect(auth().authenticate(`Bearer ${first.secret}`)).resolves.toMatchObject({ id: first.record.id });
    now += 59_999;
    await expect(auth().authenticate(`Bearer ${first.secret}`)).resolves.toMatchObject({ id: first.record.id });
    now += 1;
    const error = await failure(auth().authenticate(`Bearer ${first.secret}`));
    expect(error.reason).toBe('rotated');
    expect(error.message).toContain(`use its replacement ${next.record.id}`);
    await expect(auth().authenticate(`Bearer ${next.secret}`)).resolves.toMatchObject({
      id: next.record.id,
      scope: first.record.owner,
    });
  });
});

describe('authenticator with JWTs', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln';

  it('refuses JWTs with a hint when OIDC is not configured', async () => {
    const error = await failure(createAuthenticator({ keyStore: store }).authenticate(`Bearer ${jwt}`));
    expect(error.reason).toBe('oidc-disabled');
    expect(error.message).toContain('send a Parley API key');
  });

  it('hands JWT-shaped tokens to the OIDC verifier and API keys to the store', async () => {
    const principal: Principal = { id: 'oidc:a', role: 'auditor', via: 'oidc', scope: 'oidc:a' };
    const verify = vi.fn(async () => principal);
    const auth = createAuthenticator({ keyStore: store, oidc: { verify } });
    expect(await auth.authenticate(`Bearer ${jwt}`)).toBe(principal);
    expect(verify).toHaveBeenCalledWith(jwt);
    const { secret } = await store.create({ name: 'k', role: 'user' });
    await expect(auth.authenticate(`Bearer ${secret}`)).resolves.toMatchObject({ via: 'api-key' });
    expect(verify).toHaveBeenCalledTimes(1);
  });
});
