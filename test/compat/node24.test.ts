// Parley must run unchanged on Node 24 LTS: start the real CLI under Node 24 (from the npm registry's `node`
// package) and drive a stream, a session turn and a graceful stop through it.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
let child: ChildProcess | undefined;
let url = '';
let key = '';
let dataDir = '';
let nodeMajor = '';

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

beforeAll(async () => {
  const { stdout } = await promisify(execFile)(
    'npx',
    ['-y', 'node@24', '-p', 'process.execPath + " " + process.versions.node'],
    { cwd: ROOT, timeout: 120_000 },
  );
  const [node24, version] = stdout.trim().split('\n').pop()!.split(' ');
  nodeMajor = version.split('.')[0];
  dataDir = mkdtempSync(join(tmpdir(), 'parley-node24-'));
  const port = await freePort();
  child = spawn(node24, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      PARLEY_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      PARLEY_CONFIG: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  await new Promise<void>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`Parley did not start under Node 24:\n${out}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /API key:\s+(prl_\w+)[\s\S]*Parley is running at (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        [, key, url] = match;
        done();
      }
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.on('exit', (code) => fail(new Error(`exited with ${code}:\n${out}`)));
  });
}, 180_000);

afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const auth = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });

describe('Node 24', () => {
  it('runs the server on Node 24', () => {
    expect(nodeMajor).toBe('24');
  });

  it('streams a whole answer: every chunk, the finish chunk and [DONE]', async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({
        model: 'demo',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'hello' }],
      }),
    });
    expect(res.status).toBe(200);
    const frames = (await res.text()).split('\n\n').filter((f) => f.startsWith('data: '));
    expect(frames.at(-1)).toBe('data: [DONE]');
    const finish = frames.map((f) => f.slice(6)).filter((d) => d.includes('"finish_reason":"stop"'));
    expect(finish).toHaveLength(1);
    expect(frames.at(-2)).toContain('"usage":{"prompt_tokens"');
  });

  it('answers a session turn as events and keeps it', async () => {
    const created = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: auth(), body: '{}' });
    const { id } = (await created.json()) as { id: string };
    const sent = await fetch(`${url}/v1/sessions/${id}/messages`, {
      method: 'POST',
      headers: auth(),
      body: JSON.stringify({ content: 'hi', stream: true }),
    });
    const text = await sent.text();
    expect(text).toMatch(/^event: start\n/);
    expect(text).toContain('event: done\n');
    const read = (await (await fetch(`${url}/v1/sessions/${id}`, { headers: auth() })).json()) as {
      messages: { role: string; incomplete?: boolean }[];
    };
    expect(read.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(read.messages[1].incomplete).toBeUndefined();
  });

  it('stops gracefully on SIGTERM with exit code 0', async () => {
    const exited = new Promise<number | null>((done) => child!.once('exit', (code) => done(code)));
    child!.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
