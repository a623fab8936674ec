// `npm run bench`: Parley as shipped against the floor, on each asked Node.js runtime: CPU, latency, TTFT, memory;
// goals.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import { measureStreamsMemory } from './memory.js';
import { parseBenchOptions } from './options.js';
import type { BenchOptions } from './options.js';
import { cpuPerRequest, cpuSeconds, killAllNow, residentMb, stopAll } from './processes.js';
import type { ServerProcess } from './processes.js';
import { formatProfileSummary } from './profile-summary.js';
import {
  CHAT_PATH as PATH,
  deriveCpu,
  deriveLoad,
  deriveTtft,
  evaluateGoals,
  formatReport,
  GATEWAYS,
  KINDS,
  mergeRounds,
  REQUEST_BODIES as BODIES,
  saveReport,
  TARGETS,
} from './report.js';
import type { BenchReport, RuntimeReport, TargetName } from './report.js';
import { resolveRuntime } from './runtimes.js';
import type { Runtime } from './runtimes.js';
import { obtainApiKey, setMockScenario, startFloor, startMock, startParleyProcess } from './servers.js';
import type { ServerPaths } from './servers.js';
import { round } from './stats.js';
import { measureTtft } from './ttft.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

const log = (text: string): void => void process.stderr.write(`[bench] ${text}\n`);

function machineInfo(): Record<string, unknown> {
  let commit: string | null = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout
  }
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    totalMemMb: Math.round(totalmem() / 2 ** 20),
    loadAvgAtStart: loadavg().map((x) => Math.round(x * 100) / 100),
    platform: `${process.platform} ${release()} ${process.arch}`,
    node: process.version,
    commit,
  };
}

/**
 * One request per target and kind, to fail early with a clear message (auth, config, wiring); and a check that
 * Parley really answered (no cache hit, no coalescing) and wrote its audit trail.
 */
async function smokeCheck(
  targets: Record<TargetName, string>,
  headers: Record<string, string>,
  parleyDataDir: string,
): Promise<void> {
  for (const target of TARGETS) {
    for (const kind of KINDS) {
      const res = await request(`${targets[target]}${PATH}`, { method: 'POST', headers, body: BODIES[kind] });
      const text = await res.body.text();
      const ok = res.statusCode === 200 && (kind === 'plain' ? text.includes('"content"') : text.includes('[DONE]'));
      if (!ok) {
        const hint =
          res.statusCode === 401 ? ' (authentication: pass --api-key or BENCH_API_KEY, see bench/README.md)' : '';
        throw new Error(
          `smoke check ${kind} via ${target} failed: HTTP ${res.statusCode}${hint}: ${text.slice(0, 300)}`,
        );
      }
      if (target !== 'parley') continue;
      if (res.headers['x-parley-overhead-ms'] === undefined) log('warning: Parley sent no x-parley-overhead-ms header');
      if (res.headers['x-parley-cache'] === 'hit' || res.headers['x-parley-coalesced'] !== undefined)
        throw new Error(`smoke check ${kind} via parley: answered from the cache, the figures would not be Parley's`);
    }
  }
  // The audit trail commits in groups: allow it a moment.
  const trail = join(parleyDataDir, 'audit.jsonl');
  for (let i = 0; i < 50; i++) {
    const size = await stat(trail).then(
      (s) => s.size,
      () => 0,
    );
    if (size > 0) return;
    await sleep(100);
  }
  throw new Error(`smoke check: Parley wrote no audit trail to ${trail}`);
}

/** The run's temporary directory, removed on exit and on SIGINT/SIGTERM. */
let tmpDir: string | undefined;

/** Requests each target answered in the load phases of the current runtime, warm-ups included (for CPU profiles). */
let handled: Record<TargetName, number> = { direct: 0, floor: 0, parley: 0 };

/** The servers of one runtime and the mock. */
interface Running {
  urls: Record<TargetName, string>;
  pids: Record<TargetName, number>;
  headers: Record<string, string>;
}

