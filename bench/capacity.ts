// `npm run bench:capacity`: Parley replicas on shared state (Redis + PostgreSQL) behind nginx (ops/nginx/parley.conf),
// one, two and three replicas, and one replica without nginx, loaded in alternating rounds. Reports throughput,
// p50/p99 and CPU per request of every process involved (Parley replicas, nginx, Redis, the PostgreSQL backends,
// the mock), what Redis and PostgreSQL do per request, the audit trail's storage per request, and memory per open
// stream. Methods and figures: bench/README.md ("Capacity through nginx") and docs/deployment.md ("Sizing").
//
//   npm run bench:capacity -- [--kinds plain,stream] [--rounds 3] [--duration 5] [--connections 32] [--streams 1000]
//                             [--phases load,memory] [--out bench/results]
//
// Redis is a private redis-server (so its commands and CPU are Parley's alone); PostgreSQL is the shared server
// (PARLEY_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) with a database of its own,
// dropped at the end.

import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { execFileSync, spawnSync } from 'node:child_process';
import pg from 'pg';
import { Redis } from 'ioredis';
import { startNginx, type Nginx } from '../test/deploy/nginx.js';
import { startPrivateRedis, type PrivateRedis } from '../test/support/redis.js';
import { runLoad } from './load.js';
import { COMPONENTS, summarise, type CapacityRun, type CapacitySummary, type Component } from './capacity-report.js';
import { measureStreamsMemory, type MemoryResult } from './memory.js';
import { cpuSeconds, killAllNow, residentMb, stopAll, type ServerProcess } from './processes.js';
import { CHAT_PATH, KINDS, REQUEST_BODIES, type KindName } from './report.js';
import {
  obtainApiKey,
  setMockScenario,
  startMock,
  startParleyProcess,
  writeParleyConfig,
  type ParleyVariant,
  type ServerPaths,
} from './servers.js';
import { round } from './stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_DB_URL = process.env.PARLEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SCHEMA = 'parley';
const log = (text: string): void => void process.stderr.write(`[capacity] ${text}\n`);

/** One load target: a URL and the nginx in front of it (none for `direct-1`). */
interface Target {
  name: string;
  replicas: number;
  url: string;
  nginx?: Nginx;
}

/** Pids whose parent is `pid` (nginx's workers), from /proc. */
async function childPids(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) found.push(Number(entry));
  }
  return found;
}

async function nginxPids(nginx: Nginx): Promise<number[]> {
  const master = Number((await readFile(join(nginx.dir, 'nginx.pid'), 'utf8')).trim());
  return [master, ...(await childPids(master))];
}

async function cpuOf(pids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const s = await cpuSeconds(pid);
    if (s !== null) out.set(pid, s);
  }
  return out;
}

/** CPU spent between two samples by the pids present in both (a PostgreSQL backend that ended is not counted). */
function spent(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of after) {
    const b = before.get(pid);
    if (b !== undefined) total += s - b;
  }
  return total;
}

/** Most PostgreSQL backends of the bench's database seen at any snapshot (all replicas together). */
let maxPgBackends = 0;

/** Everything the bench observes: processes, Redis, the database. */
interface Observed {
  parley: ServerProcess[];
  mock: ServerProcess;
  redisPid: number;
  redis: Redis;
  admin: pg.Client;
  database: string;
}

async function snapshot(
  o: Observed,
  target: Target,
): Promise<{ cpu: Record<Component, Map<number, number>>; redisCommands: number; xacts: number; inserted: number }> {
  const pgPids = (
    await o.admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [o.database],
    )
  ).rows.map((r) => r.pid);
  maxPgBackends = Math.max(maxPgBackends, pgPids.length);
  const cpu = {
    parley: await cpuOf(o.parley.map((p) => p.pid)),
    nginx: target.nginx ? await cpuOf(await nginxPids(target.nginx)) : new Map<number, number>(),
    redis: await cpuOf([o.redisPid]),
    postgres: await cpuOf(pgPids),
    mock: await cpuOf([o.mock.pid]),
  };
  const info = await o.redis.info('stats');
  const redisCommands = Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  // pg_stat_database is updated when a backend reports (at transaction end, at most every 1 s): read it fresh.
  await o.admin.query('SELECT pg_stat_clear_snapshot()');
  const db = (
    await o.admin.query<{ xact_commit: string; tup_inserted: string }>(
      'SELECT xact_commit, tup_inserted FROM pg_stat_database WHERE datname = $1',
      [o.database],
    )
  ).rows[0];
  return { cpu, redisCommands, xacts: Number(db?.xact_commit ?? 0), inserted: Number(db?.tup_inserted ?? 0) };
}

