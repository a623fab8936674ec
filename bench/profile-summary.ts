// Summarises a V8 .cpuprofile (from `node --cpu-prof`): top functions and top modules by self time.

import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of the summary. */
export interface SelfTime {
  name: string;
  selfMs: number;
  percent: number;
}

/** Groups a script URL into a module bucket: `node_modules/<pkg>`, `src/<dir>`, `node:internal`, or `(vm)`. */
export function moduleOf(url: string): string {
  if (url === '') return '(native / vm)';
  if (url.startsWith('node:')) return 'node:internal';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return `node_modules/${pkg[1]}`;
  const own = /\/(?:dist|src)\/([^/]+)(?:\/|$)/.exec(url);
  if (own?.[1]) return `parley/${own[1].replace(/\.js$/, '')}`;
  return url;
}

/** Self time per function and per module, highest first. */
export function summariseProfile(
  profile: CpuProfile,
  top = 20,
): { total: number; functions: SelfTime[]; modules: SelfTime[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    if (frame.functionName === '(idle)') continue;
    total += us;
    const file = frame.url.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|dist|src)\//, '$1/');
    const name = `${frame.functionName || '(anonymous)'}  ${file}:${frame.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + us);
    const m = frame.functionName.startsWith('(') && frame.url === '' ? frame.functionName : moduleOf(frame.url);
    mod.set(m, (mod.get(m) ?? 0) + us);
  }
  const rank = (m: Map<string, number>): SelfTime[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 100) / 10,
        percent: total > 0 ? Math.round((us / total) * 1000) / 10 : 0,
      }));
  return { total: total / 1000, functions: rank(fn), modules: rank(mod) };
}

/** A stage's time, and how much of it ran in Node's own code and natives (sockets, syscalls) and in libraries. */
export interface StageTime extends SelfTime {
  nodeMs: number;
  libraryMs: number;
}

/**
 * The stage of the request path a sample belongs to: the nearest Parley module on its stack (`parley/http`,
 * `parley/privacy`, ...: what Parley's code spent, libraries and Node called from it included), else the nearest
 * library that drives it (Fastify's routing, hooks and serialisation before and after Parley's handlers; undici's
 * upstream client), else Node's own work (sockets, the HTTP parser, timers) or V8's (garbage collection, the rest).
 */
export function stagesOf(profile: CpuProfile): { total: number; stages: StageTime[] } {
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const stageOfNode = new Map<number, string | undefined>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const stageOf = (start: ProfileNode): string | undefined => {
    const seen: number[] = [];
    let found: string | undefined;
    let lib: string | undefined;
    for (let node: ProfileNode | undefined = start; node; node = parent.get(node.id)) {
      if (stageOfNode.has(node.id)) {
        found = stageOfNode.get(node.id);
        break;
      }
      seen.push(node.id);
      const m = moduleOf(node.callFrame.url);
      if (m.startsWith('parley/')) {
        found = m;
        break;
      }
      if (!lib && (m === 'node_modules/fastify' || m === 'node_modules/undici' || m === 'node_modules/pino')) lib = m;
    }
    const stage = found ?? lib;
    for (const id of seen) stageOfNode.set(id, stage);
    return stage;
  };
  const us = new Map<string, { all: number; node: number; library: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') return;
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const name = node.callFrame.functionName;
    const leaf = moduleOf(node.callFrame.url);
    const stage =
      stageOf(node) ??
      (name.startsWith('(') && node.callFrame.url === ''
        ? name
        : moduleOf(node.callFrame.url) === 'node:internal'
          ? 'node (sockets, HTTP parser, timers)'
          : moduleOf(node.callFrame.url));
    const entry = us.get(stage) ?? { all: 0, node: 0, library: 0 };
    entry.all += delta;
    if (leaf === 'node:internal' || leaf === '(native / vm)') entry.node += delta;
    else if (leaf.startsWith('node_modules/')) entry.library += delta;
    us.set(stage, entry);
  });
  const ms = (t: number): number => Math.round(t / 100) / 10;
  const stages = [...us.entries()]
    .sort((a, b) => b[1].all - a[1].all)
    .map(([name, t]) => ({
      name,
      selfMs: ms(t.all),
      percent: total > 0 ? Math.round((t.all / total) * 1000) / 10 : 0,
      nodeMs: ms(t.node),
      libraryMs: ms(t.library),
    }));
  return { total: total / 1000, stages };
}

/**
 * Reads a .cpuprofile file and returns the summary as printable text (with CPU µs per request when `requests` is
 * given).
 */
export async function formatProfileSummary(file: string, top = 20, requests?: number): Promise<string> {
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
  const s = summariseProfile(profile, top);
  const perRequest = requests
    ? `, ${((s.total * 1000) / requests).toFixed(0)} µs per request over ${requests} requests`
    : '';
  const lines = [
    `${file}: ${s.total.toFixed(0)} ms of non-idle samples${perRequest}`,
    '',
    'time by stage (the nearest Parley module on the stack; of it, in Node and natives, and in libraries):',
  ];
  const perReq = (t: number): string => (requests ? `${((t * 1000) / requests).toFixed(1)} µs/req` : `${t} ms`);
  for (const st of stagesOf(profile).stages.slice(0, top))
    lines.push(
      `  ${st.percent.toFixed(1).padStart(5)}%  ${perReq(st.selfMs).padStart(14)}  (node ${perReq(st.nodeMs)}, ` +
        `libraries ${perReq(st.libraryMs)})  ${st.name}`,
    );
  lines.push('', 'self time by module:');
  for (const m of s.modules)
    lines.push(`  ${m.percent.toFixed(1).padStart(5)}%  ${m.selfMs.toFixed(0).padStart(7)} ms  ${m.name}`);
  lines.push('', 'self time by function:');
  for (const f of s.functions)
    lines.push(`  ${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name}`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('Usage: node --import tsx bench/profile-summary.ts FILE.cpuprofile [TOP]');
    process.exit(2);
  }
  formatProfileSummary(file, top ? Number(top) : 20).then(console.log, (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
