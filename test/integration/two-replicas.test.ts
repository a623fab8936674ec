// Issue 12 point 8: two Parley processes share one Redis and one PostgreSQL and behave as one service.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from '../../src/mock-upstream/index.js';
import { freePort } from '../support/ports.js';
import { cleanPrefix, REDIS_URL } from '../support/redis.js';

const run = promisify(execFile);
const ADMIN_DB_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const LIMIT = 6;

interface Replica {
  name: string;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

let tmp: string;
let configFile: string;
let env: Record<string, string>;
let mock: MockUpstream;
let database: string;
let prefix: string;
let a: Replica;
let b: Replica;
const keys: Record<string, { id: string; secret: string }> = {};

/** Runs `parley …` with the shared configuration; resolves to stdout. */
async function parley(...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'src/cli/index.ts', ...args, '--config', configFile],
    { env: { ...process.env, ...env }, timeout: 60_000 },
  );
  return stdout;
}

/** Starts `parley serve` as its own process; resolves once /readyz answers 200. */
async function startReplica(name: string): Promise<Replica> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve', '--config', configFile], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`replica ${name} exited (${child.exitCode}): ${stderr.slice(-2000)}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`replica ${name} not ready in 60 s: ${stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { name, url, child, stop };
}

const auth = (who: string): Record<string, string> => ({
  authorization: `Bearer ${keys[who].secret}`,
  'content-type': 'application/json',
});