async function measureRun(
  o: Observed,
  target: Target,
  kind: KindName,
  headers: Record<string, string>,
  durationS: number,
  connections: number,
): Promise<CapacityRun> {
  const before = await snapshot(o, target);
  const result = await runLoad({
    url: `${target.url}${CHAT_PATH}`,
    body: REQUEST_BODIES[kind],
    headers,
    connections,
    durationS,
  });
  // PostgreSQL's statistics collector lags by up to 1 s (PGSTAT_MIN_INTERVAL); the audit group commit flushes within
  // ~0.1 s.
  await new Promise((r) => setTimeout(r, 1_200));
  const after = await snapshot(o, target);
  const cpuSecondsOf = Object.fromEntries(COMPONENTS.map((c) => [c, spent(before.cpu[c], after.cpu[c])])) as Record<
    Component,
    number
  >;
  return {
    ...result,
    cpuSeconds: cpuSecondsOf,
    redisCommands: after.redisCommands - before.redisCommands - 2, // the bench's own two INFO calls
    pgTransactions: after.xacts - before.xacts,
    pgRowsInserted: after.inserted - before.inserted,
  };
}

/** What the stack does with no load at all (timers, key resync, sweeps, lease renewals), per second. */
export interface Background {
  seconds: number;
  cpuUsPerSecond: Record<Component, number>;
  redisCommandsPerSecond: number;
  pgTransactionsPerSecond: number;
}

async function measureIdle(o: Observed, target: Target, seconds: number): Promise<Background> {
  const before = await snapshot(o, target);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const after = await snapshot(o, target);
  const per = (v: number): number => round(v / seconds, 2) ?? 0;
  return {
    seconds,
    cpuUsPerSecond: Object.fromEntries(
      COMPONENTS.map((c) => [c, per(spent(before.cpu[c], after.cpu[c]) * 1e6)]),
    ) as Record<Component, number>,
    redisCommandsPerSecond: per(after.redisCommands - before.redisCommands - 2),
    pgTransactionsPerSecond: per(after.xacts - before.xacts),
  };
}

/** Set on SIGINT/SIGTERM: the next step throws, and main()'s finally cleans up. */
const abort = new AbortController();
function checkAbort(): void {
  if (abort.signal.aborted) throw new Error('interrupted');
}

/** Successful requests sent in total (warm-ups included), to relate audit rows to requests. */
let sentOk = 0;

/** Calls per Redis command so far (INFO commandstats). */
async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls.set(m[1] as string, Number(m[2]));
  return calls;
}

/**
 * Alternating rounds: odd rounds in target order, even rounds reversed; each target warmed up once before its first
 * run.
 */
