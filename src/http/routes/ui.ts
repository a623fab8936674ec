// The chat UI: web/dist read into memory at start-up (with gzip and brotli copies), served under a strict CSP.

import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';
import { brotliCompressSync, constants as zlib, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ParleyError } from '../../domain/index.js';
import { errorBody } from '../error-mapping.js';
import type { ParleyApp } from '../request-context.js';

/** What /ui-config.json tells the UI (served only when given). */
export interface UiPublicConfig {
  oidc?: { issuer: string; clientId: string; scope?: string };
}

/** Options of {@link registerUiRoutes}. */
export interface UiRouteOptions {
  /** The built UI (web/dist). When missing, `/` explains how to build it. */
  distDir: string;
  /**
   * Served as /ui-config.json (`{}` when absent); an OIDC issuer's origin is added to connect-src for the code
   * exchange.
   */
  uiConfig?: UiPublicConfig;
}

interface Asset {
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  type: string;
  etag: string;
  cacheControl: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.webmanifest', '.ico']);

/** The Content-Security-Policy of every UI response: no inline code, no third-party anything. */
export function contentSecurityPolicy(connectExtra: string[] = []): string {
  const connect = ["'self'", ...connectExtra].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // blob: for the thumbnails of attached images (made by the page's own script; data: stays refused).
    "img-src 'self' blob:",
    `connect-src ${connect}`,
    "font-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Security headers sent with every UI response. */
export function uiSecurityHeaders(connectExtra: string[] = []): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy(connectExtra),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()',
    'x-frame-options': 'DENY',
  };
}

const MISSING_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Parley</title></head><body>
<h1>Parley is running</h1><p>The chat UI has not been built. Run <code>npm run build</code> (or <code>npm run build:web</code>) and restart.</p>
<p>The API works already. It is described at <code>/openapi.json</code>, which, like every API route, needs your API key: send <code>Authorization: Bearer prl_…</code>.</p></body></html>`;

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

function makeAsset(urlPath: string, body: Buffer): Asset {
  const ext = extname(urlPath).toLowerCase();
  const hashed = urlPath.startsWith('/assets/');
  const asset: Asset = {
    body,
    type: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
    cacheControl: hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (COMPRESSIBLE.has(ext) && body.length > 256) {
    const gz = gzipSync(body, { level: 9 });
    const br = brotliCompressSync(body, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
    if (gz.length < body.length) asset.gzip = gz;
    if (br.length < body.length) asset.br = br;
  }
  return asset;
}

/** Loads every file of `distDir` keyed by URL path; undefined when the directory or its index.html is missing. */
export async function loadUiAssets(distDir: string): Promise<Map<string, Asset> | undefined> {
  let files: string[];
  try {
    files = await listFiles(distDir);
  } catch {
    return undefined;
  }
  const assets = new Map<string, Asset>();
  for (const file of files) {
    const urlPath = '/' + relative(distDir, file).split(sep).join('/');
    assets.set(urlPath, makeAsset(urlPath, await readFile(file)));
  }
  return assets.has('/index.html') ? assets : undefined;
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** Registers `/`, `/assets/*`, the other top-level files of web/dist and `/ui-config.json`. */
export async function registerUiRoutes(app: ParleyApp, opts: UiRouteOptions): Promise<void> {
  const issuer = opts.uiConfig?.oidc ? originOf(opts.uiConfig.oidc.issuer) : undefined;
  const headers = uiSecurityHeaders(issuer ? [issuer] : []);
  const assets = await loadUiAssets(opts.distDir);
  const route = { config: { public: true }, schema: { hide: true } } as const;

  const send = (request: FastifyRequest, reply: FastifyReply, asset: Asset | undefined) => {
    if (!asset) {
      const failure = new ParleyError('not_found', `No UI file at ${request.url.split('?')[0]}.`);
      return reply.code(404).headers(headers).send(errorBody(failure));
    }
    void reply
      .headers(headers)
      .header('content-type', asset.type)
      .header('etag', asset.etag)
      .header('cache-control', asset.cacheControl)
      .header('vary', 'accept-encoding');
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    const accepted = String(request.headers['accept-encoding'] ?? '');
    if (asset.br && /\bbr\b/.test(accepted)) return reply.header('content-encoding', 'br').send(asset.br);
    if (asset.gzip && /\bgzip\b/.test(accepted)) return reply.header('content-encoding', 'gzip').send(asset.gzip);
    return reply.send(asset.body);
  };

  const config = makeAsset('/ui-config.json', Buffer.from(JSON.stringify(opts.uiConfig ?? {})));
  app.get('/ui-config.json', route, async (request, reply) => send(request, reply, config));

  if (!assets) {
    const page = makeAsset('/index.html', Buffer.from(MISSING_PAGE));
    app.get('/', route, async (request, reply) => send(request, reply, page));
    return;
  }
  app.get('/', route, async (request, reply) => send(request, reply, assets.get('/index.html')));
  app.get('/assets/*', route, async (request, reply) => send(request, reply, assets.get(request.url.split('?')[0])));
  for (const path of assets.keys()) {
    if (path === '/index.html' || path.startsWith('/assets/') || path === '/ui-config.json') continue;
    app.get(path, route, async (request, reply) => send(request, reply, assets.get(path)));
  }
}
