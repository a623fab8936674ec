// `npm run bench:shared`: Parley on the embedded stores against Parley on Redis and PostgreSQL, alternated rounds.
//
//   npm run bench:shared -- [--kinds plain,stream] [--rounds 4] [--duration 5] [--connections 32]
//                           [--serial-connections 1] [--profile] [--out bench/results]
//
// Goal (issue 12): shared state adds under 0.3 ms at p50 and under 25% CPU per request. Both Parleys run the
// same build and configuration but for `state:`; the shared one gets its own database and Redis key prefix,
// removed at the end. Redis at PARLEY_BENCH_REDIS_URL (default 127.0.0.1:6379), PostgreSQL at
// PARLEY_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).
//
// Two loads per kind, each in alternated rounds: `--connections` (default 32, saturating: the machine's CPU decides
// the p50 there, so its added p50 mostly restates the added CPU of Parley, Redis and PostgreSQL together) and
// `--serial-connections` (default 1, 0 to skip: requests one after another, so the added p50 is the time the
// shared stores add to one request). The p50 goal is judged at the serial load (at the saturating one only when
// the serial load is skipped); the CPU goal at both. Per shared round the store calls per request and their mean time
// per request
// are read from the shared Parley's /metrics (parley_store_operation_duration_seconds), by backend and operation.
// `--profile` runs both Parleys under --cpu-prof and prints where their CPU went.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { request } from 'undici';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import { cpuPerRequest, cpuSeconds, killAllNow, stopAll } from './processes.js';
import type { ServerProcess } from './processes.js';
import { formatProfileSummary } from './profile-summary.js';
import { CHAT_PATH, KINDS, mergeRounds, REQUEST_BODIES, type KindName } from './report.js';
import { obtainApiKey, startMock, startParleyProcess, writeParleyConfig, type ParleyVariant } from './servers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REDIS_URL = process.env.PARLEY_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_DB_URL = process.env.PARLEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Target {
  name: 'embedded' | 'shared';
  server: ServerProcess;
  headers: Record<string, string>;
  /** Bearer header of an admin key, to read /metrics. */
  metricsAuth: string;
}

interface Summary {
  rps: number;
  cpu: number;
  p50: number;
  p99: number;
  /** Store calls per request (`backend operation` → calls, mean ms per request), shared target only. */
  storeCalls?: Record<string, { perRequest: number; msPerRequest: number }>;
}

/** One load setting of a kind: its connections and each target's summary. */
interface LoadFigures {
  connections: number;
  targets: Record<string, Summary>;
  addedP50Ms: number;
  /** False at the saturating load when a serial load runs too (its p50 restates the CPU there). */
  p50Judged: boolean;
  addedCpuPercent: number;
}

const run = promisify(execFile);

/** Store-call counts and summed seconds from /metrics, by `backend operation`. */
async function storeCounters(target: Target): Promise<Map<string, { count: number; seconds: number }>> {
  const res = await request(`${target.server.url}/metrics`, { headers: { authorization: target.metricsAuth } });
  const text = await res.body.text();
  if (res.statusCode !== 200)
    throw new Error(`${target.name} /metrics answered ${res.statusCode}: ${text.slice(0, 200)}`);
  const out = new Map<string, { count: number; seconds: number }>();
  const re = /^parley_store_operation_duration_seconds_(count|sum)\{([^}]*)\} (\S+)$/gm;
  for (const m of text.matchAll(re)) {
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const name = `${labels.backend} ${labels.operation}`;
    const entry = out.get(name) ?? { count: 0, seconds: 0 };
    if (m[1] === 'count') entry.count = Number(m[3]);
    else entry.seconds = Number(m[3]);
    out.set(name, entry);
  }
  return out;
}

