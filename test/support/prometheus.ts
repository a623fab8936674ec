// A real Prometheus (Debian's package) for tests: started on a free loopback port with the project's rules,
// polled until ready, queried through its HTTP API, and stopped with its data directory removed.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';

export const RULES_FILE = fileURLToPath(new URL('../../ops/prometheus/parley.rules.yml', import.meta.url));

export type Vector = { resultType?: string; result: { metric: Record<string, string>; value: [number, string] }[] };

export interface RunningPrometheus {
  base: string;
  /** GET an API path and return its `data`, throwing on a non-success status. */
  api<T>(path: string): Promise<T>;
  /** An instant query. */
  query(q: string): Promise<Vector>;
  /** Polls `check` until it returns a value; Prometheus scrapes and evaluates on its own clock. */
  until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts Prometheus with 1 s scrape/evaluation intervals; `scrapeConfigs` are YAML lines under `scrape_configs:`. */
export async function startPrometheus(
  scrapeConfigs: string[],
  options: { timeoutMs?: number } = {},
): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-prom-'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      `rule_files: ['${RULES_FILE}']`,
      'scrape_configs:',
      ...scrapeConfigs,
    ].join('\n'),
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let stderr = '';
  const child: ChildProcess = spawn(
    '/usr/bin/prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(base + path);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? JSON.stringify(body)}`);
    return body.data;
  };
  const until = async <T>(
    what: string,
    check: () => Promise<T | undefined>,
    timeoutMs = options.timeoutMs ?? 20_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; prometheus stderr:\n${stderr.slice(-2000)}`);
      await delay(200);
    }
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until('prometheus ready', async () => ((await fetch(`${base}/-/ready`)).ok ? true : undefined));
  } catch (error) {
    await stop();
    throw error;
  }
  return { base, api, query: (q) => api<Vector>(`/api/v1/query?query=${encodeURIComponent(q)}`), until, stop };
}
