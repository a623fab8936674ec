// Small statistics helpers for the benchmark: percentiles over raw samples and rounding for the report.

/** Summary of a sample of milliseconds. */
export interface Distribution {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  mean: number | null;
  max: number | null;
}

/** Nearest-rank percentile (q in [0, 100]) of an ascending-sorted array; null when empty. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? null;
}

/** p50/p90/p99/mean/max of `values` (not modified). */
export function distribution(values: ArrayLike<number>): Distribution {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    count: n,
    p50: percentileSorted(sorted, 50),
    p90: percentileSorted(sorted, 90),
    p99: percentileSorted(sorted, 99),
    mean: n === 0 ? null : sum / n,
    max: n === 0 ? null : (sorted[n - 1] ?? null),
  };
}

/** Rounds to `digits` decimals; null stays null. */
export function round(value: number | null | undefined, digits = 3): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** a − b, or null when either is missing. */
export function minus(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : a - b;
}

/** a / b, or null when either is missing or b is not positive (a ratio over noise is meaningless). */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b <= 0 ? null : a / b;
}

/** The same distribution with every figure rounded to `digits` decimals. */
export function roundDistribution(d: Distribution, digits = 3): Distribution {
  return {
    count: d.count,
    p50: round(d.p50, digits),
    p90: round(d.p90, digits),
    p99: round(d.p99, digits),
    mean: round(d.mean, digits),
    max: round(d.max, digits),
  };
}
