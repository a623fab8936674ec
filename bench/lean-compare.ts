// Plain chat completions through the floor, the lean reference and Parley, alternated: req/s, p50 and CPU per request.
//
//   npm run build && node --import tsx bench/lean-compare.ts [--rounds 3] [--duration 6]
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
const BODY = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'Hello! Please reply with a short greeting.' }] });

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

interface Target {
  name: string;
  url: string;
  pid: number;
  headers: Record<string, string>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '6' }, connections: { type: 'string', default: '32' } }, strict: true });
  const rounds = Number(values.rounds);
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
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
      { name: 'floor', url: floor.url, pid: floor.pid, headers: {} },
      { name: 'lean', url: lean.url, pid: lean.pid, headers: auth },
      { name: 'parley', url: parley.url, pid: parley.pid, headers: auth },
    ];
    const totals = new Map(targets.map((t) => [t.name, { ok: 0, seconds: 0, cpu: 0, p50: [] as number[] }]));
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        const spec = { url: `${target.url}/v1/chat/completions`, body: BODY, headers: { 'content-type': 'application/json', ...target.headers }, connections };
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
        console.log(`round ${round} ${target.name.padEnd(7)} ${Math.round(result.rps).toString().padStart(6)} req/s  p50 ${result.latencyMs.p50?.toFixed(2)} ms  ${(((after - before) * 1e6) / result.ok).toFixed(0)} µs CPU/req`);
      }
    }
    const floorRps = (totals.get('floor')?.ok ?? 0) / (totals.get('floor')?.seconds ?? 1);
    console.log('\ntarget   req/s   ratio to floor   CPU µs/req   median p50 ms');
    for (const [name, t] of totals) {
      const rps = t.ok / t.seconds;
      const p50 = [...t.p50].sort((a, b) => a - b)[Math.floor(t.p50.length / 2)];
      console.log(`${name.padEnd(7)} ${Math.round(rps).toString().padStart(6)}   ${(rps / floorRps).toFixed(2).padStart(14)}   ${((t.cpu * 1e6) / t.ok).toFixed(0).padStart(10)}   ${p50?.toFixed(2).padStart(13)}`);
    }
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