async function loadPhase(
  o: Observed,
  targets: Target[],
  kind: KindName,
  headers: Record<string, string>,
  rounds: number,
  durationS: number,
  connections: number,
): Promise<{
  summaries: CapacitySummary[];
  rounds: Record<string, CapacityRun[]>;
  redisCommandsPerRequest: Record<string, number>;
}> {
  const callsBefore = await commandCalls(o.redis);
  const okBefore = sentOk;
  const runs = new Map<string, CapacityRun[]>(targets.map((t) => [t.name, []]));
  // Every replica warm (JIT, pools) before anything is measured: the widest target reaches all three.
  const widest = targets[targets.length - 1]!;
  sentOk += (
    await runLoad({ url: `${widest.url}${CHAT_PATH}`, body: REQUEST_BODIES[kind], headers, connections, durationS: 5 })
  ).ok;
  for (let r = 1; r <= rounds; r++) {
    const order = r % 2 === 1 ? targets : [...targets].reverse();
    for (const target of order) {
      checkAbort();
      if (r === 1)
        sentOk += (
          await runLoad({
            url: `${target.url}${CHAT_PATH}`,
            body: REQUEST_BODIES[kind],
            headers,
            connections,
            durationS: 2,
          })
        ).ok;
      const run = await measureRun(o, target, kind, headers, durationS, connections);
      sentOk += run.ok;
      runs.get(target.name)?.push(run);
      const us = (c: Component): string => ((run.cpuSeconds[c] * 1e6) / Math.max(1, run.ok)).toFixed(0);
      log(
        `${kind} round ${r} ${target.name.padEnd(8)} ${Math.round(run.rps).toString().padStart(6)} ` +
          `req/s  p50 ${run.latencyMs.p50?.toFixed(2)} ms  p99 ${run.latencyMs.p99?.toFixed(2)} ms  ` +
          `CPU µs/req parley ${us('parley')} nginx ${us('nginx')} redis ${us('redis')} pg ` +
          `${us('postgres')}  failed ${run.errors + run.timeouts + run.non2xx}  load ${loadavg()[0]?.toFixed(2)}`,
      );
    }
  }
  // Which Redis commands a request costs, over the whole phase (warm-ups included; INFO itself left out).
  const callsAfter = await commandCalls(o.redis);
  const requests = Math.max(1, sentOk - okBefore);
  const perCommand = [...callsAfter]
    .map(([name, n]) => [name, round((n - (callsBefore.get(name) ?? 0)) / requests, 3) ?? 0] as const)
    .filter(([name, v]) => v > 0 && name !== 'info')
    .sort((a, b) => b[1] - a[1]);
  log(`${kind}: Redis commands per request: ${perCommand.map(([n, v]) => `${n} ${v}`).join(', ')}`);
  return {
    summaries: targets.map((t) => summarise(t.name, t.replicas, runs.get(t.name) ?? [])),
    rounds: Object.fromEntries(runs),
    redisCommandsPerRequest: Object.fromEntries(perCommand),
  };
}

/** The audit table's size on disk (heap + indexes + TOAST) and its rows. */
async function auditStorage(
  admin: pg.Client,
  databaseUrl: string,
): Promise<{ bytes: number; rows: number; events: number }> {
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query(`VACUUM ${SCHEMA}.audit_log`); // settles the visibility map and free space, as autovacuum would
    const r = await c.query<{ bytes: string; rows: string; events: string }>(
      `SELECT pg_total_relation_size('${SCHEMA}.audit_log') AS bytes, (SELECT count(*) FROM ` +
        `${SCHEMA}.audit_log) AS rows, (SELECT count(*) FROM ${SCHEMA}.audit_log WHERE type = ` +
        `'event') AS events`,
    );
    return { bytes: Number(r.rows[0]?.bytes), rows: Number(r.rows[0]?.rows), events: Number(r.rows[0]?.events) };
  } finally {
    await c.end();
  }
}

/** Connections each component holds while idle-ish after load: PostgreSQL backends of the database, Redis clients. */
async function connections(o: Observed): Promise<{ postgres: number; postgresMaxSeen: number; redisClients: number }> {
  const pgCount = (
    await o.admin.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [o.database],
    )
  ).rows[0]?.n;
  const clients = Number(/connected_clients:(\d+)/.exec(await o.redis.info('clients'))?.[1] ?? Number.NaN) - 1; // minus the bench's own
  return { postgres: Number(pgCount), postgresMaxSeen: maxPgBackends, redisClients: clients };
}

