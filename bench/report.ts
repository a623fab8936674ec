// The benchmark report: derived figures, goal checks, the printed table and the saved JSON.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LoadResult } from './load.js';
import type { MemoryResult } from './memory.js';
import { minus, percentileSorted, ratio, round } from './stats.js';
import type { Distribution } from './stats.js';
import type { TtftResult } from './ttft.js';

/** The three ways a request reaches the mock upstream. */
export const TARGETS = ['direct', 'floor', 'parley'] as const;
export type TargetName = (typeof TARGETS)[number];
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

/** Figures derived from one request kind's load runs (milliseconds, ratios). */
export interface DerivedLoad {
  /** floor p50 − direct p50. */
  floorAddedP50Ms: number | null;
  /** parley p50 − direct p50. */
  parleyAddedP50Ms: number | null;
  /** parleyAddedP50Ms / floorAddedP50Ms (goal ≤ 1.3; null when the floor adds nothing measurable). */
  addedP50Ratio: number | null;
  /** parley req/s ÷ floor req/s (goal ≥ 0.75). */
  throughputRatio: number | null;
}

/** Time-to-first-token differences (p50, milliseconds). */
export interface DerivedTtft {
  floorMinusDirectMs: number | null;
  parleyMinusDirectMs: number | null;
  parleyMinusFloorMs: number | null;
}

/** One goal of issue 2 point 10 and whether this run met it. */
export interface GoalCheck {
  name: string;
  value: number | null;
  goal: string;
  pass: boolean;
}

