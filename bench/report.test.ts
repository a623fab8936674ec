import { describe, expect, it } from 'vitest';
import type { LoadResult } from './load.js';
import { deriveLoad, deriveTtft, evaluateGoals, formatReport, mergeRounds } from './report.js';
import type { BenchReport } from './report.js';
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

describe('report', () => {
  it('derives added latency against direct and the ratios to the floor', () => {
    const d = deriveLoad({ direct: run(1, 1000), floor: run(2, 800), parley: run(2.2, 700) });
    expect(d.floorAddedP50Ms).toBe(1);
    expect(d.parleyAddedP50Ms).toBe(1.2);
    expect(d.addedP50Ratio).toBe(1.2);
    expect(d.throughputRatio).toBe(0.875);
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

  it('checks every goal and prints PASS/FAIL lines', () => {
    const ttftRun = (p50: number) => ({
      ttftMs: { count: 1, p50, p90: p50, p99: p50, mean: p50, max: p50 },
      overheadMs: { count: 0, p50: null, p90: null, p99: null, mean: null, max: null },
      failures: 0,
    });
    const report: BenchReport = {
      schemaVersion: 1,
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:01:00.000Z',
      machine: { cpuModel: 'x', cores: 2, node: 'v20' },
      settings: { connections: 32, durationS: 1, ttftRequests: 1, ttftMockMs: 20 },
      idleRssMb: { parley: 50, floor: 40 },
      load: {
        plain: {
          direct: run(1, 1000),
          floor: { ...run(2, 800), cpuUsPerRequest: { target: 91.5, mock: 40 } },
          parley: { ...run(3, 500), cpuUsPerRequest: { target: 236.2, mock: 41 } },
        },
      },
      derived: { load: {}, ttft: deriveTtft({ direct: ttftRun(20), floor: ttftRun(20.3), parley: ttftRun(20.5) }) },
      memory: {
        parley: {
          streams: 1000,
          maxOpen: 1000,
          allOpenAtOnce: true,
          completed: 1000,
          failed: 0,
          rssBeforeMb: 60,
          peakRssAllOpenMb: 150,
          peakRssMb: 150,
          rssAfterMb: 80,
          vmHwmMb: 150,
          rampMs: 100,
          durationMs: 1000,
          samples: 10,
        },
      },
      goals: [],
      notes: [],
    };
    report.derived.load.plain = deriveLoad(report.load.plain!);
    const goals = evaluateGoals(report);
    const byName = Object.fromEntries(goals.map((g) => [g.name, g.pass]));
    expect(byName['plain: added p50 parley/floor']).toBe(false); // 2 / 1 > 1.3
    expect(byName['plain: throughput parley/floor']).toBe(false); // 500 / 800 < 0.75
    expect(byName['added TTFT p50 (parley - direct, ms)']).toBe(true); // 0.5 ms
    expect(byName['peak RSS, 1000 open streams (MB)']).toBe(true);
    report.goals = goals;
    const text = formatReport(report);
    expect(text).toContain('FAIL  plain: added p50 parley/floor');
    expect(text).toContain('PASS  added TTFT p50');
    expect(text).toContain('CPU µs/req');
    expect(text).toMatch(/plain parley .* 236 /); // the target's CPU per request, whole µs
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
