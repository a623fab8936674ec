// Issue 3 point 9: optional TLS reloaded on change, HSTS only under TLS, security headers everywhere, CORS denied
// unless allowlisted.

import { execFileSync } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import type { ParleyApp } from '../../src/http/request-context.js';
import { startSecStack, until, type SecStack } from './harness.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-tls-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A self-signed certificate and key for 127.0.0.1 made with openssl; returns the PEM texts. */
function selfSigned(name: string): { cert: string; key: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
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
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** The common name of the certificate a fresh TLS connection is served. */
function servedName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = socket.getPeerCertificate().subject?.CN;
      socket.end();
      resolve(String(cn));
    });
    socket.on('error', reject);
  });
}

/** GET over HTTPS trusting only `ca`. */
function httpsGet(
  url: string,
  ca: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { ca, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Replaces a file atomically (write + rename), as a secret mount or cert-manager does. */
async function replace(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

describe('TLS', () => {
  it('serves HTTPS with the certificate from secret references, sends HSTS, and swaps a renewed certificate in without a restart', async () => {
    const one = selfSigned('one');
    const two = selfSigned('two');
    const live = join(dir, 'live');
    await mkdir(live);
    await writeFile(join(live, 'tls.crt'), one.cert);
    await writeFile(join(live, 'tls.key'), one.key);
    const stack = await startSecStack({ server: `tls: { cert: "file:${live}/tls.crt", key: "file:${live}/tls.key" }` });
    try {
      expect(stack.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const port = Number(new URL(stack.url).port);
      expect(await servedName(port)).toBe('one');
      const health = await httpsGet(`${stack.url}/healthz`, one.cert);
      expect(health.status).toBe(200);
      expect(health.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
      const refused = await httpsGet(`${stack.url}/v1/models`, one.cert);
      expect(refused.status).toBe(401);
      expect(refused.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
      const server = stack.parley.app.server;

      // Renewal: the key is replaced first (a moment with a mismatched pair), then the certificate.
      await replace(join(live, 'tls.key'), two.key);
      await replace(join(live, 'tls.crt'), two.cert);
      await until(async () => (await servedName(port)) === 'two', 10_000, 'the renewed certificate');
      expect(stack.parley.app.server).toBe(server); // same server: no restart
      const renewed = await httpsGet(`${stack.url}/healthz`, two.cert);
      expect(renewed.status).toBe(200);
      await stack.shutdown();
      expect(stack.logText()).toContain('TLS certificate reloaded');
      const keyBody = two.key.split('\n')[1];
      expect(stack.logText()).not.toContain(keyBody);
    } finally {
      await stack.close();
    }
  });

  it('a certificate and key that do not match stop start-up with a message naming server.tls', async () => {
    const a = selfSigned('a');
    const b = selfSigned('b');
    await writeFile(join(dir, 'mismatch.crt'), a.cert);
    await writeFile(join(dir, 'mismatch.key'), b.key);
    const attempt = startSecStack({
      server: `tls: { cert: "file:${dir}/mismatch.crt", key: "file:${dir}/mismatch.key" }`,
    });
    await expect(attempt).rejects.toThrow(/server\.tls/);
    await expect(attempt).rejects.not.toThrow(b.key.split('\n')[1]);
  });

  it('a missing key file names server.tls.key', async () => {
    const a = selfSigned('c');
    await writeFile(join(dir, 'only.crt'), a.cert);
    await expect(
      startSecStack({ server: `tls: { cert: "file:${dir}/only.crt", key: "file:${dir}/absent.key" }` }),
    ).rejects.toThrow(/server\.tls\.key/);
  });

  it('tls settings must be secret references', () => {
    expect(() =>
      parseConfig(`server: { tls: { cert: "-----BEGIN CERTIFICATE-----", key: "file:/x" } }`, 'test', {}),
    ).toThrow(/server\.tls\.cert/);
  });
});

describe('security headers over plain HTTP', () => {
  let stack: SecStack;
  beforeAll(async () => {
    const probe = (app: ParleyApp): void => {
      app.get('/__test/raw-headers', { config: { permission: 'chat' } }, async (_request, reply) => ({
        rawHeaderNames: reply.raw.getHeaderNames(),
      }));
    };
    stack = await startSecStack({ plugins: [probe] });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const expectApiHeaders = (h: Headers, where: string) => {
    expect(h.get('x-content-type-options'), where).toBe('nosniff');
    expect(h.get('referrer-policy'), where).toBe('no-referrer');
    expect(h.get('x-frame-options'), where).toBe('DENY');
    expect(h.get('cache-control'), where).toBe('no-store');
    expect(h.get('strict-transport-security'), `${where}: no HSTS over plain HTTP`).toBeNull();
  };

  it('every kind of API response carries them: success, 401, 403, 404, 400 and health', async () => {
    const user = (await stack.createKey('user')).secret;
    const cases: [string, Promise<{ headers: Headers; status: number }>][] = [
      ['200', stack.call('GET', '/v1/models', { key: user })],
      ['401', stack.call('GET', '/v1/models')],
      ['403', stack.call('GET', '/metrics', { key: user })],
      ['404', stack.call('GET', '/v1/nope', { key: user })],
      ['400', stack.call('POST', '/v1/chat/completions', { key: user, body: {} })],
      ['healthz', stack.call('GET', '/healthz')],
      ['router refusal (over-long id)', stack.call('GET', `/v1/sessions/ses_${'x'.repeat(300)}`, { key: user })],
      [
        'chat',
        stack.call('POST', '/v1/chat/completions', {
          key: user,
          body: { model: 'chat', messages: [{ role: 'user', content: 'hi' }] },
        }),
      ],
    ];
    for (const [label, pending] of cases) expectApiHeaders((await pending).headers, label);
  });

  it('event streams carry them too (hijacked responses), with the stream’s own Cache-Control', async () => {
    const user = (await stack.createKey('user')).secret;
    const session = await stack.call('POST', '/v1/sessions', { key: user, body: {} });
    expect(session.status).toBe(201);
    const streams = [
      [
        'chat completion',
        await stack.call('POST', '/v1/chat/completions', {
          key: user,
          body: { model: 'chat', stream: true, messages: [{ role: 'user', content: 'hi' }] },
        }),
      ],
      [
        'session message',
        await stack.call('POST', `/v1/sessions/${session.json.id}/messages`, {
          key: user,
          body: { content: 'hi', stream: true },
        }),
      ],
    ] as const;
    for (const [label, r] of streams) {
      expect(r.headers.get('content-type'), label).toMatch(/text\/event-stream/);
      expect(r.headers.get('x-content-type-options'), label).toBe('nosniff');
      expect(r.headers.get('x-frame-options'), label).toBe('DENY');
      expect(r.headers.get('referrer-policy'), label).toBe('no-referrer');
      expect(r.headers.get('cache-control'), label).toBe('no-cache, no-transform');
    }
  });

  it('replies get them in onSend, not on the raw response: nothing is set there before Fastify writes the head', async () => {
    // A header set on the raw response early sends every reply through Node's slower merge of two header
    // sets in writeHead (12–15 µs of CPU per request in the benchmark); the probe route shows what is there.
    const user = (await stack.createKey('user')).secret;
    const r = await stack.call('GET', '/__test/raw-headers', { key: user });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ rawHeaderNames: [] });
    expect(r.headers.get('x-frame-options')).toBe('DENY');
  });

  it('UI routes keep their own caching and strict CSP, with nosniff and no framing', async () => {
    for (const path of ['/', '/ui-config.json']) {
      const r = await stack.call('GET', path);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('cache-control'), path).toBe('no-cache');
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('x-frame-options'), path).toBe('DENY');
      const csp = r.headers.get('content-security-policy') ?? '';
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
    }
  });
});

describe('CORS', () => {
  const LISTED = 'https://app.example.com';
  const EVIL = 'https://evil.example';
  const preflight = (s: SecStack, origin: string) =>
    s.call('OPTIONS', '/v1/chat/completions', {
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
  const corsHeaders = (h: Headers) => [...h.keys()].filter((k) => k.startsWith('access-control-'));

  it('default (no origins): no Access-Control-* header for any origin, and preflights are refused', async () => {
    const stack = await startSecStack();
    try {
      const user = (await stack.createKey('user')).secret;
      for (const origin of [EVIL, LISTED, 'null']) {
        const r = await stack.call('GET', '/v1/models', { key: user, headers: { origin } });
        expect(r.status).toBe(200);
        expect(corsHeaders(r.headers)).toEqual([]);
        const p = await preflight(stack, origin);
        expect(p.status).toBe(403);
        expect(corsHeaders(p.headers)).toEqual([]);
      }
    } finally {
      await stack.close();
    }
  });

  it('an allowlisted origin gets a precise preflight answer and exposed headers; others get nothing', async () => {
    const stack = await startSecStack({
      server: `cors: { origins: ["${LISTED}"] }`,
      yaml: () => 'rateLimits: { requestsPerMinute: 100, tokensPerMinute: 0, concurrentStreams: 0 }',
    });
    try {
      const ok = await preflight(stack, LISTED);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(LISTED);
      expect(ok.headers.get('access-control-allow-methods')).toMatch(/POST/);
      expect(ok.headers.get('access-control-allow-methods')).toMatch(/DELETE/);
      const allowHeaders = ok.headers.get('access-control-allow-headers') ?? '';
      for (const h of ['authorization', 'content-type', 'x-request-id']) expect(allowHeaders).toContain(h);
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
      expect(ok.headers.get('vary')).toMatch(/Origin/);

      const user = (await stack.createKey('user')).secret;
      const r = await stack.call('GET', '/v1/models', { key: user, headers: { origin: LISTED } });
      expect(r.status).toBe(200);
      expect(r.headers.get('access-control-allow-origin')).toBe(LISTED);
      expect(r.headers.get('access-control-allow-credentials')).toBeNull();
      const exposed = r.headers.get('access-control-expose-headers') ?? '';
      for (const h of ['x-request-id', 'x-parley-cache', 'ratelimit', 'ratelimit-policy', 'retry-after'])
        expect(exposed).toContain(h);
      expect(r.headers.get('vary')).toMatch(/Origin/);
      // A cross-origin error still lets the app read it (and the request still needs a credential).
      const unauth = await stack.call('GET', '/v1/models', { headers: { origin: LISTED } });
      expect(unauth.status).toBe(401);
      expect(unauth.headers.get('access-control-allow-origin')).toBe(LISTED);

      for (const origin of [EVIL, 'https://app.example.com.evil.example', 'http://app.example.com']) {
        const denied = await preflight(stack, origin);
        expect(denied.status).toBe(403);
        expect(corsHeaders(denied.headers)).toEqual([]);
        const get = await stack.call('GET', '/v1/models', { key: user, headers: { origin } });
        expect(get.headers.get('access-control-allow-origin')).toBeNull();
      }
    } finally {
      await stack.close();
    }
  });

  it.each(['https://*.example.com', 'https://app.example.com/path', '*'])(
    'origin %s is refused by the configuration schema',
    (origin) => {
      expect(() => parseConfig(`server: { cors: { origins: ["${origin}"] } }`, 'test', {})).toThrow(
        /server\.cors\.origins/,
      );
    },
  );
});
