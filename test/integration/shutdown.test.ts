// Integration: graceful shutdown — readiness turns off, in-flight streams drain or are cut, the CLI exits 0 on SIGTERM.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mockReplyText } from '../../src/mock-upstream/index.js';
import {
  KEYS,
  chatBody,
  chunkText,
  postJson,
  readUntil,
  standardYaml,
  startStack,
  waitFor,
  type Stack,
} from './harness.js';

let stacks: Stack[] = [];
afterEach(async () => {
  await Promise.all(stacks.map((s) => s.close()));
  stacks = [];
});

/** Status of GET /readyz, or 'refused' when no new connection is accepted. */
async function readiness(url: string): Promise<number | 'refused'> {
  try {
    const res = await fetch(`${url}/readyz`);
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'refused';
  }
}

describe('graceful shutdown', () => {
  it('stops being ready but lets an in-flight stream finish within the drain timeout', async () => {
    const s = await startStack({ yaml: standardYaml({ server: 'drainTimeout: 5s' }), env: { ...KEYS } });
    stacks.push(s);
    s.mock.setScenario({ tokens: 16, tokenDelayMs: 25 });
    expect(await readiness(s.url)).toBe(200);
    const res = await postJson(`${s.url}/v1/chat/completions`, chatBody('chat', 'drain me', { stream: true }));
    const { text: head, reader } = await readUntil(res, (text) => text.includes('"content":"Mock"'));

    let shutdownDone = false;
    const stopping = s.parley.shutdown().then(() => {
      shutdownDone = true;
    });
    expect([503, 'refused']).toContain(await readiness(s.url));

    const decoder = new TextDecoder();
    let text = head;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const streamEnded = Date.now();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = text
      .split('\n\n')
      .filter((b) => b.startsWith('data: '))
      .map((b) => ({ data: b.slice(6) }));
    expect(chunkText(events)).toBe(mockReplyText('drain me', 16));
    await stopping;
    expect(shutdownDone).toBe(true);
    // Once nothing is in flight, shutdown does not sit out the rest of the 5 s drain timeout on idle keep-alive
    // sockets.
    expect(Date.now() - streamEnded).toBeLessThan(1_500);
  });

  it('ends the connection of a stream whose headers were not sent at SIGTERM (Connection: close, not keep-alive)', async () => {
    // Otherwise a balancer reuses the connection and the draining replica keeps getting streams until its timeout.
    const s = await startStack({ yaml: standardYaml({ server: 'drainTimeout: 5s' }), env: { ...KEYS } });
    stacks.push(s);
    s.mock.setScenario({ ttftMs: 300, tokens: 4 });
    const body = JSON.stringify(chatBody('chat', 'late headers', { stream: true }));
    const answered = new Promise<{ connection?: string; body: string }>((resolve, reject) => {
      const req = request(
        `${s.url}/v1/chat/completions`,
        { method: 'POST', headers: { 'content-type': 'application/json' }, agent: new Agent({ keepAlive: true }) },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ connection: res.headers.connection, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    await waitFor(
      async () => (await s.parley.metrics.render()).includes('parley_inflight_requests 1'),
      'the stream in flight',
    );
    const stopping = s.parley.shutdown();
    const { connection, body: text } = await answered;
    expect(connection).toBe('close');
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    await stopping;
  });

  it('cuts a stream still running at the drain timeout with an error event, and shutdown resolves', async () => {
    const s = await startStack({ yaml: standardYaml({ server: 'drainTimeout: 150ms' }), env: { ...KEYS } });
    stacks.push(s);
    s.mock.setScenario({ tokens: 400, tokenDelayMs: 25 });
    const res = await postJson(`${s.url}/v1/chat/completions`, chatBody('chat', 'too slow', { stream: true }));
    const { text: head, reader } = await readUntil(res, (text) => text.includes('"content":"Mock"'));
    const started = Date.now();
    const stopping = s.parley.shutdown();

    const decoder = new TextDecoder();
    let text = head;
    let transportError: unknown;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch (error) {
      transportError = error;
    }
    await stopping;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(text).not.toContain('[DONE]');
    const last = readSseTail(text);
    expect(
      last,
      `stream ended with ${transportError ? 'a transport error' : 'no error event'}: ${text.slice(-200)}`,
    ).toMatchObject({
      error: { code: 'shutting_down' },
    });
    await waitFor(() => s.mock.stats.open === 0, 'the cut upstream call to be closed', 1_000);
  });

  it('serves a request that arrives on a kept-alive connection while draining (Connection: close), never 503', async () => {
    // A load balancer that reuses a kept-alive connection may write its next request just as the drain begins:
    // here request 2 is pipelined behind a stream that is in flight when shutdown starts.
    const s = await startStack({ yaml: standardYaml({ server: 'drainTimeout: 5s' }), env: { ...KEYS } });
    stacks.push(s);
    s.mock.setScenario({ tokens: 10, tokenDelayMs: 30 });
    const { hostname: host, port } = new URL(s.url);
    const socket = connect({ host, port: Number(port) });
    let raw = '';
    socket.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const request = (body: unknown) => {
      const json = JSON.stringify(body);
      return (
        `POST /v1/chat/completions HTTP/1.1\r\nHost: ${host}\r\nContent-Type: ` +
        `application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`
      );
    };
    socket.write(request(chatBody('chat', 'busy', { stream: true })));
    await waitFor(() => raw.includes('"content":"Mock"'), 'the stream to start');
    const stopping = s.parley.shutdown();
    expect([503, 'refused']).toContain(await readiness(s.url));
    socket.write(request(chatBody('chat', 'one more')));
    await closed; // Parley closes the connection after the second answer
    const heads = raw.split('\r\n\r\n').filter((part) => part.startsWith('HTTP/1.1 '));
    expect(heads.map((h) => h.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(heads[1]).toMatch(/\r\nconnection: close/i);
    expect(raw).toContain('data: [DONE]');
    expect(raw).toContain(mockReplyText('one more', 10));
    await stopping;
  });

  it('keeps listening for server.drainDelay while /readyz says 503, every answer closing its connection', async () => {
    const s = await startStack({
      yaml: standardYaml({ server: 'drainDelay: 400ms, drainTimeout: 2s' }),
      env: { ...KEYS },
    });
    stacks.push(s);
    const stopping = s.parley.shutdown();
    const ready = await fetch(`${s.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'draining' });
    const res = await postJson(`${s.url}/v1/chat/completions`, chatBody());
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    await res.arrayBuffer();
    await stopping;
    expect(await readiness(s.url)).toBe('refused');
  });
});

/** The JSON of the last SSE data frame, if it parses. */
function readSseTail(text: string): unknown {
  const frames = text.split('\n\n').filter((b) => b.startsWith('data: '));
  const last = frames.at(-1)?.slice(6);
  try {
    return last === undefined ? undefined : JSON.parse(last);
  } catch {
    return undefined;
  }
}

describe('the parley CLI', () => {
  it('serves and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-cli-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve'], {
      cwd: join(import.meta.dirname, '..', '..'),
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        PARLEY_CONFIG: '',
        PARLEY_DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let output = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start-up line within 15 s: ${output}`)), 15_000);
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /running at (http:\/\/\S+?)(\s|$)/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(url).not.toMatch(/:0$/);
      expect(await readiness(url)).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
