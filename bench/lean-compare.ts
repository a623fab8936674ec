// Chat completions through the floor, the lean reference and Parley, alternated: req/s, p50 and CPU per request.
//
//   npm run build && node --import tsx bench/lean-compare.ts [--kinds plain,stream] [--rounds 3] [--duration 6]
//
// See bench/README.md ("How much is work, how much is layering") for what it shows.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { runLoad } from './load.js';
import { cpuSeconds, killAllNow, spawnServer, stopAll } from './processes.js';
import { obtainApiKey, startFloor, startMock, startParleyProcess } from './servers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MESSAGES = [{ role: 'user', content: 'Hello! Please reply with a short greeting.' }];
/** The same bodies as bench/run.ts. */
const BODIES: Record<string, string> = {
  plain: JSON.stringify({ model: 'bench', messages: MESSAGES }),
  stream: JSON.stringify({ model: 'bench', messages: MESSAGES, stream: true, stream_options: { include_usage: true } }),
};

/**
 * bench/lean-reference.ts as plain JavaScript importing Parley's built modules (dist/), so that it runs
 * compiled exactly like the Parley it is compared with (no TypeScript loader wrapping its closures).
 */
async function compiledLeanReference(tmp: string): Promise<string> {
  const source = await readFile(join(ROOT, 'bench/lean-reference.ts'), 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  const resolve = createRequire(import.meta.url).resolve;
  const file = join(tmp, 'lean-reference.mjs');
  await writeFile(
    file,
    outputText
      .replace(/from '\.\.\/src\/([^']+)'/g, (_all, path: string) => `from '${pathToFileURL(join(ROOT, 'dist', path)).href}'`)
      .replace(/from '(fastify|undici)'/g, (_all, name: string) => `from '${pathToFileURL(resolve(name)).href}'`),
  );
  return file;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

interface Target {
  name: string;
  url: string;
  pid: number;
  headers: Record<string, string>;
}

async function compare(kind: string, targets: Target[], rounds: number, durationS: number, connections: number): Promise<void> {
  const totals = new Map(targets.map((t) => [t.name, { ok: 0, seconds: 0, cpu: 0, p50: [] as number[] }]));
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      const spec = { url: `${target.url}/v1/chat/completions`, body: BODIES[kind], headers: { 'content-type': 'application/json', ...target.headers }, connections };
      await runLoad({ ...spec, durationS: 2 }); // warm-up
      const before = await cpuSeconds(target.pid);
      const result = await runLoad({ ...spec, durationS });
      const after = await cpuSeconds(target.pid);
      if (result.non2xx > 0 || result.errors > 0) throw new Error(`${target.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      const total = totals.get(target.name);
      if (!total || before === null || after === null) throw new Error(`no CPU figure for ${target.name}`);
      total.ok += result.ok;
      total.seconds += result.durationS;
      total.cpu += after - before;
      if (result.latencyMs.p50 !== null) total.p50.push(result.latencyMs.p50);
      console.log(`${kind} round ${round} ${target.name.padEnd(7)} ${Math.round(result.rps).toString().padStart(6)} req/s  p50 ${result.latencyMs.p50?.toFixed(2)} ms  ${(((after - before) * 1e6) / result.ok).toFixed(0)} µs CPU/req`);
    }
  }
  const summary = new Map([...totals].map(([name, t]) => [name, { rps: t.ok / t.seconds, cpu: (t.cpu * 1e6) / t.ok, p50: median(t.p50) }]));
  const floor = summary.get('floor');
  const direct = summary.get('direct');
  const floorAdded = floor && direct ? floor.p50 - direct.p50 : Number.NaN;
  console.log(`\n${kind}: target   req/s   throughput ratio   CPU µs/req   p50 ms   added p50 ratio`);
  for (const [name, t] of summary) {
    const gateway = name !== 'direct';
    const throughput = gateway && floor ? (t.rps / floor.rps).toFixed(2) : '';
    const added = gateway && direct ? ((t.p50 - direct.p50) / floorAdded).toFixed(2) : '';
    console.log(`${kind}: ${name.padEnd(7)} ${Math.round(t.rps).toString().padStart(6)}   ${throughput.padStart(16)}   ${t.cpu.toFixed(0).padStart(10)}   ${t.p50.toFixed(2).padStart(6)}   ${added.padStart(15)}`);
  }
  console.log('(throughput ratio: req/s ÷ the floor\'s, goal ≥ 0.75; added p50 ratio: (p50 − direct p50) ÷ (floor p50 − direct p50), goal ≤ 1.3; CPU of direct = the mock)');
  console.log('');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { kinds: { type: 'string', default: 'plain,stream' }, rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '6' }, connections: { type: 'string', default: '32' } }, strict: true });
  const rounds = Number(values.rounds);
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  const kinds = values.kinds.split(',');
  const unknown = kinds.filter((kind) => BODIES[kind] === undefined);
  if (unknown.length > 0) throw new Error(`unknown kind ${unknown.join(', ')}: use plain, stream or both`);
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
      args: [await compiledLeanReference(tmp), '--upstream', mock.url, '--api-key', key, '--audit-file', join(tmp, 'lean-audit.jsonl')],
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
