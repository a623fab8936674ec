import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, base64url, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { ParleyError } from '../../src/domain/index.js';
import { AuthenticationFailure } from '../../src/security/auth-failure.js';
import { createOidcVerifier, type OidcVerifierOptions } from '../../src/security/oidc.js';

const RESOURCE = 'https://parley.test/';
const ROLES_BY_CLIENT: Record<string, string[]> = {
  'admin-client': ['parley-admin', 'parley-user'],
  'user-client': ['parley-user'],
  'nobody-client': [],
};

async function signingJwk(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
}

/** A real OpenID provider issuing JWT access tokens via client_credentials + resource indicators. */
function makeProvider(issuer: string, jwks: JWK[]): Provider {
  const client = (id: string) => ({
    client_id: id,
    client_secret: `${id}-secret`,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_post',
  });
  return new Provider(issuer, {
    clients: Object.keys(ROLES_BY_CLIENT).map(client),
    jwks: { keys: jwks },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => ({
          scope: 'api',
          audience: indicator,
          accessTokenTTL: 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    extraTokenClaims: (_ctx, token) => ({ realm_access: { roles: ROLES_BY_CLIENT[String(token.clientId)] ?? [] } }),
  });
}

/** An HTTP server whose provider can be swapped (same issuer URL, new keys) and that counts JWKS fetches. */
async function startIdp(keys: JWK[]) {
  let provider: Provider | undefined;
  const stats = { jwksFetches: 0 };
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/jwks')) stats.jwksFetches++;
    void provider?.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  provider = makeProvider(issuer, keys);
  return {
    issuer,
    stats,
    rotate: (newKeys: JWK[]) => void (provider = makeProvider(issuer, newKeys)),
    async token(clientId: string, resource = RESOURCE): Promise<string> {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: `${clientId}-secret`,
          scope: 'api',
          resource,
        }),
      });
      const body = (await response.json()) as { access_token?: string; error_description?: string };
      if (!body.access_token) throw new Error(`token request failed: ${JSON.stringify(body)}`);
      return body.access_token;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let idp: Awaited<ReturnType<typeof startIdp>>;
let otherIdp: Awaited<ReturnType<typeof startIdp>>;
let firstKey: JWK;

const options = (extra: Partial<OidcVerifierOptions> = {}): OidcVerifierOptions => ({
  issuer: idp.issuer,
  audience: RESOURCE,
  rolesClaim: 'realm_access.roles',
  roleMapping: { 'parley-admin': 'admin', 'parley-user': 'user' },
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ParleyError);
  return error as ParleyError;
}

beforeAll(async () => {
  firstKey = await signingJwk('key-1');
  idp = await startIdp([firstKey]);
  otherIdp = await startIdp([firstKey]); // same signing key, different issuer: only `iss` tells them apart
});
afterAll(async () => {
  vi.restoreAllMocks();
  await idp.close();
  await otherIdp.close();
});

describe('OIDC verifier against a real OpenID provider', () => {
  it('accepts a JWT access token via discovery + JWKS and maps roles (highest wins)', async () => {
    const verifier = createOidcVerifier(options());
    const token = await idp.token('admin-client');
    expect(await verifier.verify(token)).toEqual({
      id: 'oidc:admin-client',
      role: 'admin',
      via: 'oidc',
      scope: 'oidc:admin-client',
    });
    expect(await verifier.verify(await idp.token('user-client'))).toMatchObject({ role: 'user' });
  });

  it('refuses a valid token without a mapped role with 403, unless a default role is set', async () => {
    const token = await idp.token('nobody-client');
    const error = await rejection(createOidcVerifier(options()).verify(token));
    expect(error.status).toBe(403);
    expect(error.message).toContain('claim "realm_access.roles"');
    expect(await createOidcVerifier(options({ defaultRole: 'user' })).verify(token)).toMatchObject({ role: 'user' });
  });

  it('rejects a token from another issuer (same key, wrong iss)', async () => {
    const error = await rejection(createOidcVerifier(options()).verify(await otherIdp.token('admin-client')));
    expect(error).toBeInstanceOf(AuthenticationFailure);
    expect(error.message).toContain(`token issuer is not ${idp.issuer}`);
  });

  it('rejects a token for another audience', async () => {
    const error = await rejection(
      createOidcVerifier(options()).verify(await idp.token('admin-client', 'https://other.test/')),
    );
    expect(error.status).toBe(401);
    expect(error.message).toContain('audience');
  });

  it('rejects an expired token, honouring the clock skew', async () => {
    const token = await idp.token('user-client');
    const expiry = JSON.parse(new TextDecoder().decode(base64url.decode(token.split('.')[1]))).exp as number;
    const at = (ms: number) => createOidcVerifier(options({ clock: () => ms, clockSkewSec: 60 }));
    await expect(at(expiry * 1000 + 59_000).verify(token)).resolves.toMatchObject({ role: 'user' });
    const error = await rejection(at(expiry * 1000 + 61_000).verify(token));
    expect((error as AuthenticationFailure).reason).toBe('oidc-expired');
  });

  it('rejects alg "none", HS256 and refuses to be configured with them', async () => {
    const payload = base64url.encode(
      JSON.stringify({
        iss: idp.issuer,
        aud: RESOURCE,
        sub: 'x',
        exp: Math.floor(Date.now() / 1000) + 600,
        realm_access: { roles: ['parley-admin'] },
      }),
    );
    const none = `${base64url.encode('{"alg":"none"}')}.${payload}.`;
    expect((await rejection(createOidcVerifier(options()).verify(none))).status).toBe(401);
    const hs = await new SignJWT({ realm_access: { roles: ['parley-admin'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(idp.issuer)
      .setAudience(RESOURCE)
      .setSubject('x')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!'));
    expect((await rejection(createOidcVerifier(options()).verify(hs))).message).toContain('algorithm is not allowed');
    expect(() => createOidcVerifier(options({ algorithms: ['none'] }))).toThrow(/never accepted/);
    expect(() => createOidcVerifier(options({ algorithms: ['HS256'] }))).toThrow(/hmacSecret/);
  });

  it('rejects a token signed by an attacker key that reuses the real kid', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ realm_access: { roles: ['parley-admin'] } })
      .setProtectedHeader({ alg: 'ES256', kid: 'key-1' })
      .setIssuer(idp.issuer)
      .setAudience(RESOURCE)
      .setSubject('mallory')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect((await rejection(createOidcVerifier(options()).verify(forged))).message).toContain(
      'signature does not verify',
    );
  });

  it('follows a signing-key rotation at the provider, with a cool-down against random kids', async () => {
    const verifier = createOidcVerifier(options({ jwksCooldownMs: 30_000 }));
    await verifier.verify(await idp.token('user-client'));
    const fetchesBefore = idp.stats.jwksFetches;

    idp.rotate([await signingJwk('key-2')]);
    const rotatedToken = await idp.token('user-client');
    // Just fetched: inside the cool-down the unknown kid is refused without hammering the IdP.
    expect((await rejection(verifier.verify(rotatedToken))).message).toContain('does not publish');
    expect(idp.stats.jwksFetches).toBe(fetchesBefore);

    const realNow = Date.now.bind(Date);
    const later = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + 31_000);
    expect(await verifier.verify(rotatedToken)).toMatchObject({ role: 'user' }); // refetched, new kid found
    expect(idp.stats.jwksFetches).toBe(fetchesBefore + 1);

    const { privateKey } = await generateKeyPair('ES256');
    for (let i = 0; i < 10; i++) {
      const junk = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: `random-${i}` })
        .setIssuer(idp.issuer)
        .setAudience(RESOURCE)
        .setSubject('x')
        .setExpirationTime('5m')
        .sign(privateKey);
      await rejection(verifier.verify(junk));
    }
    expect(idp.stats.jwksFetches).toBe(fetchesBefore + 1);
    later.mockRestore();
  });

  it('reports an unreachable issuer as a retryable 503, not a 401', async () => {
    const verifier = createOidcVerifier({ issuer: 'http://127.0.0.1:9', audience: RESOURCE, timeoutMs: 2000 });
    const error = await rejection(verifier.verify(await idp.token('user-client')));
    expect(error.status).toBe(503);
    expect(error.retryable).toBe(true);
  });
});
