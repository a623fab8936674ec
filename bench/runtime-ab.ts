// `npm run bench:runtimes`: Parley as shipped on two Node.js runtimes side by side, loaded in alternating rounds
// (A, B, B, A, ...) so that the machine's slower and faster spells fall on both alike. Prints CPU µs per request
// and req/s per runtime and request kind, with the ratio B/A of the medians. `npm run bench` runs the runtimes one
// after the other (each against its own floor); this compares them with each other.
// With --baseline DIR it compares two builds on one runtime instead: DIR (another checkout, built) against this one.
// Usage: node --import tsx bench/runtime-ab.ts [--runtimes 20,24 | --runtimes 24 --baseline DIR] [--rounds 6]
//        [--duration 5] [--connections 32]

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from './load.js';
import { count, num } from './options.js';
import { cpuPerRequest, cpuSeconds, killAllNow, stopAll } from './processes.js';
import { CHAT_PATH, KINDS, REQUEST_BODIES } from './report.js';
import { resolveRuntime, type Runtime } from './runtimes.js';
import { obtainApiKey, startMock, startParleyProcess, type ServerPaths } from './servers.js';
import { distribution } from './stats.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const median = (xs: number[]): number => distribution(xs).p50 ?? NaN;
const log = (text: string): void => void process.stderr.write(`[runtime-ab] ${text}\n`);

interface Target {
  label: string;
  runtime: Runtime;
  url: string;
  pid: number;
  headers: Record<string, string>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runtimes: { type: 'string', default: '20,24' },
      rounds: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      baseline: { type: 'string' },
    },
  });
  const rounds = count('rounds', values.rounds, undefined, 6);
  const durationS = num('duration', values.duration, undefined, 5);
  const connections = count('connections', values.connections, undefined, 32);
  const runtimes = await Promise.all(values.runtimes.split(',').map((label) => resolveRuntime(label.trim())));
  const builds = values.baseline
    ? [
        { label: `baseline ${runtimes[0].version}`, root: values.baseline, runtime: runtimes[0] },
        { label: `this tree ${runtimes[0].version}`, root: ROOT, runtime: runtimes[0] },
      ]
    : runtimes.map((runtime) => ({ label: runtime.version, root: ROOT, runtime }));
  if (values.baseline ? runtimes.length !== 1 : runtimes.length !== 2)
    throw new Error('--runtimes takes two runtimes (e.g. 20,24), or one with --baseline DIR');
  const tmp = await mkdtemp(join(tmpdir(), 'parley-runtime-ab-'));
  try {
    const base: ServerPaths = { root: ROOT, tmp, fromSource: false, asShipped: true };
    const mock = await startMock(base);
    const targets: Target[] = [];
    for (const [i, { label, root, runtime }] of builds.entries()) {
      const paths: ServerPaths = { ...base, root, tmp: join(tmp, String(i)), node: runtime.execPath };
      await mkdir(paths.tmp, { recursive: true });
      const auth = await obtainApiKey(paths, undefined);
      const parley = await startParleyProcess(paths, mock.url);
      targets.push({
        label,
        runtime,
        url: parley.url,
        pid: parley.pid,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth.key}` },
      });
      log(`${label}: parley ${parley.url} (pid ${parley.pid})`);
    }
    const samples = new Map<string, { cpu: number[]; rps: number[] }>();
    for (const kind of KINDS) {
      const spec = (t: Target) => ({
        url: `${t.url}${CHAT_PATH}`,
        body: REQUEST_BODIES[kind],
        headers: t.headers,
        connections,
      });
      // Warm-up: optimised code on both before the first round.
      for (const t of targets) await runLoad({ ...spec(t), durationS: 2 });
      for (let r = 0; r < rounds; r++) {
        for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
          const before = await cpuSeconds(t.pid);
          const result = await runLoad({ ...spec(t), durationS });
          const after = await cpuSeconds(t.pid);
          const cpu = cpuPerRequest(before, after, result.ok);
          const key = `${kind} ${t.label}`;
          const entry = samples.get(key) ?? { cpu: [], rps: [] };
          if (cpu !== null) entry.cpu.push(cpu);
          entry.rps.push(result.rps);
          samples.set(key, entry);
          log(`${key} round ${r + 1}/${rounds}: ${cpu?.toFixed(0)} µs/req, ${result.rps.toFixed(0)} req/s`);
        }
      }
    }
    console.log(`Parley as shipped, ${connections} connections, ${rounds} alternated rounds of ${durationS} s`);
    console.log('kind     target               CPU µs/req (median; rounds)               req/s (median)');
    for (const kind of KINDS) {
      const [a, b] = targets.map((t) => samples.get(`${kind} ${t.label}`) ?? { cpu: [], rps: [] });
      for (const [t, s] of [
        [targets[0], a],
        [targets[1], b],
      ] as const)
        console.log(
          `${kind.padEnd(8)} ${t.label.padEnd(20)} ${median(s.cpu).toFixed(0).padStart(5)} ` +
            `(${s.cpu.map((x) => x.toFixed(0)).join(', ')})`.padEnd(42) +
            `${median(s.rps).toFixed(0).padStart(8)}`,
        );
      console.log(
        `${kind.padEnd(8)} ratio ${targets[1].label} / ${targets[0].label}: CPU ` +
          `${(median(b.cpu) / median(a.cpu)).toFixed(2)}, req/s ${(median(b.rps) / median(a.rps)).toFixed(2)}`,
      );
    }
  } finally {
    await stopAll();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  killAllNow();
  process.exit(1);
});
