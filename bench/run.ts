// `npm run bench`: mock upstream, floor proxy and Parley in their own processes; load, TTFT and memory phases; report.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
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
  deriveLoad,
  deriveTtft,
  evaluateGoals,
  formatReport,
  KINDS,
  mergeRounds,
  REQUEST_BODIES as BODIES,
  saveReport,
  TARGETS,
} from './report.js';
import type { BenchReport, KindName, TargetName } from './report.js';
import { obtainApiKey, setMockScenario, startFloor, startMock, startParleyProcess } from './servers.js';
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

/** One request per target and kind, to fail early with a clear message (auth, config, wiring). */
async function smokeCheck(targets: Record<TargetName, string>, headers: Record<string, string>): Promise<void> {
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
      if (target === 'parley' && res.headers['x-parley-overhead-ms'] === undefined)
        log('warning: Parley sent no x-parley-overhead-ms header');
    }
  }
}

/** The run's temporary directory, removed on exit and on SIGINT/SIGTERM. */
let tmpDir: string | undefined;

/** Requests each target answered in the load phase, warm-ups included (to normalise CPU profiles). */
const handled: Record<TargetName, number> = { direct: 0, floor: 0, parley: 0 };

/** One measured run of one target: warm-up if asked, then the load, with the CPU the target and the mock spent. */
async function measureTarget(
  opts: BenchOptions,
  kind: KindName,
  target: TargetName,
  url: string,
  pids: Record<TargetName, number>,
  headers: Record<string, string>,
  warm: boolean,
): Promise<LoadResult> {
  const spec = { url: `${url}${PATH}`, body: BODIES[kind], headers, connections: opts.connections };
  if (warm) handled[target] += (await runLoad({ ...spec, durationS: opts.warmupS })).ok;
  const before = await Promise.all([cpuSeconds(pids[target]), cpuSeconds(pids.direct)]);
  const measured = await runLoad({ ...spec, durationS: opts.durationS });
  const after = await Promise.all([cpuSeconds(pids[target]), cpuSeconds(pids.direct)]);
  measured.cpuUsPerRequest = {
    target: cpuPerRequest(before[0], after[0], measured.ok),
    mock: target === 'direct' ? null : cpuPerRequest(before[1], after[1], measured.ok),
  };
  handled[target] += measured.ok;
  return measured;
}

/**
 * Every kind in rounds; each round measures every target once, in alternating order (direct, floor,
 * parley, then parley, floor, direct), so that a slower or faster spell of the machine falls on all
 * targets alike rather than on one. The figures merge the rounds (report.ts mergeRounds).
 */
async function loadPhase(
  opts: BenchOptions,
  targets: Record<TargetName, string>,
  pids: Record<TargetName, number>,
  headers: Record<string, string>,
  report: BenchReport,
): Promise<void> {
  for (const kind of opts.kinds) {
    const rounds: Partial<Record<TargetName, LoadResult[]>> = {};
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      for (const target of order) {
        const warm = r === 0;
        log(
          `load ${kind} via ${target}, round ${r + 1}/${opts.rounds}: ${warm ? `warm-up ${opts.warmupS}s, then ` : ''}${opts.durationS}s at ${opts.connections} connections`,
        );
        (rounds[target] ??= []).push(await measureTarget(opts, kind, target, targets[target], pids, headers, warm));
      }
    }
    const merged: NonNullable<BenchReport['load'][KindName]> = {};
    for (const target of TARGETS) {
      const list = rounds[target];
      if (list) merged[target] = mergeRounds(list);
    }
    report.load[kind] = merged;
    (report.loadRounds ??= {})[kind] = rounds;
    report.derived.load[kind] = deriveLoad(merged);
  }
}

async function memoryPhase(
  opts: BenchOptions,
  mock: ServerProcess,
  parley: ServerProcess,
  floor: ServerProcess,
  headers: Record<string, string>,
  report: BenchReport,
): Promise<void> {
  const tokenDelayMs = 50;
  const tokens = Math.max(1, Math.round((opts.streamSeconds * 1000) / tokenDelayMs));
  await setMockScenario(mock.url, { tokenDelayMs, tokens, ttftMs: 0 });
  try {
    const spec = {
      path: PATH,
      body: BODIES.stream,
      headers,
      streams: opts.streams,
      timeoutMs: opts.streamSeconds * 1000 + 60_000,
    };
    log(`memory: ${opts.streams} concurrent streams (~${opts.streamSeconds}s each) through parley`);
    const parleyMem = await measureStreamsMemory({ ...spec, url: parley.url, pid: parley.pid });
    log(`memory: the same through the floor proxy (reference)`);
    const floorMem = await measureStreamsMemory({ ...spec, url: floor.url, pid: floor.pid });
    report.memory = { parley: parleyMem, floor: floorMem };
    report.settings.memoryMock = { tokenDelayMs, tokens };
    if (!parleyMem.allOpenAtOnce)
      report.notes.push(`memory: only ${parleyMem.maxOpen} of ${opts.streams} streams were open at once`);
  } finally {
    await setMockScenario(mock.url, null);
  }
}