/** One measured run of one target: warm-up if asked, then the load, with the CPU the target and the mock spent. */
async function measureTarget(
  s: Running,
  target: TargetName,
  body: string,
  connections: number,
  durationS: number,
  warmupS: number | null,
): Promise<LoadResult> {
  const spec = { url: `${s.urls[target]}${PATH}`, body, headers: s.headers, connections };
  if (warmupS !== null) handled[target] += (await runLoad({ ...spec, durationS: warmupS })).ok;
  const before = await Promise.all([cpuSeconds(s.pids[target]), cpuSeconds(s.pids.direct)]);
  const measured = await runLoad({ ...spec, durationS });
  const after = await Promise.all([cpuSeconds(s.pids[target]), cpuSeconds(s.pids.direct)]);
  measured.cpuUsPerRequest = {
    target: cpuPerRequest(before[0], after[0], measured.ok),
    mock: target === 'direct' ? null : cpuPerRequest(before[1], after[1], measured.ok),
  };
  handled[target] += measured.ok;
  return measured;
}

/**
 * Loads `targets` in rounds; each round measures every target once, in alternating order (A, B, C, then C, B, A),
 * so that a slower or faster spell of the machine falls on all targets alike rather than on one. Returns the
 * rounds and their merge (report.ts mergeRounds).
 */
async function loadRounds(
  opts: BenchOptions,
  s: Running,
  targets: readonly TargetName[],
  body: string,
  connections: number,
  label: string,
): Promise<{
  merged: Partial<Record<TargetName, LoadResult>>;
  rounds: Partial<Record<TargetName, LoadResult[]>>;
}> {
  const rounds: Partial<Record<TargetName, LoadResult[]>> = {};
  for (let r = 0; r < opts.rounds; r++) {
    const order = r % 2 === 0 ? targets : [...targets].reverse();
    for (const target of order) {
      const warmupS = r === 0 ? opts.warmupS : null;
      log(
        `${label} via ${target}, round ${r + 1}/${opts.rounds}: ` +
          `${warmupS !== null ? `warm-up ${warmupS}s, then ` : ''}${opts.durationS}s at ` +
          `${connections} connections`,
      );
      (rounds[target] ??= []).push(await measureTarget(s, target, body, connections, opts.durationS, warmupS));
    }
  }
  const merged: Partial<Record<TargetName, LoadResult>> = {};
  for (const target of targets) {
    const list = rounds[target];
    if (list) merged[target] = mergeRounds(list);
  }
  return { merged, rounds };
}

/** CPU per request of the floor and Parley, the mock answering at once (16 tokens), for each request kind. */
async function cpuPhase(opts: BenchOptions, s: Running, rt: RuntimeReport): Promise<void> {
  for (const kind of opts.kinds) {
    const { merged, rounds } = await loadRounds(opts, s, GATEWAYS, BODIES[kind], opts.connections, `cpu ${kind}`);
    rt.cpu[kind] = merged;
    (rt.cpuRounds ??= {})[kind] = rounds;
    rt.derived.cpu[kind] = deriveCpu(merged);
  }
}

/** Plain requests to an upstream that answers after `upstreamMs`, direct and through both gateways. */
async function latencyPhase(opts: BenchOptions, s: Running, rt: RuntimeReport): Promise<void> {
  await setMockScenario(s.urls.direct, { latencyMs: opts.upstreamMs });
  try {
    const label = `latency (upstream ${opts.upstreamMs} ms)`;
    const { merged, rounds } = await loadRounds(opts, s, TARGETS, BODIES.plain, opts.latencyConnections, label);
    rt.latency = merged;
    rt.latencyRounds = rounds;
    rt.derived.latency = deriveLoad(merged);
  } finally {
    await setMockScenario(s.urls.direct, null);
  }
}