/** Everything one run produced; saved as JSON. */
export interface BenchReport {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  machine: Record<string, unknown>;
  settings: Record<string, unknown>;
  /** Per kind and target: the rounds merged (see mergeRounds); the rounds themselves are in `loadRounds`. */
  load: Partial<Record<KindName, Partial<Record<TargetName, LoadResult>>>>;
  loadRounds?: Partial<Record<KindName, Partial<Record<TargetName, LoadResult[]>>>>;
  derived: { load: Partial<Record<KindName, DerivedLoad>>; ttft?: DerivedTtft };
  ttft?: Partial<Record<TargetName, TtftResult>>;
  memory?: { parley: MemoryResult; floor?: MemoryResult };
  /** RSS right after start-up and the smoke check, before any load (MB). */
  idleRssMb: Partial<Record<'parley' | 'floor', number | null>>;
  goals: GoalCheck[];
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

/** Added latency and throughput ratios for one kind. */
export function deriveLoad(runs: Partial<Record<TargetName, LoadResult>>): DerivedLoad {
  const d = runs.direct?.latencyMs.p50 ?? null;
  const floorAdded = minus(runs.floor?.latencyMs.p50 ?? null, d);
  const parleyAdded = minus(runs.parley?.latencyMs.p50 ?? null, d);
  return {
    floorAddedP50Ms: round(floorAdded),
    parleyAddedP50Ms: round(parleyAdded),
    addedP50Ratio: round(ratio(parleyAdded, floorAdded)),
    throughputRatio: round(ratio(runs.parley?.rps ?? null, runs.floor?.rps ?? null)),
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

/** Checks the goals against whatever phases ran. */
export function evaluateGoals(report: Pick<BenchReport, 'derived' | 'memory'>): GoalCheck[] {
  const goals: GoalCheck[] = [];
  for (const kind of KINDS) {
    const d = report.derived.load[kind];
    if (!d) continue;
    goals.push({
      name: `${kind}: added p50 parley/floor`,
      value: d.addedP50Ratio,
      goal: '<= 1.3',
      pass: d.addedP50Ratio !== null && d.addedP50Ratio <= 1.3,
    });
    goals.push({
      name: `${kind}: throughput parley/floor`,
      value: d.throughputRatio,
      goal: '>= 0.75',
      pass: d.throughputRatio !== null && d.throughputRatio >= 0.75,
    });
  }
  const t = report.derived.ttft;
  if (t)
    goals.push({
      name: 'added TTFT p50 (parley - direct, ms)',
      value: t.parleyMinusDirectMs,
      goal: '< 1',
      pass: t.parleyMinusDirectMs !== null && t.parleyMinusDirectMs < 1,
    });
  const m = report.memory?.parley;
  if (m) {
    goals.push({
      name: `peak RSS, ${m.streams} open streams (MB)`,
      value: m.peakRssAllOpenMb,
      goal: '< 200',
      pass: m.allOpenAtOnce && m.peakRssAllOpenMb !== null && m.peakRssAllOpenMb < 200,
    });
  }
  return goals;
}

const fmt = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined ? '-' : v.toFixed(digits);
const row = (cells: string[], widths: number[]): string =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');

/** The human-readable summary. */
export function formatReport(r: BenchReport): string {
  const lines: string[] = [];
  const s = r.settings;
  lines.push(
    `Parley benchmark  ${r.startedAt}  ${String(r.machine.cpuModel)} x${String(r.machine.cores)}  node ${String(r.machine.node)}`,
  );
  lines.push('');
  const dw = [40, 10, 10];
  if (Object.keys(r.load).length > 0) {
    const w = [16, 9, 9, 9, 10, 8, 12, 16];
    const rounds = typeof s.rounds === 'number' && s.rounds > 1 ? `${String(s.rounds)}x` : '';
    lines.push(
      row(
        [
          `load c=${String(s.connections)} ${rounds}${String(s.durationS)}s`,
          'p50 ms',
          'p90 ms',
          'p99 ms',
          'req/s',
          'errors',
          'CPU µs/req',
          'overhead p50/p99',
        ],
        w,
      ),
    );
    for (const kind of KINDS) {
      for (const target of TARGETS) {
        const x = r.load[kind]?.[target];
        if (!x) continue;
        const over = x.overheadMs.count > 0 ? `${fmt(x.overheadMs.p50, 3)}/${fmt(x.overheadMs.p99, 3)}` : '';
        const errors = String(x.errors + x.timeouts + x.non2xx);
        lines.push(
          row(
            [
              `${kind} ${target}`,
              fmt(x.latencyMs.p50),
              fmt(x.latencyMs.p90),
              fmt(x.latencyMs.p99),
              fmt(x.rps, 0),
              errors,
              fmt(x.cpuUsPerRequest?.target, 0),
              over,
            ],
            w,
          ),
        );
      }
    }
    lines.push('');
    lines.push(row(['derived', 'plain', 'stream'], dw));
    const dl = (key: keyof DerivedLoad, digits = 3): string[] =>
      KINDS.map((k) => fmt(r.derived.load[k]?.[key], digits));
    lines.push(row(['added p50 vs direct: floor (ms)', ...dl('floorAddedP50Ms')], dw));
    lines.push(row(['added p50 vs direct: parley (ms)', ...dl('parleyAddedP50Ms')], dw));
    lines.push(row(['added p50 ratio parley/floor (<= 1.3)', ...dl('addedP50Ratio', 2)], dw));
    lines.push(row(['throughput ratio parley/floor (>= 0.75)', ...dl('throughputRatio', 2)], dw));
  }
  if (r.ttft) {
    lines.push('');
    lines.push(
      row(
        [`TTFT sequential n=${String(s.ttftRequests)}, mock ttft ${String(s.ttftMockMs)} ms`, 'p50 ms', 'p99 ms'],
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
    const p = r.ttft.parley?.overheadMs;
    if (p && p.count > 0) lines.push(row(['x-parley-overhead-ms (streams)', fmt(p.p50, 3), fmt(p.p99, 3)], dw));
    const d = r.derived.ttft;
    lines.push(row(['added TTFT p50: parley - direct (< 1 ms)', fmt(d?.parleyMinusDirectMs, 3), ''], dw));
    lines.push(row(['added TTFT p50: parley - floor', fmt(d?.parleyMinusFloorMs, 3), ''], dw));
    lines.push(row(['added TTFT p50: floor - direct', fmt(d?.floorMinusDirectMs, 3), ''], dw));
  }
  lines.push('');
  lines.push(`idle RSS after start-up: parley ${fmt(r.idleRssMb.parley, 1)} MB, floor ${fmt(r.idleRssMb.floor, 1)} MB`);
  if (r.memory) {
    lines.push(
      row(
        [`memory, ${r.memory.parley.streams} open streams`, 'peak MB', 'before MB', 'max open', 'failed'],
        [40, 10, 10, 10, 8],
      ),
    );
    for (const [name, m] of Object.entries(r.memory)) {
      if (!m) continue;
      lines.push(
        row(
          [name, fmt(m.peakRssAllOpenMb ?? m.peakRssMb, 1), fmt(m.rssBeforeMb, 1), String(m.maxOpen), String(m.failed)],
          [40, 10, 10, 10, 8],
        ),
      );
    }
  }
  lines.push('');
  lines.push('goals');
  for (const g of r.goals)
    lines.push(`  ${g.pass ? 'PASS' : 'FAIL'}  ${g.name.padEnd(40)} ${fmt(g.value, 3).padStart(9)}  (goal ${g.goal})`);
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
