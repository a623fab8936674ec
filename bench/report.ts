// The benchmark report: derived figures, goal checks, the printed table and the saved JSON.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadResult } from './load.js';
import type { MemoryResult } from './memory.js';
import { minus, percentileSorted, ratio, round } from './stats.js';
import type { Distribution } from './stats.js';
import type { TtftResult } from './ttft.js';

/** The three ways a request reaches the mock upstream (the CPU phase loads the two gateways only). */
export const TARGETS = ['direct', 'floor', 'parley'] as const;
export type TargetName = (typeof TARGETS)[number];
/** The targets of the CPU phase: calling the mock directly costs no gateway CPU. */
export const GATEWAYS = ['floor', 'parley'] as const satisfies readonly TargetName[];
/** The two request shapes. */
export const KINDS = ['plain', 'stream'] as const;
export type KindName = (typeof KINDS)[number];

/** The endpoint every load goes to, and its request body per kind (the mock answers with 16 tokens). */
export const CHAT_PATH = '/v1/chat/completions';
const MESSAGES = [{ role: 'user', content: 'Hello! Please reply with a short greeting.' }];
export const REQUEST_BODIES: Readonly<Record<KindName, string>> = {
  plain: JSON.stringify({ model: 'bench', messages: MESSAGES }),
  stream: JSON.stringify({ model: 'bench', messages: MESSAGES, stream: true, stream_options: { include_usage: true } }),
};

/** The goals of issue 18 point 5, for Parley as shipped: ratios to the floor measured in the same run. */
export const GOALS = {
  /** CPU µs per successful plain request, Parley ÷ floor, at most. */
  plainCpuRatio: 1.6,
  /** CPU µs per successful streamed request (16 tokens, include_usage), Parley ÷ floor, at most. */
  streamCpuRatio: 1.8,
  /** Parley's p50 time to the first content token minus the floor's, sequential streams, at most (ms). */
  addedTtftMs: 0.3,
  /** Parley's added p50 over direct ÷ the floor's, at a slow upstream and many connections, at most. */
  addedLatencyRatio: 1.5,
  /** Parley's peak RSS with every stream of the memory phase open, below (MB). */
  peakRssMb: 150,
} as const;

/** CPU per successful request of the two gateways in the CPU phase, and their ratio. */
export interface DerivedCpu {
  floorUs: number | null;
  parleyUs: number | null;
  /** parleyUs ÷ floorUs. */
  ratio: number | null;
}

/** Added p50 latency over calling the upstream directly (milliseconds), and Parley's over the floor's. */
export interface DerivedLoad {
  /** floor p50 − direct p50. */
  floorAddedP50Ms: number | null;
  /** parley p50 − direct p50. */
  parleyAddedP50Ms: number | null;
  /** parleyAddedP50Ms ÷ floorAddedP50Ms (null when the floor adds nothing measurable). */
  addedP50Ratio: number | null;
}

/** Time-to-first-token differences (p50, milliseconds). */
export interface DerivedTtft {
  floorMinusDirectMs: number | null;
  parleyMinusDirectMs: number | null;
  parleyMinusFloorMs: number | null;
}

/** One goal and whether this run met it on one runtime. */
export interface GoalCheck {
  /** Stable key, the same on every runtime (`plain-cpu`, `stream-cpu`, `ttft`, `latency`, `rss`). */
  id: string;
  name: string;
  value: number | null;
  goal: string;
  pass: boolean;
}

/** Every phase's figures for Parley and the floor on one Node.js runtime (the mock and the bench stay on theirs). */
export interface RuntimeReport {
  runtime: { label: string; version: string; execPath: string };
  /** RSS right after start-up and the smoke check, before any load (MB). */
  idleRssMb: Partial<Record<'parley' | 'floor', number | null>>;
  /** CPU phase, per kind and gateway: the rounds merged (see mergeRounds); the rounds themselves in `cpuRounds`. */
  cpu: Partial<Record<KindName, Partial<Record<TargetName, LoadResult>>>>;
  cpuRounds?: Partial<Record<KindName, Partial<Record<TargetName, LoadResult[]>>>>;
  /** Latency phase (slow upstream), per target, merged; the rounds in `latencyRounds`. */
  latency?: Partial<Record<TargetName, LoadResult>>;
  latencyRounds?: Partial<Record<TargetName, LoadResult[]>>;
  ttft?: Partial<Record<TargetName, TtftResult>>;
  memory?: { parley: MemoryResult; floor?: MemoryResult };
  derived: { cpu: Partial<Record<KindName, DerivedCpu>>; latency?: DerivedLoad; ttft?: DerivedTtft };
  goals: GoalCheck[];
}

