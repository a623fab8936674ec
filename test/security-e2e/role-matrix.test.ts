// Attacks issue 3 points 1–2: every route × every role × every kind of bad credential; only the declared public set is
// open.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/security/api-key-format.js';
import { looksLikeStackTrace, startSecStack, until, type SecStack } from './harness.js';

type Role = 'user' | 'auditor' | 'admin';
const ALL: Role[] = ['user', 'auditor', 'admin'];

/**
 * Who may call each documented route. A route in /openapi.json that is missing here fails the test, so a
 * new route cannot ship without someone deciding its permission.
 */
const EXPECTED: Record<string, Role[] | 'public'> = {
  'GET /healthz': 'public',
  'GET /readyz': 'public',
  'POST /v1/auth/exchange': 'public',
  'GET /v1/models': ['user', 'admin'],
  'GET /v1/models/{model}': ['user', 'admin'],
  'POST /v1/chat/completions': ['user', 'admin'],
  'POST /v1/embeddings': ['user', 'admin'],
  'POST /v1/messages': ['user', 'admin'],
  'POST /v1/messages/count_tokens': ['user', 'admin'],
  'POST /v1/sessions': ['user', 'admin'],
  'GET /v1/sessions': ['user', 'admin'],
  'GET /v1/sessions/{id}': ['user', 'admin'],
  'PATCH /v1/sessions/{id}': ['user', 'admin'],
  'DELETE /v1/sessions/{id}': ['user', 'admin'],
  'POST /v1/sessions/{id}/messages': ['user', 'admin'],
  'POST /v1/sessions/{id}/messages/{messageId}/feedback': ['user', 'admin'],
  'GET /metrics': ['auditor', 'admin'],
  'GET /v1/audit': ['auditor', 'admin'],
  'GET /v1/admin/keys': ['admin'],
  'POST /v1/admin/keys': ['admin'],
  'POST /v1/admin/keys/{id}/rotate': ['admin'],
  'POST /v1/admin/keys/{id}/revoke': ['admin'],
  'DELETE /v1/admin/sessions/{id}': ['admin'],
};

/** API routes that answer without a credential. */
const PUBLIC_API = ['GET /healthz', 'GET /readyz', 'POST /v1/auth/exchange'];

/**
 * The UI's static routes (src/http/routes/ui.ts, registered by main.ts): `/`, `/ui-config.json`, and when
 * web/dist is built `/assets/*` and each other top-level file. They hold no data and are deliberately public.
 */
function uiRoutes(): string[] {
  const dist = fileURLToPath(new URL('../../web/dist', import.meta.url));
  const out = ['GET /', 'GET /ui-config.json'];
  if (!existsSync(join(dist, 'index.html'))) return out;
  for (const entry of readdirSync(dist, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name === 'assets') out.push('GET /assets/*');
    else if (entry.isFile() && entry.name !== 'index.html') out.push(`GET /${entry.name}`);
  }
  return out;
}

let stack: SecStack;
let keys: Record<Role, string>;
let badCredentials: [string, string | undefined][];
let routes: { method: string; path: string; key: string }[];

/** Concrete URL for an OpenAPI or Fastify path template. */
const concrete = (path: string) =>
  path.replace(/\{[^}]+\}|:[A-Za-z]+/g, 'ses_doesnotexist').replace(/\/(?:assets\/)?\*$/, '/assets/app.js');

/** Every route Fastify knows (hidden ones included), parsed from printRoutes' tree. */
function allRoutes(tree: string): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const stackByDepth: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    const full = (depth > 0 ? stackByDepth[depth - 1] : '') + m[2];
    stackByDepth[depth] = full;
    // find-my-way prints the UI's `/assets/*` as a bare `*` under its parent; name it as registered.
    const path = full.endsWith('*') ? '/assets/*' : full;
    for (const method of m[3]?.split(', ') ?? []) if (method !== 'HEAD') out.push({ method, path });
  }
  return out;
}