function table(kind: KindName, summaries: CapacitySummary[]): string {
  const direct = summaries.find((s) => s.target === 'direct-1');
  const one = summaries.find((s) => s.target === 'nginx-1');
  const lines = [
    `\n${kind}: target     req/s   p50 ms   p99 ms   CPU µs/req: parley  nginx  parley+nginx  ` +
      `redis  postgres  mock   redis cmd/req  pg xact/req  pg rows/req`,
  ];
  for (const s of summaries) {
    const c = s.cpuUsPerRequest;
    const f = (v: number | null, w: number, d = 0): string => (v === null ? '-' : v.toFixed(d)).padStart(w);
    lines.push(
      `${kind}: ${s.target.padEnd(9)} ${f(s.rps, 6)}   ${f(s.p50Ms, 6, 2)}   ${f(s.p99Ms, 6, 2)} ` +
        `  ${f(c.parley, 16)} ${f(c.nginx, 6)} ${f(c.parleyPlusNginx, 13)} ${f(c.redis, 6)} ` +
        `${f(c.postgres, 9)} ${f(c.mock, 5)}   ${f(s.redisCommandsPerRequest, 13, 2)} ` +
        `${f(s.pgTransactionsPerRequest, 12, 3)} ${f(s.pgRowsPerRequest, 12, 3)}`,
    );
  }
  if (direct && one && direct.cpuUsPerRequest.parley !== null && one.cpuUsPerRequest.parleyPlusNginx !== null) {
    lines.push(
      `${kind}: the nginx hop (nginx-1 vs direct-1): ` +
        `+${(one.cpuUsPerRequest.parleyPlusNginx - direct.cpuUsPerRequest.parley).toFixed(0)} µs ` +
        `CPU/req, throughput ×${(one.rps / direct.rps).toFixed(2)}, p50 +${((one.p50Ms ?? 0) - (direct.p50Ms ?? 0)).toFixed(2)} ms`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kinds: { type: 'string', default: 'plain,stream' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      streams: { type: 'string', default: '1000' },
      'stream-seconds': { type: 'string', default: '10' },
      phases: { type: 'string', default: 'load,memory' },
      out: { type: 'string', default: join(ROOT, 'bench/results') },
    },
    strict: true,
  });
  const kinds = values.kinds.split(',') as KindName[];
  const unknownKinds = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
  if (unknownKinds.length > 0) throw new Error(`unknown kind ${unknownKinds.join(', ')}: use plain, stream or both`);
  const phases = new Set(values.phases.split(','));
  const [rounds, durationS, connectionCount, streams, streamSeconds] = [
    values.rounds,
    values.duration,
    values.connections,
    values.streams,
    values['stream-seconds'],
  ].map(Number) as [number, number, number, number, number];
  for (const [name, v] of Object.entries({
    rounds,
    duration: durationS,
    connections: connectionCount,
    streams,
    'stream-seconds': streamSeconds,
  })) {
    if (!(Number.isInteger(v) && v > 0)) throw new Error(`--${name} must be a positive whole number`);
  }

  const startedAt = new Date().toISOString();
  const loadAvgAtStart = loadavg().map((x) => Math.round(x * 100) / 100);
  const tmp = await mkdtemp(join(tmpdir(), 'parley-capacity-'));
  const database = `parley_capacity_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_DB_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const dbUrl = new URL(ADMIN_DB_URL);
  dbUrl.pathname = `/${database}`;
  let privateRedis: PrivateRedis | undefined;
  let redis: Redis | undefined;
  const nginxes: Nginx[] = [];
  try {
    privateRedis = await startPrivateRedis();
    redis = new Redis(privateRedis.url);
    const redisPid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
    const paths: ServerPaths = { root: ROOT, tmp, fromSource: false };
    const mock = await startMock(paths);
    const env = {
      PARLEY_REDIS_URL: privateRedis.url,
      PARLEY_DATABASE_URL: dbUrl.toString(),
      PARLEY_STATE_KEY: randomBytes(32).toString('base64'),
    };
    // commandTimeout 5 s (default 1 s): on a starved shared machine a burst of 1,000 streams otherwise turns slow
    // Redis answers into 503s; the timeout costs nothing per request.
    const extraYaml = [
      'state:',
      '  redis: { url: "env:PARLEY_REDIS_URL", commandTimeout: 5s }',
      '  postgres: { url: "env:PARLEY_DATABASE_URL" }',
      '  encryptionKey: "env:PARLEY_STATE_KEY"',
    ].join('\n');
    Object.assign(process.env, env); // `parley keys create --config` resolves the same references
    const parley: ServerProcess[] = [];
    let key: string | undefined;
    for (let i = 1; i <= 3; i++) {
      // Each replica its own data directory (its audit spool), as on separate hosts.
      const replicaPaths: ServerPaths = { ...paths, tmp: join(tmp, `replica-${i}`) };
      await mkdir(replicaPaths.tmp);
      const variant: ParleyVariant = { name: `parley-${i}`, extraYaml, env };
      if (key === undefined) {
        const config = await writeParleyConfig(replicaPaths, mock.url, variant);
        key = (await obtainApiKey(replicaPaths, process.env.BENCH_API_KEY, config)).key;
      }
      parley.push(await startParleyProcess(replicaPaths, mock.url, variant));
    }
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const addresses = parley.map((p) => new URL(p.url).host);
    for (let n = 1; n <= 3; n++) nginxes.push(await startNginx(addresses.slice(0, n)));
    const targets: Target[] = [
      { name: 'direct-1', replicas: 1, url: parley[0]!.url },
      ...nginxes.map((nginx, i) => ({ name: `nginx-${i + 1}`, replicas: i + 1, url: nginx.url, nginx })),
    ];
    const observed: Observed = { parley, mock, redisPid, redis, admin, database };
    log(
      `node ${process.version}, ${cpus().length} cores, load average ` +
        `${loadAvgAtStart.join(' ')}; ${rounds} rounds of ${durationS}s at ${connectionCount} ` +
        `connections; targets ${targets.map((t) => t.name).join(', ')}`,
    );

    const report: Record<string, unknown> = {
      kind: 'capacity',
      startedAt,
      machine: {
        cpuModel: cpus()[0]?.model,
        cores: cpus().length,
        totalMemMb: Math.round(totalmem() / 2 ** 20),
        node: process.version,
        nginx: spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr.trim(),
        commit: execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(),
        loadAvgAtStart,
      },
      settings: {
        rounds,
        durationS,
        connections: connectionCount,
        warmupS: 2,
        kinds,
        streams,
        streamSeconds,
        nginxWorkers: 2,
        redis: 'private redis-server, no persistence, state.redis.commandTimeout 5s',
        postgres: 'shared server, own database',
      },
      load: {} as Record<string, unknown>,
      loadRounds: {} as Record<string, unknown>,
    };
    const idle = await measureIdle(observed, targets[targets.length - 1]!, 10);
    report.background = idle;
    log(
      `idle (no load, 10 s): CPU µs/s ${JSON.stringify(idle.cpuUsPerSecond)}, Redis ` +
        `${idle.redisCommandsPerSecond} commands/s, PostgreSQL ${idle.pgTransactionsPerSecond} transactions/s`,
    );
    const auditBefore = await auditStorage(admin, dbUrl.toString());
    if (phases.has('load')) {
      for (const kind of kinds) {
        const {
          summaries,
          rounds: perRound,
          redisCommandsPerRequest,
        } = await loadPhase(observed, targets, kind, headers, rounds, durationS, connectionCount);
        ((report.redisCommandsPerRequest ??= {}) as Record<string, unknown>)[kind] = redisCommandsPerRequest;
        // What the idle stack does anyway, spread over this target's requests, taken out: the figures that scale with
        // requests.
        for (const s of summaries) {
          const net = (perRequest: number | null, perSecond: number): number | null =>
            perRequest === null || s.rps <= 0 ? null : round(perRequest - perSecond / s.rps, 2);
          Object.assign(s, {
            netOfBackground: {
              redisCommandsPerRequest: net(s.redisCommandsPerRequest, idle.redisCommandsPerSecond),
              pgTransactionsPerRequest: net(s.pgTransactionsPerRequest, idle.pgTransactionsPerSecond),
              cpuUsPerRequest: Object.fromEntries(
                COMPONENTS.map((c) => [c, net(s.cpuUsPerRequest[c], idle.cpuUsPerSecond[c])]),
              ),
            },
          });
        }
        (report.load as Record<string, unknown>)[kind] = summaries;
        (report.loadRounds as Record<string, unknown>)[kind] = perRound;
        console.log(table(kind, summaries));
      }
      report.connections = await connections(observed);
    }
    // Table + indexes added while the load ran. Every request is audited once (auth.success); requests still in
    // flight when a run stopped are audited but not counted as answered, so the figure per request is per event row.
    const auditAfter = await auditStorage(admin, dbUrl.toString());
    const events = auditAfter.events - auditBefore.events;
    if (events > 0) {
      const bytesAdded = auditAfter.bytes - auditBefore.bytes;
      const bytesPerEvent = bytesAdded / events;
      report.auditStorage = {
        answeredRequests: sentOk,
        eventsAdded: events,
        rowsAdded: auditAfter.rows - auditBefore.rows,
        bytesAdded,
        bytesPerEvent: round(bytesPerEvent, 1),
        gbPer1MRequests: round((bytesPerEvent * 1e6) / 1e9, 3),
      };
      log(
        `audit trail: ${events} events (${sentOk} answered requests), ${round(bytesPerEvent, 1)} ` +
          `bytes per event on disk (table + indexes) → ${round((bytesPerEvent * 1e6) / 1e9, 3)} GB ` +
          `per 1M requests`,
      );
    }

    checkAbort();
    if (phases.has('memory')) {
      const tokens = 40;
      const tokenDelayMs = Math.max(1, Math.round((streamSeconds * 1000) / tokens));
      await setMockScenario(mock.url, { tokenDelayMs, tokens, ttftMs: 0 });
      try {
        const target = parley[0]!;
        const redisMemBefore = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
        let redisPeak = redisMemBefore;
        let sampling = true;
        const sampler = (async () => {
          while (sampling) {
            redisPeak = Math.max(redisPeak, Number(/used_memory:(\d+)/.exec(await redis!.info('memory'))?.[1]));
            await new Promise((r) => setTimeout(r, 200));
          }
        })();
        log(`memory: ${streams} concurrent streams (~${streamSeconds}s each) straight to replica 1 (shared state)`);
        const idleRssMb = await residentMb(target.pid);
        const memory: MemoryResult = await measureStreamsMemory({
          url: target.url,
          pid: target.pid,
          path: CHAT_PATH,
          body: REQUEST_BODIES.stream,
          headers,
          streams,
          timeoutMs: streamSeconds * 1000 + 60_000,
        });
        sampling = false;
        await sampler;
        // With every stream open at once: the peak then. Otherwise (a slow ramp on a busy machine) the overall peak
        // over
        // the most open at one time: an upper bound, since that peak may hold garbage of streams already finished.
        const peak = memory.peakRssAllOpenMb ?? memory.peakRssMb;
        const open = memory.peakRssAllOpenMb !== null ? streams : memory.maxOpen;
        const perThousand =
          peak !== null && memory.rssBeforeMb !== null && open > 0 ? ((peak - memory.rssBeforeMb) * 1000) / open : null;
        report.memory = {
          replica: memory,
          idleRssMb: round(idleRssMb, 1),
          mbPer1000OpenStreams: round(perThousand, 1),
          mbPer1000IsUpperBound: memory.peakRssAllOpenMb === null,
          redisUsedMemoryBeforeMb: round(redisMemBefore / 2 ** 20, 2),
          redisUsedMemoryPeakMb: round(redisPeak / 2 ** 20, 2),
        };
        log(
          `memory: RSS ${memory.rssBeforeMb} MB before, ${memory.peakRssAllOpenMb} MB with all ` +
            `${memory.maxOpen} open (${memory.completed} completed, ${memory.failed} failed ` +
            `${JSON.stringify(memory.failures)}) → ${round(perThousand, 1)} MB per 1,000 open streams; ` +
            `Redis used_memory ${round(redisMemBefore / 2 ** 20, 2)} → ${round(redisPeak / 2 ** 20, 2)} MB`,
        );
      } finally {
        await setMockScenario(mock.url, null);
      }
    }

    report.finishedAt = new Date().toISOString();
    (report.machine as Record<string, unknown>).loadAvgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
    await mkdir(values.out, { recursive: true });
    const file = join(values.out, `capacity-${startedAt.replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z')}.json`);
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    log(
      `saved ${file}; load average at end ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    for (const n of nginxes) await n.stop().catch(() => undefined);
    await stopAll();
    redis?.disconnect();
    await privateRedis?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await rm(tmp, { recursive: true, force: true });
  }
}

// Ctrl-C or a kill: the finally block of main() stops every child and drops the database.
let interrupted = false;
const interrupt = (): void => {
  if (interrupted) return;
  interrupted = true;
  log('interrupted: stopping the stack and dropping the database');
  abort.abort();
};
process.once('SIGINT', interrupt);
process.once('SIGTERM', interrupt);

main().catch((error: unknown) => {
  killAllNow();
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