/** Everything one run produced; saved as JSON. */
export interface BenchReport {
  schemaVersion: 2;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  /** Keyed by the runtime's label (`20`, `24`, or a path). */
  runtimes: Record<string, RuntimeReport>;
  notes: string[];
}

const medianOf = (values: (number | null)[]): number | null => {
  const present = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return percentileSorted(present, 50);
};

function mergeDistributions(ds: Distribution[]): Distribution {
  const maxes = ds.map((d) => d.max).filter((v): v is number => v !== null);
  return {
    count: ds.reduce((n, d) => n + d.count, 0),
    p50: medianOf(ds.map((d) => d.p50)),
    p90: medianOf(ds.map((d) => d.p90)),
    p99: medianOf(ds.map((d) => d.p99)),
    mean: medianOf(ds.map((d) => d.mean)),
    max: maxes.length === 0 ? null : Math.max(...maxes),
  };
}

/** Weighted by each round's responses; null when any round lacks the figure. */
function mergeCpu(
  rounds: LoadResult[],
  pick: (c: NonNullable<LoadResult['cpuUsPerRequest']>) => number | null,
): number | null {
  let weighted = 0;
  let ok = 0;
  for (const r of rounds) {
    const value = r.cpuUsPerRequest ? pick(r.cpuUsPerRequest) : null;
    if (value === null) return null;
    weighted += value * r.ok;
    ok += r.ok;
  }
  return ok === 0 ? null : round(weighted / ok, 1);
}

/**
 * One target's load rounds as one result: counts and seconds summed (so req/s is responses over all
 * measured seconds), each latency percentile the median of the rounds' (a slow spell of the machine
 * in one round does not decide the figure), CPU per request weighted by responses.
 */
export function mergeRounds(rounds: LoadResult[]): LoadResult {
  if (rounds.length === 0) throw new Error('mergeRounds: no rounds');
  if (rounds.length === 1) return rounds[0] as LoadResult;
  const sum = (pick: (r: LoadResult) => number): number => rounds.reduce((n, r) => n + pick(r), 0);
  const durationS = sum((r) => r.durationS);
  const ok = sum((r) => r.ok);
  const merged: LoadResult = {
    durationS,
    ok,
    rps: durationS > 0 ? (round(ok / durationS, 1) ?? 0) : 0,
    latencyMs: mergeDistributions(rounds.map((r) => r.latencyMs)),
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    overheadMs: mergeDistributions(rounds.map((r) => r.overheadMs)),
  };
  if (rounds.some((r) => r.cpuUsPerRequest !== undefined)) {
    merged.cpuUsPerRequest = { target: mergeCpu(rounds, (c) => c.target), mock: mergeCpu(rounds, (c) => c.mock) };
  }
  return merged;
}

/** Parley's CPU per request over the floor's, for one kind of the CPU phase. */
export function deriveCpu(runs: Partial<Record<TargetName, LoadResult>>): DerivedCpu {
  const floorUs = runs.floor?.cpuUsPerRequest?.target ?? null;
  const parleyUs = runs.parley?.cpuUsPerRequest?.target ?? null;
  return { floorUs, parleyUs, ratio: round(ratio(parleyUs, floorUs)) };
}

/** Added p50 latency of the floor and Parley over direct, and their ratio. */
export function deriveLoad(runs: Partial<Record<TargetName, LoadResult>>): DerivedLoad {
  const d = runs.direct?.latencyMs.p50 ?? null;
  const floorAdded = minus(runs.floor?.latencyMs.p50 ?? null, d);
  const parleyAdded = minus(runs.parley?.latencyMs.p50 ?? null, d);
  return {
    floorAddedP50Ms: round(floorAdded),
    parleyAddedP50Ms: round(parleyAdded),
    addedP50Ratio: round(ratio(parleyAdded, floorAdded)),
  };
}

/** p50 time-to-first-token differences. */
export function deriveTtft(ttft: Partial<Record<TargetName, TtftResult>>): DerivedTtft {
  const p = (t: TargetName): number | null => ttft[t]?.ttftMs.p50 ?? null;
  return {
    floorMinusDirectMs: round(minus(p('floor'), p('direct'))),
    parleyMinusDirectMs: round(minus(p('parley'), p('direct'))),
    parleyMinusFloorMs: round(minus(p('parley'), p('floor'))),
  };
}