function post(
  replica: Replica,
  path: string,
  who: string,
  body: unknown,
  extra: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${replica.url}${path}`, {
    method: 'POST',
    headers: { ...auth(who), ...extra },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'parley-replicas-'));
  database = `parley_it_${randomBytes(5).toString('hex')}`;
  prefix = `parley-it-${randomBytes(5).toString('hex')}:`;
  const admin = new pg.Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const dbUrl = new URL(ADMIN_DB_URL);
  dbUrl.pathname = `/${database}`;
  mock = await startMockUpstream({ scenario: { tokens: 8 } });
  env = {
    PARLEY_REDIS_URL: REDIS_URL,
    PARLEY_DATABASE_URL: dbUrl.toString(),
    PARLEY_STATE_KEY: randomBytes(32).toString('base64'),
    PARLEY_DATA_DIR: tmp,
    LOG_LEVEL: 'warn',
  };
  configFile = join(tmp, 'parley.yaml');
  await writeFile(
    configFile,
    `
server: { host: 127.0.0.1, port: 0, drainTimeout: 2s }
logging: { level: warn }
cache: { mode: opt-in, ttl: 1m }
rateLimits: { requestsPerMinute: ${LIMIT}, tokensPerMinute: 0, concurrentStreams: 0 }
state:
  redis: { url: "env:PARLEY_REDIS_URL", keyPrefix: "${prefix}" }
  postgres: { url: "env:PARLEY_DATABASE_URL" }
  encryptionKey: "env:PARLEY_STATE_KEY"
providers:
  - id: main
    type: openai
    baseUrl: ${mock.url}/v1
    retry: { retries: 0 }
models:
  - name: chat
    targets: [{ provider: main, model: gpt-4o-mini }]
`,
  );
  for (const [name, role] of [
    ['admin', 'admin'],
    ['alice', 'user'],
    ['limited', 'user'],
    ['victim', 'user'],
    ['carol', 'user'],
    ['dave', 'user'],
  ] as const) {
    const out = JSON.parse(
      (await parley('keys', 'create', '--name', name, '--role', role, '--json')).trim().split('\n').pop()!,
    ) as { id: string; secret: string };
    keys[name] = { id: out.id, secret: out.secret };
  }
  [a, b] = await Promise.all([startReplica('A'), startReplica('B')]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await mock?.close();
  const admin = new pg.Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
  await cleanPrefix(REDIS_URL, prefix);
  await rm(tmp, { recursive: true, force: true });
}, 60_000);

describe('two replicas on one Redis and one PostgreSQL', () => {
  it('a session created through A continues through B', async () => {
    const created = await post(a, '/v1/sessions', 'alice', { model: 'chat' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect((await post(a, `/v1/sessions/${id}/messages`, 'alice', { content: 'first turn on A' })).status).toBe(200);
    expect((await post(b, `/v1/sessions/${id}/messages`, 'alice', { content: 'second turn on B' })).status).toBe(200);
    const seen = (await (await fetch(`${a.url}/v1/sessions/${id}`, { headers: auth('alice') })).json()) as {
      messages: { role: string; content: string }[];
    };
    expect(seen.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(seen.messages[2].content).toBe('second turn on B');
    // Another principal gets the same 404 as for a missing session, on either replica.
    expect((await fetch(`${b.url}/v1/sessions/${id}`, { headers: auth('carol') })).status).toBe(404);
  });

  it(`a limit of ${LIMIT} requests a minute holds for the pair: ${LIMIT}, not ${2 * LIMIT}`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 2 * LIMIT; i++) {
      const res = await post(i % 2 === 0 ? a : b, '/v1/chat/completions', 'limited', {
        model: 'chat',
        messages: [{ role: 'user', content: `n ${i}` }],
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(LIMIT);
  });

  it('a key revoked through A is refused by B within 1 second', async () => {
    const ask = () =>
      post(b, '/v1/chat/completions', 'victim', {
        model: 'chat',
        messages: [{ role: 'user', content: 'still here?' }],
      });
    expect((await ask()).status).toBe(200); // B has the key in its cache
    const revoked = await post(a, `/v1/admin/keys/${keys.victim.id}/revoke`, 'admin', {});
    expect(revoked.status).toBe(200);
    const since = Date.now();
    let status = 0;
    while (Date.now() - since < 1_000) {
      status = (await ask()).status;
      if (status === 401) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(status).toBe(401);
  });

  it('the same cacheable request sent to A and B at the same moment makes one upstream call', async () => {
    mock.setScenario({ ttftMs: 400 });
    try {
      const before = mock.requests.length;
      const body = {
        model: 'chat',
        temperature: 0,
        messages: [{ role: 'user', content: `coalesce ${randomBytes(4).toString('hex')}` }],
      };
      const [ra, rb] = await Promise.all([
        post(a, '/v1/chat/completions', 'dave', body, { 'x-parley-cache': 'use' }),
        post(b, '/v1/chat/completions', 'dave', body, { 'x-parley-cache': 'use' }),
      ]);
      expect([ra.status, rb.status]).toEqual([200, 200]);
      const [ja, jb] = (await Promise.all([ra.json(), rb.json()])) as { choices: { message: { content: string } }[] }[];
      expect(ja.choices[0].message.content).toBe(jb.choices[0].message.content);
      expect(mock.requests.slice(before).filter((r) => r.path === '/v1/chat/completions')).toHaveLength(1);
    } finally {
      mock.resetScenario();
    }
  });

  it('the audit events of both verify as one chain', async () => {
    // One session made through each replica, told apart by request id.
    const tag = randomBytes(4).toString('hex');
    for (const replica of [a, b]) {
      const res = await post(
        replica,
        '/v1/sessions',
        'dave',
        { model: 'chat' },
        { 'x-request-id': `audit-${tag}-${replica.name}` },
      );
      expect(res.status).toBe(201);
    }
    const out = await parley('audit', 'verify');
    const records = Number(/^OK .*?: (\d+) records/m.exec(out)?.[1]);
    expect(records).toBeGreaterThan(20);
    const created = (await parley('audit', 'query', '--action', 'session.created', '--limit', '1000'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { requestId: string }).requestId);
    expect(created).toEqual(expect.arrayContaining([`audit-${tag}-A`, `audit-${tag}-B`]));
  });

  it('SIGKILL of A in the middle of a stream loses no stored message of a completed turn, and B keeps serving', async () => {
    const created = await post(a, '/v1/sessions', 'carol', { model: 'chat' });
    const { id } = (await created.json()) as { id: string };
    expect((await post(a, `/v1/sessions/${id}/messages`, 'carol', { content: 'a completed turn' })).status).toBe(200);
    mock.setScenario({ tokens: 200, tokenDelayMs: 20 });
    try {
      const streaming = await post(a, `/v1/sessions/${id}/messages`, 'carol', { content: 'cut me off', stream: true });
      expect(streaming.status).toBe(200);
      const reader = streaming.body!.getReader();
      await reader.read(); // the stream is under way
      a.child.kill('SIGKILL');
      await reader.read().catch(() => undefined);
    } finally {
      mock.resetScenario();
    }
    const seen = (await (await fetch(`${b.url}/v1/sessions/${id}`, { headers: auth('carol') })).json()) as {
      messages: { role: string; content: string }[];
    };
    expect(seen.messages.slice(0, 2).map((m) => m.content)).toEqual(['a completed turn', expect.any(String)]);
    expect(seen.messages[1].role).toBe('assistant');
    expect((await post(b, `/v1/sessions/${id}/messages`, 'carol', { content: 'B carries on' })).status).toBe(200);
  });
});
