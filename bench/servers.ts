// Starts the three benchmark servers (mock upstream, floor proxy, Parley) as separate processes.

import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { request } from 'undici';
import { parseConfig } from '../src/config/load.js';
import { spawnServer } from './processes.js';
import type { ServerProcess } from './processes.js';

const run = promisify(execFile);
const TSX = ['--import', 'tsx'];

/** Where the repository lives and how to launch the Parley CLI. */
export interface ServerPaths {
  root: string;
  /** Temporary directory for the config file and Parley's data dir. */
  tmp: string;
  fromSource: boolean;
  /** Directory for --cpu-prof output, when profiling. */
  profileDir?: string;
  /** Suffix of the profile file names (`parley-<stamp>.cpuprofile`, `floor-<stamp>.cpuprofile`). */
  profileStamp?: string;
  /** Node binary for Parley and the floor (default: this process's). */
  node?: string;
  /**
   * Parley as shipped: the default configuration (info logging, response cache left at its default) instead of
   * the quieter one of the comparison benches (warn logging, cache off). Both keep the high rate limits.
   */
  asShipped?: boolean;
}

/** Node flags that write a CPU profile named `<name>-<stamp>.cpuprofile` on exit, when profiling. */
export function profileFlags(paths: ServerPaths, name: string): string[] {
  if (!paths.profileDir) return [];
  return [
    '--cpu-prof',
    '--cpu-prof-dir',
    paths.profileDir,
    '--cpu-prof-name',
    `${name}-${paths.profileStamp ?? Date.now()}.cpuprofile`,
  ];
}

function parleyCli(paths: ServerPaths): string[] {
  return paths.fromSource ? [...TSX, join(paths.root, 'src/cli/index.ts')] : [join(paths.root, 'dist/cli/index.js')];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts the mock upstream (no request recording, fast 16-token replies). */
export function startMock(paths: ServerPaths): Promise<ServerProcess> {
  return spawnServer({
    name: 'mock upstream',
    command: process.execPath,
    args: [...TSX, join(paths.root, 'bench/mock-server.ts')],
  });
}

/**
 * Writes bench/<name>.ts into the run's temp dir as plain JavaScript that Node runs without a TypeScript
 * loader: packages (undici, fastify) resolved to files, and `../src/x.js` imports pointed at the build
 * (`dist/x.js`), so the script runs compiled like the Parley it is compared with. Returns the file.
 */
export async function compileBenchScript(paths: ServerPaths, name: string): Promise<string> {
  const source = await readFile(join(paths.root, `bench/${name}.ts`), 'utf8');
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const resolve = createRequire(import.meta.url).resolve;
  const file = join(paths.tmp, `${name}.mjs`);
  await writeFile(
    file,
    outputText
      .replace(
        /from '\.\.\/src\/([^']+)'/g,
        (_all, path: string) => `from '${pathToFileURL(join(paths.root, 'dist', path)).href}'`,
      )
      .replace(/from '(fastify|undici)'/g, (_all, pkg: string) => `from '${pathToFileURL(resolve(pkg)).href}'`),
  );
  return file;
}

/**
 * Starts the floor proxy in front of `upstream` as plain JavaScript (see compileBenchScript), so its
 * memory and start-up carry no TypeScript loader: the floor must be a bare Node.js process.
 */
export async function startFloor(paths: ServerPaths, upstream: string): Promise<ServerProcess> {
  const file = await compileBenchScript(paths, 'floor-proxy');
  return spawnServer({
    name: 'floor proxy',
    command: paths.node ?? process.execPath,
    args: [...profileFlags(paths, 'floor'), file, '--upstream', upstream],
  });
}

/**
 * The benchmark's Parley configuration: one OpenAI-compatible provider (the mock), one model `bench`, rate limits
 * that never refuse; `asShipped` leaves logging (info) and the cache (opt-in) at their defaults, otherwise logging is
 * `warn` and the cache off. `extraYaml` adds top-level keys (the shared-state mode's `state:` section).
 * Authentication, the audit trail (a file in `dataDir`), the privacy filter and metrics are on by default either way.
 */
