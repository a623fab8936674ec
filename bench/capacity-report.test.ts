import { describe, expect, it } from 'vitest';
import { summarise, type CapacityRun } from './capacity-report.js';

function run(ok: number, seconds: number, cpu: { parley: number; nginx: number }, p50: number): CapacityRun {
  const latency = { count: ok, p50, p90: p50, p99: p50 * 2, mean: p50, max: p50 * 3 };
  return {
    durationS: seconds,
    ok,
    rps: ok / seconds,
    latencyMs: latency,
    errors: 0,
    timeouts: 0,
    non2xx: 0,
    overheadMs: { count: 0, p50: null, p90: null, p99: null, mean: null, max: null },
    cpuSeconds: { parley: cpu.parley, nginx: cpu.nginx, redis: 0.1, postgres: 0.05, mock: 0.02 },
    redisCommands: ok * 20,
    pgTransactions: ok / 10,
    pgRowsInserted: ok,
  };
}

describe('summarise (bench:capacity)', () => {
  it('sums CPU over all rounds per answered request, and picks the least disturbed round by Parley + nginx CPU', () => {
    const s = summarise('nginx-1', 1, [
      run(1000, 5, { parley: 2, nginx: 0.2 }, 10),
      run(4000, 5, { parley: 4, nginx: 0.4 }, 8),
    ]);
    expect(s.ok).toBe(5000);
    expect(s.rps).toBe(500);
    expect(s.cpuUsPerRequest.parley).toBe(1200); // 6 s over 5,000 requests
    expect(s.cpuUsPerRequest.nginx).toBe(120);
    expect(s.cpuUsPerRequest.parleyPlusNginx).toBe(1320);
    expect(s.redisCommandsPerRequest).toBe(20);
    expect(s.pgTransactionsPerRequest).toBe(0.1);
    expect(s.bestRound).toEqual({
      rps: 800,
      cpuUsPerRequest: { parley: 1000, nginx: 100, redis: 25, postgres: 12.5, mock: 5 },
    });
  });
});