/** Store calls (and their summed seconds) between two readings. */
function callsBetween(
  before: Map<string, { count: number; seconds: number }>,
  after: Map<string, { count: number; seconds: number }>,
): Map<string, { count: number; seconds: number }> {
  const out = new Map<string, { count: number; seconds: number }>();
  for (const [name, a] of after) {
    const b = before.get(name) ?? { count: 0, seconds: 0 };
    if (a.count > b.count) out.set(name, { count: a.count - b.count, seconds: a.seconds - b.seconds });
  }
  return out;
}

/** The shared-state variant: its own database and Redis key prefix, sealed content. */
function sharedVariant(database: string, prefix: string): ParleyVariant {
  const dbUrl = new URL(ADMIN_DB_URL);
  dbUrl.pathname = `/${database}`;
  return {
    name: 'parley-shared',
    extraYaml: [
      'state:',
      '  redis: { url: "env:PARLEY_REDIS_URL", keyPrefix: "' + prefix + '" }',
      '  postgres: { url: "env:PARLEY_DATABASE_URL" }',
      '  encryptionKey: "env:PARLEY_STATE_KEY"',
    ].join('\n'),
    env: {
      PARLEY_REDIS_URL: REDIS_URL,
      PARLEY_DATABASE_URL: dbUrl.toString(),
      PARLEY_STATE_KEY: randomBytes(32).toString('base64'),
    },
  };
}

/** Requests each target answered, warm-ups included (to normalise CPU profiles). */
const handled: Record<string, number> = { embedded: 0, shared: 0 };

async function measure(
  kind: KindName,
  targets: Target[],
  rounds: number,
  durationS: number,
  connections: number,
): Promise<Map<string, Summary>> {
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  const calls = new Map<string, { count: number; seconds: number }>();
  let sharedRequests = 0;
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const target of order) {
      const spec = {
        url: `${target.server.url}${CHAT_PATH}`,
        body: REQUEST_BODIES[kind],
        headers: { 'content-type': 'application/json', ...target.headers },
        connections,
      };
      if (round === 1) handled[target.name] += (await runLoad({ ...spec, durationS: 2 })).ok; // warm-up
      const counted = target.name === 'shared' ? await storeCounters(target) : undefined;
      const before = await cpuSeconds(target.server.pid);
      const result = await runLoad({ ...spec, durationS });
      const after = await cpuSeconds(target.server.pid);
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      handled[target.name] += result.ok;
      result.cpuUsPerRequest = { target: cpuPerRequest(before, after, result.ok), mock: null };
      runs.get(target.name)?.push(result);
      if (counted) {
        sharedRequests += result.ok;
        for (const [name, c] of callsBetween(counted, await storeCounters(target))) {
          const sum = calls.get(name) ?? { count: 0, seconds: 0 };
          calls.set(name, { count: sum.count + c.count, seconds: sum.seconds + c.seconds });
        }
      }
      console.log(
        `${kind} c=${connections} round ${round} ${target.name.padEnd(8)} ` +
          `${Math.round(result.rps).toString().padStart(6)} req/s  p50 ` +
          `${result.latencyMs.p50?.toFixed(2)} ms  ${result.cpuUsPerRequest.target?.toFixed(0)} µs CPU/req`,
      );
    }
  }
  return new Map(
    [...runs].map(([name, list]) => {
      const merged = mergeRounds(list);
      const summary: Summary = {
        rps: merged.rps,
        cpu: merged.cpuUsPerRequest?.target ?? Number.NaN,
        p50: merged.latencyMs.p50 ?? Number.NaN,
        p99: merged.latencyMs.p99 ?? Number.NaN,
      };
      if (name === 'shared' && sharedRequests > 0) {
        summary.storeCalls = Object.fromEntries(
          [...calls]
            .sort((a, b) => a[0].localeCompare(b[0]))
            .map(([op, c]) => [
              op,
              {
                perRequest: round3(c.count / sharedRequests),
                msPerRequest: round3((c.seconds * 1000) / sharedRequests),
              },
            ]),
        );
      }
      return [name, summary];
    }),
  );
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/**
 * Prints and returns one load's figures. `judgeP50`: whether the p50 goal applies at this load; at a saturating
 * load the p50 is connections ÷ throughput, so there it restates the CPU (judged on its own) and is only shown.
 */