async function ttftPhase(opts: BenchOptions, s: Running, rt: RuntimeReport): Promise<void> {
  // Warm first, as the load phases do: run alone (`--phases ttft`), Parley's first 500 sequential streams ran partly
  // unoptimised code, and its added TTFT came out 2.5-3x that of a full run (1.05-1.24 ms against 0.40 on Node 24).
  if (opts.warmupS > 0) {
    log(`ttft: warm-up ${opts.warmupS}s of streams at ${opts.connections} connections per target`);
    for (const target of TARGETS) {
      const spec = { url: `${s.urls[target]}${PATH}`, body: BODIES.stream, headers: s.headers };
      handled[target] += (await runLoad({ ...spec, connections: opts.connections, durationS: opts.warmupS })).ok;
    }
  }
  log(`ttft: ${opts.ttftRequests} sequential streams per target, mock ttft ${opts.ttftMockMs} ms`);
  await setMockScenario(s.urls.direct, { ttftMs: opts.ttftMockMs });
  try {
    const list = TARGETS.map((name) => ({ name, url: s.urls[name] }));
    rt.ttft = await measureTtft(list, {
      path: PATH,
      body: BODIES.stream,
      headers: s.headers,
      rounds: opts.ttftRequests,
    });
    rt.derived.ttft = deriveTtft(rt.ttft);
  } finally {
    await setMockScenario(s.urls.direct, null);
  }
}

async function memoryPhase(
  opts: BenchOptions,
  s: Running,
  parley: ServerProcess,
  floor: ServerProcess,
  rt: RuntimeReport,
  report: BenchReport,
): Promise<void> {
  const tokenDelayMs = 50;
  const tokens = Math.max(1, Math.round((opts.streamSeconds * 1000) / tokenDelayMs));
  await setMockScenario(s.urls.direct, { tokenDelayMs, tokens, ttftMs: 0 });
  try {
    const spec = {
      path: PATH,
      body: BODIES.stream,
      headers: s.headers,
      streams: opts.streams,
      timeoutMs: opts.streamSeconds * 1000 + 60_000,
    };
    log(`memory: ${opts.streams} concurrent streams (~${opts.streamSeconds}s each) through parley`);
    const parleyMem = await measureStreamsMemory({ ...spec, url: parley.url, pid: parley.pid });
    log(`memory: the same through the floor proxy (reference)`);
    const floorMem = await measureStreamsMemory({ ...spec, url: floor.url, pid: floor.pid });
    rt.memory = { parley: parleyMem, floor: floorMem };
    report.settings.memoryMock = { tokenDelayMs, tokens };
    if (!parleyMem.allOpenAtOnce)
      report.notes.push(
        `node ${rt.runtime.version}, memory: only ${parleyMem.maxOpen} of ${opts.streams} streams were open at once`,
      );
  } finally {
    await setMockScenario(s.urls.direct, null);
  }
}

