// Figures of one capacity target from its rounds (bench/capacity.ts): per-request CPU of each process, Redis and
// PostgreSQL work per request, and the least disturbed round.

import type { LoadResult } from './load.js';
import { mergeRounds } from './report.js';
import { round } from './stats.js';

/** The processes whose CPU is attributed to the requests of one run. */
export const COMPONENTS = ['parley', 'nginx', 'redis', 'postgres', 'mock'] as const;
export type Component = (typeof COMPONENTS)[number];

/** What one run measured besides the load itself. */
export interface CapacityRun extends LoadResult {
  /** CPU seconds each component spent during the run. */
  cpuSeconds: Record<Component, number>;
  redisCommands: number;
  /** Per PostgreSQL database statistics (pg_stat_database) of the bench's database. */
  pgTransactions: number;
  pgRowsInserted: number;
}

/** A target's rounds merged: req/s over all measured seconds, latency percentiles the median of the rounds'. */
export interface CapacitySummary {
  target: string;
  replicas: number;
  rps: number;
  ok: number;
  failed: number;
  p50Ms: number | null;
  p99Ms: number | null;
  /** CPU µs per successful request, per component, and Parley + nginx together. */
  cpuUsPerRequest: Record<Component, number | null> & { parleyPlusNginx: number | null };
  redisCommandsPerRequest: number | null;
  pgTransactionsPerRequest: number | null;
  pgRowsPerRequest: number | null;
  /**
   * The least disturbed round (lowest Parley + nginx CPU per request): on a shared machine, other processes only
   * ever add to a round's figures, so the minimum is the closest to the stack's own cost.
   */
  bestRound: { rps: number; cpuUsPerRequest: Record<Component, number> };
}

/** Sums the rounds of one target into per-request figures. */
export function summarise(target: string, replicas: number, runs: CapacityRun[]): CapacitySummary {
  const merged = mergeRounds(runs);
  const ok = merged.ok;
  const per = (total: number, scale = 1): number | null => (ok > 0 ? round((total * scale) / ok, 2) : null);
  const cpu = (c: Component): number => runs.reduce((n, r) => n + r.cpuSeconds[c], 0);
  const cpuUs = Object.fromEntries(COMPONENTS.map((c) => [c, per(cpu(c), 1e6)])) as Record<Component, number | null>;
  return {
    target,
    replicas,
    rps: merged.rps,
    ok,
    failed: merged.errors + merged.timeouts + merged.non2xx,
    p50Ms: merged.latencyMs.p50,
    p99Ms: merged.latencyMs.p99,
    cpuUsPerRequest: { ...cpuUs, parleyPlusNginx: per(cpu('parley') + cpu('nginx'), 1e6) },
    redisCommandsPerRequest: per(
      runs.reduce((n, r) => n + r.redisCommands, 0),
      1,
    ),
    pgTransactionsPerRequest: per(
      runs.reduce((n, r) => n + r.pgTransactions, 0),
      1,
    ),
    pgRowsPerRequest: per(
      runs.reduce((n, r) => n + r.pgRowsInserted, 0),
      1,
    ),
    bestRound: bestOf(runs),
  };
}

function bestOf(runs: CapacityRun[]): CapacitySummary['bestRound'] {
  const us = (r: CapacityRun, c: Component): number =>
    r.ok > 0 ? (r.cpuSeconds[c] * 1e6) / r.ok : Number.POSITIVE_INFINITY;
  const best = [...runs].sort((a, b) => us(a, 'parley') + us(a, 'nginx') - (us(b, 'parley') + us(b, 'nginx')))[0]!;
  return {
    rps: best.rps,
    cpuUsPerRequest: Object.fromEntries(COMPONENTS.map((c) => [c, round(us(best, c), 1) ?? 0])) as Record<
      Component,
      number
    >,
  };
}
