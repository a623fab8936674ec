// OIDC sign-in from the UI (authorization code + PKCE S256) against a minimal local issuer, and PKCE unit checks.
/// <reference lib="dom" />

import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { authorizationUrl } from '../../web/src/auth/oidc.js';
import { base64Url, codeChallenge, createPkcePair } from '../../web/src/auth/pkce.js';
import { ensureWebBuilt, launchBrowser, openPage, startStack, type Stack } from './harness.js';

describe('PKCE', () => {
  it('computes the RFC 7636 appendix B challenge', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes fresh 43-character URL-safe verifiers whose challenge is their SHA-256', async () => {
    const a = await createPkcePair();
    const b = await createPkcePair();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.challenge).toBe(createHash('sha256').update(a.verifier).digest('base64url'));
    expect(base64Url(new Uint8Array([251, 255]))).toBe('-_8');
  });

  it('builds the authorization URL of the code flow with S256', () => {
    const url = new URL(
      authorizationUrl('https://id.example/auth?x=1', {
        clientId: 'web',
        redirectUri: 'https://parley.example/',
        scope: 'openid',
        state: 's',
        nonce: 'n',
        challenge: 'c',
      }),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'web',
      redirect_uri: 'https://parley.example/',
      scope: 'openid',
      state: 's',
      nonce: 'n',
      code_challenge: 'c',
      code_challenge_method: 'S256',
    });
  });
});

interface Issuer {
  url: string;
  server: Server;
  authorizeRequests: URLSearchParams[];
  tokenRequests: URLSearchParams[];
}

/**
 * A tiny OpenID provider: discovery, JWKS, an authorize endpoint that consents at once, and a PKCE-checking token
 * endpoint.
 */
async function startIssuer(): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const codes = new Map<string, { challenge: string; redirectUri: string; nonce: string }>();
  const issuer: Issuer = { url: '', server: createServer(), authorizeRequests: [], tokenRequests: [] };
  issuer.server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === '/.well-known/openid-configuration') {
      return json(200, {
        issuer: issuer.url,
        authorization_endpoint: `${issuer.url}/authorize`,
        token_endpoint: `${issuer.url}/token`,
        jwks_uri: `${issuer.url}/jwks`,
        id_token_signing_alg_values_supported: ['RS256'],
      });
    }
    if (url.pathname === '/jwks') return json(200, { keys: [jwk] });
    if (url.pathname === '/authorize') {
      issuer.authorizeRequests.push(url.searchParams);
      const code = randomUUID();
      codes.set(code, {
        challenge: url.searchParams.get('code_challenge') ?? '',
        redirectUri: url.searchParams.get('redirect_uri') ?? '',
        nonce: url.searchParams.get('nonce') ?? '',
      });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }
    if (url.pathname === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        issuer.tokenRequests.push(form);
        const grant = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verifierOk =
          grant &&
          createHash('sha256')
            .update(form.get('code_verifier') ?? '')
            .digest('base64url') === grant.challenge;
        if (!grant || !verifierOk || form.get('redirect_uri') !== grant.redirectUri)
          return json(400, { error: 'invalid_grant' });
        const now = Math.floor(Date.now() / 1000);
        void new SignJWT({ roles: ['user'] })
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .setIssuer(issuer.url)
          .setAudience('parley')
          .setSubject('alice')
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .sign(privateKey)
          .then((token) => json(200, { access_token: token, token_type: 'Bearer', expires_in: 300 }));
      });
      return;
    }
    json(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => issuer.server.listen(0, '127.0.0.1', resolve));
  issuer.url = `http://127.0.0.1:${(issuer.server.address() as AddressInfo).port}`;
  return issuer;
}

describe('OIDC sign-in in the browser', () => {
  let issuer: Issuer;
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    await ensureWebBuilt();
    issuer = await startIssuer();
    [stack, browser] = await Promise.all([
      startStack({
        uiConfig: { oidc: { issuer: issuer.url, clientId: 'parley-web' } },
        extraYaml:
          `auth:\n  oidc: { issuer: "${issuer.url}", audience: ` +
          `parley, clientId: parley-web, defaultRole: user }\n`,
      }),
      launchBrowser(),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    await new Promise((resolve) => issuer?.server.close(resolve));
  });

  it('signs in with the authorization code flow and PKCE, then chats with the token', async () => {
    const { page, watch } = await openPage(browser, stack.url);
    const ui = await (await fetch(`${stack.url}/`)).headers.get('content-security-policy');
    expect(ui).toContain(`connect-src 'self' ${issuer.url}`);
    await page.goto(stack.url);
    await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
    await page.getByLabel('Message', { exact: true }).waitFor();
    expect(page.url()).toBe(`${stack.url}/`);
    const asked = issuer.authorizeRequests[0];
    expect(asked.get('code_challenge_method')).toBe('S256');
    expect(asked.get('client_id')).toBe('parley-web');
    expect(asked.get('redirect_uri')).toBe(`${stack.url}/`);
    expect(issuer.tokenRequests[0].get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await page.evaluate(() => sessionStorage.getItem('parley.oidc.pending'))).toBeNull();
    await page.getByLabel('Message', { exact: true }).fill('hello via sso');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await page.locator('.msg.assistant .md').filter({ hasText: 'Mock reply: hello via sso' }).waitFor();
    expect(new Set(watch.foreignRequests.map((u) => new URL(u).origin))).toEqual(new Set([issuer.url]));
  });

  it('refuses a callback whose state does not match this tab', async () => {
    const { page } = await openPage(browser, stack.url);
    await page.goto(`${stack.url}/?code=forged&state=forged`);
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/did not start in this tab|state mismatch/);
    expect(page.url()).toBe(`${stack.url}/`);
    expect(issuer.tokenRequests.filter((r) => r.get('code') === 'forged')).toEqual([]);
  });
});