/** Starts the floor and Parley on `runtime` (fresh data directory), runs every phase, stops them. */
async function benchRuntime(
  opts: BenchOptions,
  runtime: Runtime,
  mock: ServerProcess,
  base: ServerPaths,
  report: BenchReport,
): Promise<RuntimeReport> {
  const tag = `node${/^\d+$/.test(runtime.label) ? runtime.label : runtime.version}`;
  const dir = join(base.tmp, tag);
  await mkdir(dir, { recursive: true });
  const paths: ServerPaths = {
    ...base,
    tmp: dir,
    node: runtime.execPath,
    asShipped: true,
    profileStamp: `${base.profileStamp ?? ''}-${tag}`,
  };
  handled = { direct: 0, floor: 0, parley: 0 };
  log(`== ${tag}: ${runtime.execPath} (${runtime.version}) ==`);
  const floor = await startFloor(paths, mock.url);
  const auth = await obtainApiKey(paths, opts.apiKey);
  const parley = await startParleyProcess(paths, mock.url);
  log(
    `mock ${mock.url} (pid ${mock.pid}), floor ${floor.url} (pid ${floor.pid}), parley ` +
      `${parley.url} (pid ${parley.pid}); credential: ${auth.source}`,
  );
  const s: Running = {
    urls: { direct: mock.url, floor: floor.url, parley: parley.url },
    pids: { direct: mock.pid, floor: floor.pid, parley: parley.pid },
    headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.key}` },
  };
  await smokeCheck(s.urls, s.headers, dir);
  report.settings.credential = auth.source;
  report.settings.parleyConfig ??= (await readFile(parley.configFile, 'utf8')).replaceAll(dir, '<data dir>');

  const rt: RuntimeReport = {
    runtime: { label: runtime.label, version: runtime.version, execPath: runtime.execPath },
    idleRssMb: { parley: round(await residentMb(parley.pid), 1), floor: round(await residentMb(floor.pid), 1) },
    cpu: {},
    derived: { cpu: {} },
    goals: [],
  };
  if (opts.phases.has('cpu')) await cpuPhase(opts, s, rt);
  if (opts.phases.has('latency')) await latencyPhase(opts, s, rt);
  if (opts.phases.has('ttft')) await ttftPhase(opts, s, rt);
  if (opts.phases.has('memory')) await memoryPhase(opts, s, parley, floor, rt, report);
  rt.goals = evaluateGoals(rt, opts);

  await Promise.all([parley.stop(15_000), floor.stop(15_000)]); // a clean exit writes the CPU profiles
  if (paths.profileDir) {
    const files = await readdir(paths.profileDir);
    for (const name of ['floor', 'parley'] as const) {
      const file = files.find((f) => f === `${name}-${paths.profileStamp}.cpuprofile`);
      if (!file) {
        log(`no CPU profile was written for ${name} (it did not exit cleanly)`);
        continue;
      }
      console.log(`\n== ${tag} ${name}: ${handled[name]} requests in the load phases ==`);
      console.log(await formatProfileSummary(join(paths.profileDir, file), 25, handled[name]));
    }
  }
  return rt;
}

async function main(): Promise<number> {
  const opts = parseBenchOptions(process.argv.slice(2), process.env, join(ROOT, 'bench/results'));
  if (!opts) return 0;
  if (!opts.fromSource && !existsSync(join(ROOT, 'dist/cli/index.js')))
    throw new Error(
      'dist/cli/index.js is missing: run `npm run build` first (npm run bench does), or pass --from-source',
    );
  const runtimes: Runtime[] = [];
  for (const label of opts.runtimes) {
    log(`runtime ${label}: resolving`);
    runtimes.push(await resolveRuntime(label));
  }
  const startedAt = new Date().toISOString();
  const tmp = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  tmpDir = tmp;
  const base: ServerPaths = {
    root: ROOT,
    tmp,
    fromSource: opts.fromSource,
    profileDir: opts.profile ? join(ROOT, 'bench/results/profiles') : undefined,
    profileStamp: startedAt.replace(/[:.]/g, '-'),
  };
  try {
    const mock = await startMock(base);
    const report: BenchReport = {
      schemaVersion: 2,
      startedAt,
      finishedAt: '',
      machine: machineInfo(),
      settings: {
        parley: `${opts.fromSource ? 'src via tsx' : 'dist'}, as shipped: default configuration, rate limits raised`,
        runtimes: runtimes.map((r) => r.version),
        phases: [...opts.phases],
        rounds: opts.rounds,
        durationS: opts.durationS,
        warmupS: opts.warmupS,
        connections: opts.connections,
        kinds: opts.kinds,
        latencyConnections: opts.latencyConnections,
        upstreamMs: opts.upstreamMs,
        ttftRequests: opts.ttftRequests,
        ttftMockMs: opts.ttftMockMs,
        streams: opts.streams,
        streamSeconds: opts.streamSeconds,
        profiled: opts.profile,
        cpuMock: { tokens: 16, ttftMs: 0, tokenDelayMs: 0 },
        latencyMock: { latencyMs: opts.upstreamMs, tokens: 16 },
        requestBodies: BODIES,
      },
      runtimes: {},
      notes: [],
    };
    if (opts.profile) report.notes.push('Parley ran under --cpu-prof: its figures are slower than normal');
    for (const runtime of runtimes)
      report.runtimes[runtime.label] = await benchRuntime(opts, runtime, mock, base, report);

    report.finishedAt = new Date().toISOString();
    report.machine.loadAvgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
    console.log(formatReport(report));
    if (opts.outDir) log(`saved ${await saveReport(report, opts.outDir)} and latest.json`);
    return 0;
  } finally {
    await stopAll();
    await rm(tmp, { recursive: true, force: true });
  }
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping child processes`);
    void stopAll(2_000)
      .then(() => (tmpDir ? rm(tmpDir, { recursive: true, force: true }) : undefined))
      .finally(() => process.exit(130));
  });
}
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    log(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
