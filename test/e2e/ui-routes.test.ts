// The UI routes without a browser: precompressed assets, ETags, cache headers, CSP, and the page shown when unbuilt.

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParleyApp } from '../../src/http/request-context.js';
import { contentSecurityPolicy, registerUiRoutes } from '../../src/http/routes/ui.js';

const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;
let dir: string;

async function appWith(
  distDir: string,
  uiConfig?: Parameters<typeof registerUiRoutes>[1]['uiConfig'],
): Promise<ParleyApp> {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>() as unknown as ParleyApp;
  await registerUiRoutes(app, { distDir, uiConfig });
  return app;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-ui-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(
    join(dir, 'index.html'),
    `<!doctype html><html><head><script type="module" ` +
      `src="/assets/app-abc123.js"></script></head><body>${'<p>x</p>'.repeat(100)}</body></html>`,
  );
  await writeFile(join(dir, 'assets', 'app-abc123.js'), SCRIPT);
  await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('registerUiRoutes', () => {
  it('serves index.html uncached and hashed assets immutable, with the security headers', async () => {
    const app = await appWith(dir);
    const index = await app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toBe(contentSecurityPolicy());
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect(index.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(index.headers['permissions-policy']).toMatch(/camera=\(\)/);
    const asset = await app.inject({ url: '/assets/app-abc123.js' });
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe(SCRIPT);
    expect((await app.inject({ url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    await app.close();
  });

  it('answers brotli or gzip when accepted, and 304 for a matching ETag', async () => {
    const app = await appWith(dir);
    const br = await app.inject({ url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);
    const gz = await app.inject({ url: '/assets/app-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT);
    expect(gz.headers.etag).toBe(br.headers.etag);
    const cached = await app.inject({
      url: '/assets/app-abc123.js',
      headers: { 'if-none-match': String(br.headers.etag) },
    });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    await app.close();
  });

  it('serves /ui-config.json ({} by default) and allows the OIDC issuer in connect-src', async () => {
    const plain = await appWith(dir);
    expect((await plain.inject({ url: '/ui-config.json' })).json()).toEqual({});
    await plain.close();
    const app = await appWith(dir, { oidc: { issuer: 'https://id.example.com/realms/acme', clientId: 'web' } });
    const config = await app.inject({ url: '/ui-config.json' });
    expect(config.json()).toEqual({ oidc: { issuer: 'https://id.example.com/realms/acme', clientId: 'web' } });
    expect(config.headers['content-security-policy']).toContain("connect-src 'self' https://id.example.com;");
    await app.close();
  });

  it('says to run npm run build when web/dist is missing', async () => {
    const app = await appWith(join(dir, 'nope'));
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('npm run build');
    expect(page.body).not.toContain('<script');
    expect(page.headers['content-security-policy']).toBe(contentSecurityPolicy());
    await app.close();
  });
});