/** What the latency goal's name says about the run's settings. */
export interface GoalSettings {
  upstreamMs: number;
  latencyConnections: number;
}

/** Checks the goals against whatever phases ran on one runtime (a goal whose phase did not run is left out). */
export function evaluateGoals(r: Pick<RuntimeReport, 'derived' | 'memory'>, s: GoalSettings): GoalCheck[] {
  const goals: GoalCheck[] = [];
  const atMost = (id: string, name: string, value: number | null, limit: number, unit = ' x the floor'): GoalCheck => ({
    id,
    name,
    value,
    goal: `<= ${limit}${unit}`,
    pass: value !== null && value <= limit,
  });
  const plain = r.derived.cpu.plain;
  if (plain)
    goals.push(atMost('plain-cpu', 'CPU µs per plain request, parley/floor', plain.ratio, GOALS.plainCpuRatio));
  const stream = r.derived.cpu.stream;
  if (stream)
    goals.push(
      atMost(
        'stream-cpu',
        'CPU µs per streamed request (16 tokens, usage), parley/floor',
        stream.ratio,
        GOALS.streamCpuRatio,
      ),
    );
  const t = r.derived.ttft;
  if (t)
    goals.push(
      atMost('ttft', 'added TTFT p50 over the floor, sequential (ms)', t.parleyMinusFloorMs, GOALS.addedTtftMs, ' ms'),
    );
  const l = r.derived.latency;
  if (l) {
    // Checked as parley added ≤ 1.5 × floor added, so a floor that adds nothing (ratio null) fails rather than passes.
    const { floorAddedP50Ms: floor, parleyAddedP50Ms: parley } = l;
    goals.push({
      id: 'latency',
      name: `added p50 at ${s.upstreamMs} ms upstream, c=${s.latencyConnections}, parley/floor`,
      value: l.addedP50Ratio,
      goal: `<= ${GOALS.addedLatencyRatio} x the floor`,
      pass: floor !== null && parley !== null && parley <= GOALS.addedLatencyRatio * floor,
    });
  }
  const m = r.memory?.parley;
  if (m)
    goals.push({
      id: 'rss',
      name: `peak RSS, ${m.streams} open streams (MB)`,
      value: m.peakRssAllOpenMb,
      goal: `< ${GOALS.peakRssMb} MB`,
      pass: m.allOpenAtOnce && m.peakRssAllOpenMb !== null && m.peakRssAllOpenMb < GOALS.peakRssMb,
    });
  return goals;
}

