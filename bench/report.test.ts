import { describe, expect, it } from 'vitest';
import type { LoadResult } from './load.js';
import type { MemoryResult } from './memory.js';
import { deriveCpu, deriveLoad, deriveTtft, evaluateGoals, formatReport, mergeRounds } from './report.js';
import type { BenchReport, RuntimeReport } from './report.js';
import { hasFirstContent } from './ttft.js';
import type { TtftResult } from './ttft.js';
import { summariseProfile } from './profile-summary.js';
import { distribution, percentileSorted, ratio } from './stats.js';

const run = (p50: number, rps: number): LoadResult => ({
  durationS: 1,
  ok: rps,
  rps,
  latencyMs: { count: rps, p50, p90: p50, p99: p50, mean: p50, max: p50 },
  errors: 0,
  timeouts: 0,
  non2xx: 0,
  overheadMs: { count: 0, p50: null, p90: null, p99: null, mean: null, max: null },
});

const round1 = (x: number): number => Math.round(x * 10) / 10;

describe('stats', () => {
  it('uses nearest-rank percentiles', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(percentileSorted(sorted, 50)).toBe(5);
    expect(percentileSorted(sorted, 99)).toBe(10);
    expect(percentileSorted([], 50)).toBeNull();
    const d = distribution([3, 1, 2]);
    expect([d.p50, d.mean, d.max, d.count]).toEqual([2, 2, 3, 3]);
  });

  it('refuses ratios over a non-positive denominator', () => {
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(1, -0.5)).toBeNull();
    expect(ratio(3, 2)).toBe(1.5);
  });
});

const cpu = (p50: number, rps: number, target: number): LoadResult => ({
  ...run(p50, rps),
  cpuUsPerRequest: { target, mock: 40 },
});

const ttftRun = (p50: number): TtftResult => ({
  ttftMs: { count: 1, p50, p90: p50, p99: p50, mean: p50, max: p50 },
  overheadMs: { count: 0, p50: null, p90: null, p99: null, mean: null, max: null },
  failures: 0,
});

const memory = (peak: number, allOpen = true): MemoryResult => ({
  streams: 1000,
  maxOpen: allOpen ? 1000 : 990,
  allOpenAtOnce: allOpen,
  completed: 1000,
  failed: 0,
  rssBeforeMb: 60,
  peakRssAllOpenMb: allOpen ? peak : null,
  peakRssMb: peak,
  rssAfterMb: 80,
  vmHwmMb: peak,
  rampMs: 100,
  durationMs: 1000,
  samples: 10,
});

const settings = { upstreamMs: 100, latencyConnections: 50 };

/** A runtime's report with the given figures, derived as run.ts derives them. */
function runtimeReport(f: {
  plainUs: [number, number];
  streamUs: [number, number];
  latencyP50: [number, number, number];
  ttftP50: [number, number, number];
  peakMb: number;
  allOpen?: boolean;
  version?: string;
}): RuntimeReport {
  const cpuRuns = (floorUs: number, parleyUs: number) => ({
    floor: cpu(2, 800, floorUs),
    parley: cpu(3, 500, parleyUs),
  });
  const rt: RuntimeReport = {
    runtime: { label: '24', version: f.version ?? 'v24.0.0', execPath: '/x/node' },
    idleRssMb: { parley: 50, floor: 40 },
    cpu: { plain: cpuRuns(...f.plainUs), stream: cpuRuns(...f.streamUs) },
    latency: { direct: run(f.latencyP50[0], 400), floor: run(f.latencyP50[1], 400), parley: run(f.latencyP50[2], 400) },
    ttft: { direct: ttftRun(f.ttftP50[0]), floor: ttftRun(f.ttftP50[1]), parley: ttftRun(f.ttftP50[2]) },
    memory: { parley: memory(f.peakMb, f.allOpen) },
    derived: { cpu: {} },
    goals: [],
  };
  rt.derived.cpu.plain = deriveCpu(rt.cpu.plain!);
  rt.derived.cpu.stream = deriveCpu(rt.cpu.stream!);
  rt.derived.latency = deriveLoad(rt.latency!);
  rt.derived.ttft = deriveTtft(rt.ttft!);
  rt.goals = evaluateGoals(rt, settings);
  return rt;
}