function report(kind: KindName, connections: number, summary: Map<string, Summary>, judgeP50: boolean): LoadFigures {
  const embedded = summary.get('embedded')!;
  const shared = summary.get('shared')!;
  const addedP50 = shared.p50 - embedded.p50;
  const cpuRatio = shared.cpu / embedded.cpu - 1;
  const label = `${kind} c=${connections}`;
  console.log(`\n${label}: target     req/s   CPU µs/req   p50 ms   p99 ms`);
  for (const [name, t] of summary)
    console.log(
      `${label}: ${name.padEnd(9)} ${Math.round(t.rps).toString().padStart(6)}   ` +
        `${t.cpu.toFixed(0).padStart(10)}   ${t.p50.toFixed(2).padStart(6)}   ${t.p99.toFixed(2).padStart(6)}`,
    );
  for (const [op, c] of Object.entries(shared.storeCalls ?? {}))
    console.log(
      `${label}: store call ${op.padEnd(32)} ${c.perRequest.toFixed(3)} per request, ` +
        `${c.msPerRequest.toFixed(3)} ms per request`,
    );
  if (judgeP50)
    console.log(
      `${label}: shared state adds ${addedP50.toFixed(3)} ms at p50 (goal < 0.3): ${addedP50 < 0.3 ? 'PASS' : 'FAIL'}`,
    );
  else
    console.log(
      `${label}: shared state adds ${addedP50.toFixed(3)} ms at p50 (saturated: p50 = ` +
        `connections ÷ throughput, it restates the CPU; the p50 goal is judged at the serial load)`,
    );
  console.log(
    `${label}: shared state adds ${(cpuRatio * 100).toFixed(1)}% CPU ` +
      `per request (goal < 25%): ${cpuRatio < 0.25 ? 'PASS' : 'FAIL'}`,
  );
  return {
    connections,
    targets: Object.fromEntries(summary),
    addedP50Ms: round3(addedP50),
    p50Judged: judgeP50,
    addedCpuPercent: Math.round(cpuRatio * 1000) / 10,
  };
}

