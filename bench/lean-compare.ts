// Chat completions through the floor, the lean reference and Parley, alternated: req/s, p50 and CPU per request.
//
//   npm run build && node --import tsx bench/lean-compare.ts [--kinds plain,stream] [--rounds 3] [--duration 6]
//
// See bench/README.md ("How much is work, how much is layering") for what it shows.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from './load.js';
import type { LoadResult } from './load.js';
import { cpuPerRequest, cpuSeconds, killAllNow, spawnServer, stopAll } from './processes.js';
import { CHAT_PATH, KINDS, mergeRounds, REQUEST_BODIES, type KindName } from './report.js';
import { compileBenchScript, obtainApiKey, startFloor, startMock, startParleyProcess } from './servers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface Target {
  name: string;
  url: string;
  pid: number;
  headers: Record<string, string>;
}

async function compare(
  kind: KindName,
  targets: Target[],
  rounds: number,
  durationS: number,
  connections: number,
): Promise<void> {
  const runs = new Map<string, LoadResult[]>(targets.map((t) => [t.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      const spec = {
        url: `${target.url}${CHAT_PATH}`,
        body: REQUEST_BODIES[kind],
        headers: { 'content-type': 'application/json', ...target.headers },
        connections,
      };
      await runLoad({ ...spec, durationS: 2 }); // warm-up
      const before = await cpuSeconds(target.pid);
      const result = await runLoad({ ...spec, durationS });
      const after = await cpuSeconds(target.pid);
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      if (before === null || after === null) throw new Error(`no CPU figure for ${target.name}`);
      result.cpuUsPerRequest = { target: cpuPerRequest(before, after, result.ok), mock: null };
      runs.get(target.name)?.push(result);
      console.log(
        `${kind} round ${round} ${target.name.padEnd(7)} ` +
          `${Math.round(result.rps).toString().padStart(6)} req/s  p50 ` +
          `${result.latencyMs.p50?.toFixed(2)} ms  ${result.cpuUsPerRequest.target?.toFixed(0)} µs CPU/req`,
      );
    }
  }
  const summary = new Map(
    [...runs].map(([name, list]) => {
      const merged = mergeRounds(list);
      return [
        name,
        { rps: merged.rps, cpu: merged.cpuUsPerRequest?.target ?? Number.NaN, p50: merged.latencyMs.p50 ?? Number.NaN },
      ];
    }),
  );
  const floor = summary.get('floor');
  const direct = summary.get('direct');
  const floorAdded = floor && direct ? floor.p50 - direct.p50 : Number.NaN;
  console.log(`\n${kind}: target   req/s   throughput ratio   CPU µs/req   p50 ms   added p50 ratio`);
  for (const [name, t] of summary) {
    const gateway = name !== 'direct';
    const throughput = gateway && floor ? (t.rps / floor.rps).toFixed(2) : '';
    const added = gateway && direct ? ((t.p50 - direct.p50) / floorAdded).toFixed(2) : '';
    console.log(
      `${kind}: ${name.padEnd(7)} ${Math.round(t.rps).toString().padStart(6)}   ` +
        `${throughput.padStart(16)}   ${t.cpu.toFixed(0).padStart(10)}   ` +
        `${t.p50.toFixed(2).padStart(6)}   ${added.padStart(15)}`,
    );
  }
  console.log(
    "(throughput ratio: req/s ÷ the floor's, goal ≥ 0.75; added p50 ratio: (p50 − direct p50) " +
      '÷ (floor p50 − direct p50), goal ≤ 1.3; CPU of direct = the mock)',
  );
  console.log('');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kinds: { type: 'string', default: 'plain,stream' },
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '6' },
      connections: { type: 'string', default: '32' },
    },
    strict: true,
  });
  const rounds = Number(values.rounds);
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  const asked = values.kinds.split(',');
  const unknown = asked.filter((kind) => !(KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0) throw new Error(`unknown kind ${unknown.join(', ')}: use plain, stream or both`);
  const kinds = asked as KindName[];
  const tmp = await mkdtemp(join(tmpdir(), 'parley-lean-'));
  const paths = { root: ROOT, tmp, fromSource: false };
  try {
    const mock = await startMock(paths);
    const floor = await startFloor(paths, mock.url);
    const { key } = await obtainApiKey(paths, undefined);
    const parley = await startParleyProcess(paths, mock.url);
    const lean = await spawnServer({
      name: 'lean reference',
      command: process.execPath,
      args: [
        await compileBenchScript(paths, 'lean-reference'),
        '--upstream',
        mock.url,
        '--api-key',
        key,
        '--audit-file',
        join(tmp, 'lean-audit.jsonl'),
      ],
    });
    const auth = { authorization: `Bearer ${key}` };
    const targets: Target[] = [
      { name: 'direct', url: mock.url, pid: mock.pid, headers: {} },
      { name: 'floor', url: floor.url, pid: floor.pid, headers: {} },
      { name: 'lean', url: lean.url, pid: lean.pid, headers: auth },
      { name: 'parley', url: parley.url, pid: parley.pid, headers: auth },
    ];
    for (const kind of kinds) await compare(kind, targets, rounds, durationS, connections);
  } finally {
    await stopAll();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  killAllNow();
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
