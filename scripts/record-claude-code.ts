// Runs the real Claude Code CLI end to end against Parley (mock upstream as an Anthropic-format and as an OpenAI-format
// target) and records every request Claude Code sends to Parley, with Parley's answer, as a replay fixture.
//
//   CLAUDE_BIN=/path/to/claude npx tsx scripts/record-claude-code.ts [out.json]
//
// Claude Code needs Node ≥ 22, so it is never a dependency: run this by hand when a new version is to be recorded;
// test/compat/claude-code-replay.test.ts replays the file it writes.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, standardYaml, startStack } from '../test/integration/harness.js';

const bin = process.env.CLAUDE_BIN;
if (bin === undefined)
  throw new Error(
    'Set CLAUDE_BIN to the Claude Code binary (e.g. node_modules/.bin/claude of @anthropic-ai/claude-code).',
  );
const out = process.argv[2] ?? 'test/fixtures/claude-code/recorded.json';
const PROMPT = 'Read hello.txt and tell me what it says';
const TEST_KEY = 'prl_test';

interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  status: number;
  responseContentType: string;
  response: string;
}

/** A proxy in front of Parley that keeps each request and Parley's answer (the key replaced by a placeholder). */
async function recordingProxy(
  target: string,
  key: string,
  log: Exchange[],
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
      );
      const upstream = http.request(
        `${target}${req.url ?? '/'}`,
        { method: req.method, headers: { ...req.headers, host: new URL(target).host } },
        (answer) => {
          const parts: Buffer[] = [];
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.on('data', (c: Buffer) => {
            parts.push(c);
            res.write(c);
          });
          answer.on('end', () => {
            res.end();
            for (const h of ['authorization', 'x-api-key'])
              if (headers[h] !== undefined) headers[h] = headers[h].replace(key, TEST_KEY);
            log.push({
              method: req.method ?? 'GET',
              url: req.url ?? '/',
              headers,
              body: raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as unknown) : null,
              status: answer.statusCode ?? 0,
              responseContentType: String(answer.headers['content-type'] ?? ''),
              response: Buffer.concat(parts).toString('utf8'),
            });
          });
        },
      );
      upstream.on('error', (error) => res.destroy(error));
      upstream.end(raw);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((done) => server.close(() => done())),
  };
}

async function runClaude(
  baseUrl: string,
  key: string,
  model: string,
  workDir: string,
  home: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(bin as string, ['-p', PROMPT, '--model', model, '--allowedTools', 'Read'], {
    cwd: workDir,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      ANTHROPIC_BASE_URL: baseUrl,
      ANTHROPIC_AUTH_TOKEN: key,
      ANTHROPIC_SMALL_FAST_MODEL: model,
      DISABLE_TELEMETRY: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGTERM'), 120_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const version = await new Promise<string>((resolve, reject) => {
  const child = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  child.stdout.on('data', (c: Buffer) => (text += c.toString('utf8')));
  child.on('error', reject);
  child.on('exit', () => resolve(text.trim()));
});

const runs = [];
// Claude Code shapes its requests by the model name: a name it does not know (a Parley alias such as "anth") gets the
// newest shape (adaptive thinking, output_config.effort, system turns inside messages); "claude-sonnet-4-5" gets
// budgeted thinking. Both shapes are recorded, each against an Anthropic-format and an OpenAI-format target.
const SONNET = 'claude-sonnet-4-5';
const plan = [
  ['anth', 'anthropic', 'backup'],
  ['solo', 'openai', 'main'],
  [SONNET, 'anthropic', 'backup'],
  [SONNET, 'openai', 'main'],
] as const;
for (const [alias, kind, provider] of plan) {
  const scratch = await mkdtemp(join(tmpdir(), 'parley-cc-'));
  const workDir = join(scratch, 'work');
  const home = join(scratch, 'home');
  await (await import('node:fs/promises')).mkdir(workDir, { recursive: true });
  await (await import('node:fs/promises')).mkdir(home, { recursive: true });
  await writeFile(join(workDir, 'hello.txt'), 'Hello from Parley!\n');
  const stack = await startStack({
    yaml: standardYaml({
      retries: 0,
      firstByte: '5s',
      idle: '5s',
      extra:
        alias === SONNET
          ? `  - name: ${SONNET}\n    targets:\n      - { provider: ${provider}, ` +
            `model: ${provider === 'main' ? 'gpt-4o-mini' : 'claude-haiku-4-5'} }\n`
          : '',
    }),
    env: { ...KEYS },
    principals: ['claude-code'],
    mock: { scenario: { toolCall: { name: 'Read', arguments: { file_path: join(workDir, 'hello.txt') } } } },
  });
  const log: Exchange[] = [];
  const key = stack.keys['claude-code'];
  const proxy = await recordingProxy(stack.url, key, log);
  try {
    const result = await runClaude(proxy.url, key, alias, workDir, home);
    // The recorded paths name the scratch directory; the replay only needs them to be consistent.
    runs.push({
      target: kind,
      model: alias,
      workDir,
      exitCode: result.code,
      stdout: result.stdout,
      stderr: result.stderr,
      exchanges: log,
    });
    console.log(`${kind}: exit ${String(result.code)}, ${log.length} requests, answer: ${result.stdout.trim()}`);
  } finally {
    await proxy.close();
    await stack.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

await writeFile(
  out,
  `${JSON.stringify({ client: `Claude Code ${version}`, recordedWith: 'CLAUDE_BIN=... npx tsx ' + 'scripts/record-claude-code.ts', prompt: PROMPT, runs }, null, 2)}\n`,
);
console.log(`wrote ${out}`);