/** An admin key (to read /metrics) made with `parley keys create` against the given configuration (or the data dir). */
async function adminKey(paths: { root: string; tmp: string }, configFile: string | undefined): Promise<string> {
  const config = configFile === undefined ? [] : ['--config', configFile];
  const { stdout } = await run(
    process.execPath,
    [
      join(paths.root, 'dist/cli/index.js'),
      'keys',
      'create',
      ...config,
      '--name',
      'bench-metrics',
      '--role',
      'admin',
      '--json',
    ],
    {
      env: { ...process.env, PARLEY_DATA_DIR: paths.tmp },
      timeout: 20_000,
    },
  );
  const parsed = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { secret?: string };
  if (!parsed.secret) throw new Error('parley keys create printed no secret');
  return parsed.secret;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      kinds: { type: 'string', default: 'plain,stream' },
      rounds: { type: 'string', default: '4' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      'serial-connections': { type: 'string', default: '1' },
      profile: { type: 'boolean', default: false },
      out: { type: 'string' },
    },
    strict: true,
  });
  const kinds = values.kinds.split(',') as KindName[];
  const unknown = kinds.filter((kind) => !(KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0) throw new Error(`unknown kind ${unknown.join(', ')}: use plain, stream or both`);
  const [rounds, durationS, connections, serialConnections] = [
    values.rounds,
    values.duration,
    values.connections,
    values['serial-connections'],
  ].map(Number);
  const startedAt = new Date().toISOString();
  const tmp = await mkdtemp(join(tmpdir(), 'parley-shared-bench-'));
  const profileDir = values.profile ? join(ROOT, 'bench/results/profiles') : undefined;
  const profileStamp = startedAt.replace(/[:.]/g, '-');
  if (profileDir) await mkdir(profileDir, { recursive: true });
  const paths = { root: ROOT, tmp, fromSource: false, profileDir, profileStamp };
  const database = `parley_bench_${randomBytes(4).toString('hex')}`;
  const prefix = `parley-bench-${randomBytes(4).toString('hex')}:`;
  const admin = new pg.Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  try {
    const mock = await startMock(paths);
    const variant = sharedVariant(database, prefix);
    const embeddedKey = await obtainApiKey(paths, undefined);
    const sharedConfig = await writeParleyConfig(paths, mock.url, variant);
    Object.assign(process.env, variant.env); // `parley keys create --config` resolves the same references
    const sharedKey = await obtainApiKey(paths, undefined, sharedConfig);
    const sharedAdmin = await adminKey(paths, sharedConfig);
    const embeddedAdmin = await adminKey(paths, undefined);
    const embedded = await startParleyProcess(paths, mock.url);
    const shared = await startParleyProcess(paths, mock.url, variant);
    const targets: Target[] = [
      {
        name: 'embedded',
        server: embedded,
        headers: { authorization: `Bearer ${embeddedKey.key}` },
        metricsAuth: `Bearer ${embeddedAdmin}`,
      },
      {
        name: 'shared',
        server: shared,
        headers: { authorization: `Bearer ${sharedKey.key}` },
        metricsAuth: `Bearer ${sharedAdmin}`,
      },
    ];
    const loadStart = loadavg().map((x) => Math.round(x * 100) / 100);
    console.log(
      `node ${process.version}; ${cpus().length} cores, load average ${loadStart.join(' ')}; ` +
        `${rounds} rounds of ${durationS}s, targets alternated per round${values.profile ? '; PROFILING (slower)' : ''}`,
    );
    const results: Record<string, LoadFigures[]> = {};
    let pass = true;
    for (const kind of kinds) {
      results[kind] = [];
      for (const c of serialConnections > 0 ? [connections, serialConnections] : [connections]) {
        const judgeP50 = serialConnections <= 0 || c === serialConnections;
        const figures = report(kind, c, await measure(kind, targets, rounds, durationS, c), judgeP50);
        results[kind].push(figures);
        pass = pass && (!judgeP50 || figures.addedP50Ms < 0.3) && figures.addedCpuPercent < 25;
      }
    }
    const loadEnd = loadavg().map((x) => Math.round(x * 100) / 100);
    console.log(`load average at the end ${loadEnd.join(' ')}`);
    if (values.out) {
      await mkdir(values.out, { recursive: true });
      const file = join(values.out, `shared-state-${startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}.json`);
      const commit = (
        await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).catch(() => ({ stdout: 'unknown' }))
      ).stdout.trim();
      const json = {
        startedAt,
        finishedAt: new Date().toISOString(),
        commit,
        node: process.version,
        cores: cpus().length,
        loadAvgAtStart: loadStart,
        loadAvgAtEnd: loadEnd,
        rounds,
        durationS,
        profiled: values.profile,
        results,
      };
      await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
      console.log(`saved ${file}`);
    }
    if (profileDir) {
      await Promise.all([embedded.stop(15_000), shared.stop(15_000)]); // a clean exit writes the CPU profiles
      const files = await readdir(profileDir);
      for (const [name, target] of [
        ['parley', 'embedded'],
        ['parley-shared', 'shared'],
      ] as const) {
        const file = files.find((f) => f === `${name}-${profileStamp}.cpuprofile`);
        if (!file) {
          console.log(`no CPU profile was written for ${target}`);
          continue;
        }
        console.log(`\n== ${target}: ${handled[target]} requests ==`);
        console.log(await formatProfileSummary(join(profileDir, file), 30, handled[target]));
      }
    }
    return pass ? 0 : 2;
  } finally {
    await stopAll();
    await rm(tmp, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const redis = new Redis(REDIS_URL);
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>)
      if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    killAllNow();
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