const fmt = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined ? '-' : v.toFixed(digits);
const row = (cells: string[], widths: number[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');

function loadRows(lines: string[], rows: [string, LoadResult | undefined][]): void {
  const w = [24, 9, 9, 9, 10, 7, 11, 11];
  lines.push(row(['', 'p50 ms', 'p90 ms', 'p99 ms', 'req/s', 'errors', 'CPU µs/req', 'mock µs/req'], w));
  for (const [label, x] of rows) {
    if (!x) continue;
    lines.push(
      row(
        [
          label,
          fmt(x.latencyMs.p50),
          fmt(x.latencyMs.p90),
          fmt(x.latencyMs.p99),
          fmt(x.rps, 0),
          String(x.errors + x.timeouts + x.non2xx),
          fmt(x.cpuUsPerRequest?.target, 0),
          fmt(x.cpuUsPerRequest?.mock, 0),
        ],
        w,
      ),
    );
  }
}

function formatRuntime(r: RuntimeReport, s: Record<string, unknown>): string[] {
  const lines: string[] = [`== Parley and the floor on node ${r.runtime.version} (${r.runtime.execPath}) ==`];
  const rounds = `${String(s.rounds)}x${String(s.durationS)}s`;
  if (Object.keys(r.cpu).length > 0) {
    lines.push(`CPU phase: ${String(s.connections)} connections, mock answers at once, ${rounds}`);
    loadRows(
      lines,
      KINDS.flatMap((kind) => TARGETS.map((t): [string, LoadResult | undefined] => [`${kind} ${t}`, r.cpu[kind]?.[t]])),
    );
    for (const kind of KINDS) {
      const d = r.derived.cpu[kind];
      if (d) lines.push(`  ${kind}: parley ${fmt(d.parleyUs, 0)} µs / floor ${fmt(d.floorUs, 0)} µs = ${fmt(d.ratio)}`);
    }
    lines.push('');
  }
  if (r.latency) {
    lines.push(
      `latency phase: upstream answers after ${String(s.upstreamMs)} ms, ` +
        `${String(s.latencyConnections)} connections, ${rounds}`,
    );
    loadRows(
      lines,
      TARGETS.map((t): [string, LoadResult | undefined] => [t, r.latency?.[t]]),
    );
    const d = r.derived.latency;
    lines.push(
      `  added p50 over direct: floor ${fmt(d?.floorAddedP50Ms, 3)} ms, parley ` +
        `${fmt(d?.parleyAddedP50Ms, 3)} ms, ratio ${fmt(d?.addedP50Ratio)}`,
    );
    lines.push('');
  }
  if (r.ttft) {
    const dw = [40, 10, 10];
    lines.push(
      row(
        [
          `TTFT: ${String(s.ttftRequests)} sequential streams, mock ttft ${String(s.ttftMockMs)} ms`,
          'p50 ms',
          'p99 ms',
        ],
        dw,
      ),
    );
    for (const target of TARGETS) {
      const t = r.ttft[target];
      if (t)
        lines.push(
          row(
            [`${target}${t.failures ? ` (${t.failures} failed)` : ''}`, fmt(t.ttftMs.p50, 3), fmt(t.ttftMs.p99, 3)],
            dw,
          ),
        );
    }
    const d = r.derived.ttft;
    lines.push(
      `  added TTFT p50: parley - floor ${fmt(d?.parleyMinusFloorMs, 3)} ` +
        `ms, floor - direct ${fmt(d?.floorMinusDirectMs, 3)} ms`,
    );
    lines.push('');
  }
  lines.push(`idle RSS after start-up: parley ${fmt(r.idleRssMb.parley, 1)} MB, floor ${fmt(r.idleRssMb.floor, 1)} MB`);
  if (r.memory) {
    const mw = [40, 10, 10, 10, 8];
    lines.push(
      row([`memory, ${r.memory.parley.streams} open streams`, 'peak MB', 'before MB', 'max open', 'failed'], mw),
    );
    for (const [name, m] of Object.entries(r.memory)) {
      if (!m) continue;
      lines.push(
        row(
          [name, fmt(m.peakRssAllOpenMb ?? m.peakRssMb, 1), fmt(m.rssBeforeMb, 1), String(m.maxOpen), String(m.failed)],
          mw,
        ),
      );
    }
  }
  lines.push('');
  return lines;
}

/** The human-readable summary: each runtime's figures, then one PASS/FAIL line per goal with a column per runtime. */
export function formatReport(r: BenchReport): string {
  const lines: string[] = [];
  const s = r.settings;
  lines.push(
    `Parley benchmark  ${r.startedAt}  ${String(r.machine.cpuModel)} ` +
      `x${String(r.machine.cores)}  bench and mock on node ${String(r.machine.node)}`,
  );
  lines.push('');
  const runtimes = Object.values(r.runtimes);
  for (const rt of runtimes) lines.push(...formatRuntime(rt, s));
  const ids: string[] = [];
  for (const rt of runtimes) for (const g of rt.goals) if (!ids.includes(g.id)) ids.push(g.id);
  const w = [62, 18, ...runtimes.map(() => 16)];
  lines.push(row(['goals: Parley as shipped', 'goal', ...runtimes.map((rt) => `node ${rt.runtime.version}`)], w));
  for (const id of ids) {
    const first = runtimes.flatMap((rt) => rt.goals).find((g) => g.id === id);
    const cells = runtimes.map((rt) => {
      const g = rt.goals.find((x) => x.id === id);
      return g ? `${g.pass ? 'PASS' : 'FAIL'} ${fmt(g.value, id === 'rss' ? 1 : 3)}` : '-';
    });
    lines.push(row([`  ${first?.name ?? id}`, first?.goal ?? '', ...cells], w));
  }
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines.join('\n');
}

/** Writes `<dir>/<ISO date>.json` and `<dir>/latest.json`; returns the dated path. */
export async function saveReport(report: BenchReport, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = report.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `${stamp}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(file, text);
  await writeFile(join(dir, 'latest.json'), text);
  return file;
}