async function send(method: string, path: string, authorization: string | undefined) {
  const headers: Record<string, string> = {};
  if (authorization !== undefined) headers.authorization = authorization;
  const hasBody = method === 'POST';
  return stack.call(method, concrete(path), { headers, body: hasBody ? {} : undefined });
}

beforeAll(async () => {
  stack = await startSecStack();
  const user = await stack.createKey('user');
  const auditor = await stack.createKey('auditor');
  keys = { admin: stack.adminKey, user: user.secret, auditor: auditor.secret };

  const expired = await stack.createKey('user', { expiresIn: '300ms' });
  const revoked = await stack.createKey('user');
  expect((await stack.call('POST', `/v1/admin/keys/${revoked.id}/revoke`, { key: stack.adminKey })).status).toBe(200);
  const rotated = await stack.createKey('user');
  expect(
    (await stack.call('POST', `/v1/admin/keys/${rotated.id}/rotate`, { key: stack.adminKey, body: { grace: '1ms' } }))
      .status,
  ).toBe(200);
  await until(
    async () => (await stack.call('GET', '/v1/models', { key: expired.secret })).status === 401,
    5_000,
    'the short-lived key to expire',
  );
  await until(
    async () => (await stack.call('GET', '/v1/models', { key: rotated.secret })).status === 401,
    5_000,
    'the rotation grace to end',
  );

  const admin = stack.adminKey;
  const lastChar = admin.at(-1) === 'A' ? 'B' : 'A';
  badCredentials = [
    ['no header', undefined],
    ['empty bearer', 'Bearer '],
    ['malformed', 'Bearer not-a-parley-key'],
    ['wrong scheme', `Basic ${Buffer.from(`admin:${admin}`).toString('base64')}`],
    ['wrong key (one character changed)', `Bearer ${admin.slice(0, -1)}${lastChar}`],
    ['well-formed but unknown', `Bearer ${generateApiKey().secret}`],
    ['expired', `Bearer ${expired.secret}`],
    ['revoked', `Bearer ${revoked.secret}`],
    ['rotated past its grace', `Bearer ${rotated.secret}`],
    ['forged JWT (no OIDC configured)', 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbImFkbWluIl19.'],
  ];

  const spec = await stack.call('GET', '/openapi.json', { key: admin });
  expect(spec.status).toBe(200);
  routes = Object.entries(spec.json.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.keys(item).map((method) => ({ method: method.toUpperCase(), path, key: `${method.toUpperCase()} ${path}` })),
  );
});

afterAll(async () => {
  await stack?.close();
});

describe('role matrix over /openapi.json', () => {
  it('documents every route with an expected permission', () => {
    expect(routes.length).toBeGreaterThanOrEqual(Object.keys(EXPECTED).length);
    const undeclared = routes.map((r) => r.key).filter((k) => !(k in EXPECTED));
    expect(undeclared, 'routes without an entry in EXPECTED: decide who may call them').toEqual([]);
    const gone = Object.keys(EXPECTED).filter((k) => !routes.some((r) => r.key === k));
    expect(gone, 'EXPECTED lists routes the API no longer has').toEqual([]);
  });

  it('refuses every bad credential with 401 on every non-public route (never 5xx, never a trace)', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      if (EXPECTED[route.key] === 'public') continue;
      for (const [label, header] of badCredentials) {
        const r = await send(route.method, route.path, header);
        if (r.status !== 401) failures.push(`${route.key} with ${label}: ${r.status} ${r.text.slice(0, 120)}`);
        else {
          if (r.json?.error?.type !== 'authentication_error')
            failures.push(`${route.key} with ${label}: body ${r.text.slice(0, 120)}`);
          if (looksLikeStackTrace(r.text)) failures.push(`${route.key} with ${label}: stack trace in body`);
          if (header && header.length > 12 && r.text.includes(header.slice(7)))
            failures.push(`${route.key} with ${label}: credential echoed`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('gives each role exactly its permissions: 403 without, never 401/403 with, never 5xx', async () => {
    const failures: string[] = [];
    for (const route of routes) {
      const allowed = EXPECTED[route.key];
      for (const role of ALL) {
        const r = await send(route.method, route.path, `Bearer ${keys[role]}`);
        if (r.status >= 500 || looksLikeStackTrace(r.text))
          failures.push(`${route.key} as ${role}: ${r.status} ${r.text.slice(0, 160)}`);
        if (allowed === 'public') continue;
        if (allowed.includes(role)) {
          if (r.status === 401 || r.status === 403)
            failures.push(`${route.key} as ${role}: refused (${r.status}) but the role has the permission`);
        } else if (r.status !== 403 || r.json?.error?.type !== 'permission_error') {
          failures.push(
            `${route.key} as ${role}: expected 403 permission_error, got ${r.status} ${r.text.slice(0, 120)}`,
          );
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('the hidden /openapi.json itself needs a credential but no particular role', async () => {
    expect((await stack.call('GET', '/openapi.json')).status).toBe(401);
    for (const role of ALL) expect((await stack.call('GET', '/openapi.json', { key: keys[role] })).status).toBe(200);
  });
});

describe('secure default: the public set', () => {
  it('only the health probes, the UI files and the login-link exchange answer without a credential', async () => {
    const every = allRoutes(stack.parley.app.printRoutes({ commonPrefix: false }));
    expect(every.length).toBeGreaterThan(routes.length); // hidden routes (UI, /openapi.json) are included
    const open: string[] = [];
    for (const route of every) {
      const r = await send(route.method, route.path, undefined);
      expect(r.status, `${route.method} ${route.path}`).toBeLessThan(500);
      if (r.status !== 401) open.push(`${route.method} ${route.path}`);
      if (route.method === 'GET') {
        // HEAD is served by the GET route: it must be exactly as closed.
        const head = await send('HEAD', route.path, undefined);
        expect(head.status === 401, `HEAD ${route.path}`).toBe(r.status === 401);
      }
    }
    expect(open.sort()).toEqual([...PUBLIC_API, ...uiRoutes()].sort());
  });

  it('an unknown path is a 401 without a credential (nothing to enumerate) and a 404 with one', async () => {
    expect((await stack.call('GET', '/v1/secret-admin-panel')).status).toBe(401);
    const r = await stack.call('GET', '/v1/secret-admin-panel', { key: keys.user });
    expect(r.status).toBe(404);
    expect(looksLikeStackTrace(r.text)).toBe(false);
  });
});

describe('key lifetimes beyond ten years', () => {
  it('are refused by name with a 400, store nothing, and the key list stays readable', async () => {
    const before = await stack.call('GET', '/v1/admin/keys', { key: stack.adminKey });
    expect(before.status).toBe(200);
    // 9999999999d is past JavaScript's last date: before the fix it was stored, and every listing then failed with 500.
    for (const expiresIn of ['9999999999d', '3651d']) {
      const r = await stack.call('POST', '/v1/admin/keys', {
        key: stack.adminKey,
        body: { name: 'too long', role: 'user', expiresIn },
      });
      expect(r.status, r.text).toBe(400);
      expect(r.json.error.param).toBe('expiresIn');
      expect(r.json.error.message).toContain('at most 3650d');
    }
    const rotate = await stack.call('POST', `/v1/admin/keys/${before.json.data[0].id}/rotate`, {
      key: stack.adminKey,
      body: { grace: '99999999999999d' },
    });
    expect(rotate.status, rotate.text).toBe(400);
    expect(rotate.json.error.param).toBe('grace');
    const after = await stack.call('GET', '/v1/admin/keys', { key: stack.adminKey });
    expect(after.status, after.text).toBe(200);
    expect(after.json.data).toEqual(before.json.data);
    expect((await stack.createKey('user', { expiresIn: '3650d' })).id).toMatch(/^key_/);
  });
});
