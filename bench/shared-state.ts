// `npm run bench:shared`: Parley on the embedded stores against Parley on Redis and PostgreSQL, alternated rounds.
//
//   npm run bench:shared -- [--kinds plain,stream] [--rounds 4] [--duration 5] [--connections 32]
//
// Goal (issue 12): shared state adds under 0.3 ms at p50 and under 25% CPU per request. Both Parleys run the
// same build and configuration but for `state:`; the shared one gets its own database and Redis key prefix,
// removed at the end. Redis at PARLEY_BENCH_REDIS_URL (default 127.0.0.1:6379), PostgreSQL at
// PARLEY_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres).

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import { cpuPerRequest, cpuSeconds, killAllNow, stopAll } from './processes.js';
import type { ServerProcess } from './processes.js';
import { CHAT_PATH, KINDS, mergeRounds, REQUEST_BODIES, type KindName } from './report.js';
import { obtainApiKey, startMock, startParleyProcess, writeParleyConfig, type ParleyVariant } from './servers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const REDIS_URL = process.env.PARLEY_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_DB_URL = process.env.PARLEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Target {
  name: 'embedded' | 'shared';
  server: ServerProcess;
  headers: Record<string, string>;
}

interface Summary {
  rps: number;
  cpu: number;
  p50: number;
  p99: number;
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
    env: { PARLEY_REDIS_URL: REDIS_URL, PARLEY_DATABASE_URL: dbUrl.toString(), PARLEY_STATE_KEY: randomBytes(32).toString('base64') },
  };
}

async function measure(kind: KindName, targets: Target[], rounds: number, durationS: number, connections: number): Promise<Map<string, Summary>> {
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? targets : [...targets].reverse();
    for (const target of order) {
      const spec = { url: `${target.server.url}${CHAT_PATH}`, body: REQUEST_BODIES[kind], headers: { 'content-type': 'application/json', ...target.headers }, connections };
      if (round === 1) await runLoad({ ...spec, durationS: 2 }); // warm-up
      const before = await cpuSeconds(target.server.pid);
      const result = await runLoad({ ...spec, durationS });
      const after = await cpuSeconds(target.server.pid);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      result.cpuUsPerRequest = { target: cpuPerRequest(before, after, result.ok), mock: null };
      runs.get(target.name)?.push(result);
      console.log(`${kind} round ${round} ${target.name.padEnd(8)} ${Math.round(result.rps).toString().padStart(6)} req/s  p50 ${result.latencyMs.p50?.toFixed(2)} ms  ${result.cpuUsPerRequest.target?.toFixed(0)} µs CPU/req`);
    }
  }
  return new Map(
    [...runs].map(([name, list]) => {
      const merged = mergeRounds(list);
      return [name, { rps: merged.rps, cpu: merged.cpuUsPerRequest?.target ?? Number.NaN, p50: merged.latencyMs.p50 ?? Number.NaN, p99: merged.latencyMs.p99 ?? Number.NaN }];
    }),
  );
}

function report(kind: KindName, summary: Map<string, Summary>): boolean {
  const embedded = summary.get('embedded')!;
  const shared = summary.get('shared')!;
  const addedP50 = shared.p50 - embedded.p50;
  const cpuRatio = shared.cpu / embedded.cpu - 1;
  console.log(`\n${kind}: target     req/s   CPU µs/req   p50 ms   p99 ms`);
  for (const [name, t] of summary) console.log(`${kind}: ${name.padEnd(9)} ${Math.round(t.rps).toString().padStart(6)}   ${t.cpu.toFixed(0).padStart(10)}   ${t.p50.toFixed(2).padStart(6)}   ${t.p99.toFixed(2).padStart(6)}`);
  const p50Ok = addedP50 < 0.3;
  const cpuOk = cpuRatio < 0.25;
  console.log(`${kind}: shared state adds ${addedP50.toFixed(3)} ms at p50 (goal < 0.3): ${p50Ok ? 'PASS' : 'FAIL'}`);
  console.log(`${kind}: shared state adds ${(cpuRatio * 100).toFixed(1)}% CPU per request (goal < 25%): ${cpuOk ? 'PASS' : 'FAIL'}`);
  return p50Ok && cpuOk;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { kinds: { type: 'string', default: 'plain,stream' }, rounds: { type: 'string', default: '4' }, duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' } },
    strict: true,
  });
  const kinds = values.kinds.split(',') as KindName[];
  const unknown = kinds.filter((kind) => !(KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0) throw new Error(`unknown kind ${unknown.join(', ')}: use plain, stream or both`);
  const [rounds, durationS, connections] = [values.rounds, values.duration, values.connections].map(Number);
  const tmp = await mkdtemp(join(tmpdir(), 'parley-shared-bench-'));
  const paths = { root: ROOT, tmp, fromSource: false };
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
    const embedded = await startParleyProcess(paths, mock.url);
    const shared = await startParleyProcess(paths, mock.url, variant);
    const targets: Target[] = [
      { name: 'embedded', server: embedded, headers: { authorization: `Bearer ${embeddedKey.key}` } },
      { name: 'shared', server: shared, headers: { authorization: `Bearer ${sharedKey.key}` } },
    ];
    console.log(`node ${process.version}; ${rounds} rounds of ${durationS}s at ${connections} connections, targets alternated per round`);
    let pass = true;
    for (const kind of kinds) pass = report(kind, await measure(kind, targets, rounds, durationS, connections)) && pass;
    return pass ? 0 : 2;
  } finally {
    await stopAll();
    await rm(tmp, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const redis = new Redis(REDIS_URL);
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) if (keys.length > 0) await redis.del(...keys);
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