export function benchConfigYaml(mockUrl: string, dataDir: string, extraYaml = '', asShipped = false): string {
  return [
    '# Written by bench/run.ts for one benchmark run.',
    'server: { host: 127.0.0.1, port: 0 }',
    `dataDir: ${JSON.stringify(dataDir)}`,
    ...(asShipped
      ? ['# Parley as shipped: every default kept except the rate limits.', 'logging: { level: info }']
      : ['logging: { level: warn }', 'cache: { mode: "off" }']),
    '# Limits high enough never to refuse, so the limiter still runs on the measured path.',
    'rateLimits: { requestsPerMinute: 1000000000, tokensPerMinute: 1000000000, concurrentStreams: 100000 }',
    'providers:',
    '  - id: mock',
    '    type: openai',
    `    baseUrl: ${JSON.stringify(`${mockUrl}/v1`)}`,
    "    maxConnections: 1100   # room for the memory phase's 1,000 concurrent streams",
    'models:',
    '  - name: bench',
    '    targets: [{ provider: mock, model: m }]',
    extraYaml,
    '',
  ].join('\n');
}

/**
 * The Bearer credential: the given one, else a key made with `parley keys create` in the run's data
 * dir (once that command exists), else a placeholder (Parley currently accepts any request).
 */
export async function obtainApiKey(
  paths: ServerPaths,
  given: string | undefined,
  configFile?: string,
): Promise<{ key: string; source: string }> {
  if (given) return { key: given, source: '--api-key / BENCH_API_KEY' };
  try {
    const config = configFile === undefined ? [] : ['--config', configFile];
    const { stdout } = await run(
      process.execPath,
      [...parleyCli(paths), 'keys', 'create', ...config, '--name', 'bench', '--role', 'user', '--json'],
      {
        env: { ...process.env, PARLEY_DATA_DIR: paths.tmp },
        timeout: 20_000,
      },
    );
    const last = stdout.trim().split('\n').pop() ?? '';
    const parsed = JSON.parse(last) as { secret?: unknown };
    if (typeof parsed.secret === 'string' && parsed.secret !== '')
      return { key: parsed.secret, source: 'parley keys create (temporary data dir)' };
  } catch {
    // the keys command is not available (yet): fall through
  }
  return {
    key: 'bench-placeholder-key',
    source: 'placeholder (parley keys create unavailable; Parley accepted it as-is)',
  };
}

/**
 * Extra node flags for the Parley process from BENCH_PARLEY_NODE_FLAGS (space-separated), e.g.
 * `--max-semi-space-size=8`.
 */
function extraNodeFlags(): string[] {
  return (process.env.BENCH_PARLEY_NODE_FLAGS ?? '').split(' ').filter(Boolean);
}

/** Options of a second Parley in one run (the shared-state mode): its name, extra YAML and environment. */
export interface ParleyVariant {
  name: string;
  extraYaml: string;
  env: Record<string, string>;
}

/** Writes a variant's configuration file (checked in-process first) and returns its path. */
export async function writeParleyConfig(paths: ServerPaths, mockUrl: string, variant?: ParleyVariant): Promise<string> {
  const yaml = benchConfigYaml(mockUrl, paths.tmp, variant?.extraYaml, paths.asShipped);
  // throws ConfigError with every problem before anything starts
  parseConfig(yaml, 'bench configuration', variant?.env ?? {});
  const configFile = join(paths.tmp, `parley.${variant?.name ?? 'bench'}.yaml`);
  await writeFile(configFile, yaml);
  return configFile;
}

/** Writes the config, checks it in-process, and starts `parley serve`; ready when GET /readyz answers 200. */
export async function startParleyProcess(
  paths: ServerPaths,
  mockUrl: string,
  variant?: ParleyVariant,
): Promise<ServerProcess & { configFile: string }> {
  const configFile = await writeParleyConfig(paths, mockUrl, variant);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = await spawnServer({
    name: variant?.name ?? 'parley',
    command: paths.node ?? process.execPath,
    args: [
      ...profileFlags(paths, variant?.name ?? 'parley'),
      ...extraNodeFlags(),
      ...parleyCli(paths),
      'serve',
      '--config',
      configFile,
    ],
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: paths.asShipped ? 'info' : 'warn',
      PARLEY_DATA_DIR: paths.tmp,
      NODE_ENV: 'production',
      ...variant?.env,
    },
    readyUrl: `${url}/readyz`,
    url,
    timeoutMs: 60_000,
  });
  return { ...server, configFile };
}

/** Replaces the mock's scenario fields (admin API); `null` returns to the start-up scenario. */
export async function setMockScenario(mockUrl: string, scenario: Record<string, unknown> | null): Promise<void> {
  const res = await request(`${mockUrl}/__mock/scenario`, {
    method: scenario === null ? 'DELETE' : 'POST',
    headers: { 'content-type': 'application/json' },
    body: scenario === null ? undefined : JSON.stringify(scenario),
  });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`mock scenario update failed (${res.statusCode}): ${text}`);
}