const verdicts = (rt: RuntimeReport): Record<string, boolean> =>
  Object.fromEntries(rt.goals.map((g) => [g.id, g.pass]));

describe('report', () => {
  it('derives added latency against direct and its ratio to the floor', () => {
    const d = deriveLoad({ direct: run(100, 400), floor: run(101, 400), parley: run(101.2, 400) });
    expect(d.floorAddedP50Ms).toBe(1);
    expect(d.parleyAddedP50Ms).toBe(1.2);
    expect(d.addedP50Ratio).toBe(1.2);
  });

  it("derives Parley's CPU per request over the floor's", () => {
    expect(deriveCpu({ floor: cpu(1, 1, 100), parley: cpu(1, 1, 165) })).toEqual({
      floorUs: 100,
      parleyUs: 165,
      ratio: 1.65,
    });
    expect(deriveCpu({ floor: run(1, 1), parley: cpu(1, 1, 165) }).ratio).toBeNull(); // no CPU figure for the floor
  });

  it('merges load rounds: counts and seconds summed, percentiles the median of the rounds, CPU weighted by responses', () => {
    const slow = { ...run(4, 100), cpuUsPerRequest: { target: 300, mock: 30 } };
    const a = {
      ...run(1, 400),
      latencyMs: { count: 400, p50: 1, p90: 2, p99: 5, mean: 1.2, max: 9 },
      cpuUsPerRequest: { target: 100, mock: 20 },
    };
    const b = { ...run(2, 300), errors: 1, cpuUsPerRequest: { target: 200, mock: 20 } };
    const merged = mergeRounds([slow, a, b]);
    expect(merged.durationS).toBe(3);
    expect(merged.ok).toBe(800);
    expect(merged.rps).toBeCloseTo(800 / 3, 1);
    expect(merged.latencyMs.p50).toBe(2); // median of 4, 1, 2: the slow round does not decide it
    expect(merged.latencyMs.count).toBe(800);
    expect(merged.latencyMs.max).toBe(9);
    expect(merged.errors).toBe(1);
    expect(merged.cpuUsPerRequest?.target).toBe(round1((300 * 100 + 100 * 400 + 200 * 300) / 800));
    expect(merged.overheadMs.p50).toBeNull(); // no round had the header
    expect(mergeRounds([a])).toBe(a);
    expect(mergeRounds([a, run(1, 10)]).cpuUsPerRequest?.target).toBeNull(); // a round without the figure
    expect(() => mergeRounds([])).toThrow(/no rounds/);
  });

  it('passes every goal at its limit (the limits are inclusive, except the strict RSS bound)', () => {
    const rt = runtimeReport({
      plainUs: [100, 160], // 1.6
      streamUs: [150, 270], // 1.8
      latencyP50: [100, 101, 101.5], // added 1.5 ms = 1.5 x the floor's 1 ms
      ttftP50: [20, 20.4, 20.7], // 0.3 ms over the floor (0.7 over direct: not what the goal measures)
      peakMb: 149.9,
    });
    expect(rt.goals.map((g) => g.id)).toEqual(['plain-cpu', 'stream-cpu', 'ttft', 'latency', 'rss']);
    expect(rt.goals.every((g) => g.pass)).toBe(true);
    expect(rt.goals.find((g) => g.id === 'ttft')?.value).toBe(0.3);
    expect(rt.goals.find((g) => g.id === 'latency')?.name).toContain('100 ms upstream, c=50');
  });

  it('fails each goal just past its limit', () => {
    const rt = runtimeReport({
      plainUs: [100, 161],
      streamUs: [150, 271],
      latencyP50: [100, 101, 101.6],
      ttftP50: [20, 20.4, 20.701],
      peakMb: 150,
    });
    expect(verdicts(rt)).toEqual({ 'plain-cpu': false, 'stream-cpu': false, ttft: false, latency: false, rss: false });
  });

  it('fails the latency goal when the floor adds nothing, and the RSS goal when the streams were never all open', () => {
    const rt = runtimeReport({
      plainUs: [100, 100],
      streamUs: [100, 100],
      latencyP50: [100, 99.9, 100.2], // the floor "beats" direct: no ratio, and Parley added more
      ttftP50: [20, 20, 20],
      peakMb: 100,
      allOpen: false,
    });
    const latency = rt.goals.find((g) => g.id === 'latency');
    expect(latency?.value).toBeNull();
    expect(latency?.pass).toBe(false);
    expect(verdicts(rt).rss).toBe(false);
    expect(verdicts(rt)['plain-cpu']).toBe(true);
  });

  it('leaves out the goals of phases that did not run', () => {
    expect(evaluateGoals({ derived: { cpu: {} } }, settings)).toEqual([]);
    const onlyPlain = evaluateGoals({ derived: { cpu: { plain: { floorUs: 1, parleyUs: 1, ratio: 1 } } } }, settings);
    expect(onlyPlain.map((g) => g.id)).toEqual(['plain-cpu']);
  });

  it('prints each runtime and one PASS/FAIL line per goal with a column per runtime', () => {
    const good = runtimeReport({
      plainUs: [100, 150],
      streamUs: [150, 250],
      latencyP50: [100, 101, 101.2],
      ttftP50: [20, 20.4, 20.6],
      peakMb: 120,
      version: 'v20.1.0',
    });
    const bad = runtimeReport({
      plainUs: [100, 236],
      streamUs: [150, 250],
      latencyP50: [100, 101, 103],
      ttftP50: [20, 20.4, 20.6],
      peakMb: 170,
      version: 'v24.2.0',
    });
    const report: BenchReport = {
      schemaVersion: 2,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      machine: { cpuModel: 'x', cores: 2, node: 'v20' },
      settings: { connections: 32, rounds: 3, durationS: 5, ttftRequests: 1, ttftMockMs: 20, ...settings },
      runtimes: { '20': good, '24': bad },
      notes: [],
    };
    const text = formatReport(report);
    expect(text).toContain('node v20.1.0');
    expect(text).toContain('node v24.2.0');
    expect(text).toMatch(/CPU µs per plain request, parley\/floor +<= 1\.6 x the floor +PASS 1\.500 +FAIL 2\.360/);
    expect(text).toMatch(/peak RSS, 1000 open streams \(MB\) +< 150 MB +PASS 120\.0 +FAIL 170\.0/);
    expect(text).toMatch(/added p50 at 100 ms upstream, c=50, parley\/floor .* PASS 1\.200 +FAIL 3\.000/);
    expect(text).toMatch(/plain parley .* 236 /); // the CPU phase's table: Parley's CPU per request, whole µs
  });
});

describe('time to first token', () => {
  it('counts the first chunk with non-empty content, not the empty role chunk', () => {
    const role = 'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null}}]}\n\n';
    expect(hasFirstContent(role)).toBe(false);
    expect(hasFirstContent(`${role}data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n`)).toBe(true);
    expect(hasFirstContent('data: {"choices":[{"delta":{"reasoning_content":"hm"}}]}\n\n')).toBe(false);
  });
});

describe('profile summary', () => {
  it('adds self time per function and module, idle excluded', () => {
    const profile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
        { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
        { id: 3, callFrame: { functionName: 'hot', url: 'file:///app/dist/routing/x.js', lineNumber: 9 } },
        { id: 4, callFrame: { functionName: 'lib', url: 'file:///app/node_modules/undici/a.js', lineNumber: 0 } },
      ],
      samples: [3, 3, 4, 2, 3],
      timeDeltas: [1000, 1000, 1000, 5000, 1000],
    };
    const s = summariseProfile(profile);
    expect(s.total).toBe(4);
    expect(s.functions[0]).toMatchObject({ name: 'hot  dist/routing/x.js:10', selfMs: 3, percent: 75 });
    expect(s.modules.map((m) => m.name)).toEqual(['parley/routing', 'node_modules/undici']);
  });
});