async function main(): Promise<number> {
  const opts = parseBenchOptions(process.argv.slice(2), process.env, join(ROOT, 'bench/results'));
  if (!opts) return 0;
  if (!opts.fromSource && !existsSync(join(ROOT, 'dist/cli/index.js')))
    throw new Error(
      'dist/cli/index.js is missing: run `npm run build` first (npm run bench does), or pass --from-source',
    );
  const startedAt = new Date().toISOString();
  const tmp = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  tmpDir = tmp;
  const profileDir = opts.profile ? join(ROOT, 'bench/results/profiles') : undefined;
  const paths = {
    root: ROOT,
    tmp,
    fromSource: opts.fromSource,
    profileDir,
    profileStamp: startedAt.replace(/[:.]/g, '-'),
  };
  try {
    const mock = await startMock(paths);
    const floor = await startFloor(paths, mock.url);
    const auth = await obtainApiKey(paths, opts.apiKey);
    const parley = await startParleyProcess(paths, mock.url);
    log(
      `mock ${mock.url} (pid ${mock.pid}), floor ${floor.url} (pid ${floor.pid}), parley ${parley.url} (pid ${parley.pid}); credential: ${auth.source}`,
    );
    const targets: Record<TargetName, string> = { direct: mock.url, floor: floor.url, parley: parley.url };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${auth.key}` };
    await smokeCheck(targets, headers);

    const report: BenchReport = {
      schemaVersion: 1,
      startedAt,
      finishedAt: '',
      machine: machineInfo(),
      settings: {
        connections: opts.connections,
        durationS: opts.durationS,
        rounds: opts.rounds,
        warmupS: opts.warmupS,
        ttftRequests: opts.ttftRequests,
        ttftMockMs: opts.ttftMockMs,
        streams: opts.streams,
        streamSeconds: opts.streamSeconds,
        phases: [...opts.phases],
        kinds: opts.kinds,
        parley: opts.fromSource ? 'src via tsx' : 'dist',
        profiled: opts.profile,
        credential: auth.source,
        loadMock: { tokens: 16, ttftMs: 0, tokenDelayMs: 0 },
        requestBodies: BODIES,
      },
      idleRssMb: { parley: round(await residentMb(parley.pid), 1), floor: round(await residentMb(floor.pid), 1) },
      load: {},
      derived: { load: {} },
      goals: [],
      notes: [],
    };
    if (opts.profile) report.notes.push('Parley ran under --cpu-prof: its figures are slower than normal');

    if (opts.phases.has('load'))
      await loadPhase(opts, targets, { direct: mock.pid, floor: floor.pid, parley: parley.pid }, headers, report);
    if (opts.phases.has('ttft')) {
      log(`ttft: ${opts.ttftRequests} sequential streams per target, mock ttft ${opts.ttftMockMs} ms`);
      await setMockScenario(mock.url, { ttftMs: opts.ttftMockMs });
      try {
        const list = TARGETS.map((name) => ({ name, url: targets[name] }));
        report.ttft = await measureTtft(list, { path: PATH, body: BODIES.stream, headers, rounds: opts.ttftRequests });
        report.derived.ttft = deriveTtft(report.ttft);
      } finally {
        await setMockScenario(mock.url, null);
      }
    }
    if (opts.phases.has('memory')) await memoryPhase(opts, mock, parley, floor, headers, report);

    report.finishedAt = new Date().toISOString();
    report.machine.loadAvgAtEnd = loadavg().map((x) => Math.round(x * 100) / 100);
    report.goals = evaluateGoals(report);
    console.log(formatReport(report));
    if (opts.outDir) log(`saved ${await saveReport(report, opts.outDir)} and latest.json`);

    await Promise.all([parley.stop(15_000), floor.stop(15_000)]); // a clean exit writes the CPU profiles
    if (profileDir) {
      const files = await readdir(profileDir);
      for (const name of ['floor', 'parley'] as const) {
        const file = files.find((f) => f === `${name}-${paths.profileStamp}.cpuprofile`);
        if (!file) {
          log(`no CPU profile was written for ${name} (it did not exit cleanly)`);
          continue;
        }
        console.log(`\n== ${name}: ${handled[name]} requests in the load phase ==`);
        console.log(await formatProfileSummary(join(profileDir, file), 25, handled[name]));
      }
    }
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
