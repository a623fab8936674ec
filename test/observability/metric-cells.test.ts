// Cell-backed counters and histograms must expose exactly what prom-client's own metrics would.

import { describe, expect, it } from 'vitest';
import { Counter, Histogram, Registry } from 'prom-client';
import { CellCounter, CellHistogram } from '../../src/observability/metric-cells.js';

const BUCKETS = [0.01, 0.1, 1, 10];
const OBSERVATIONS: Array<[string, string, number]> = [
  ['/a', '2xx', 0.005],
  ['/a', '2xx', 0.01],
  ['/a', '2xx', 0.5],
  ['/a', '5xx', 42],
  ['/b', '2xx', 0.1],
  ['/a', '2xx', 3],
];

describe('CellHistogram', () => {
  it('renders the same exposition text as a prom-client Histogram fed the same values', async () => {
    const reference = new Registry();
    const cells = new Registry();
    const plain = new Histogram({
      name: 'h',
      help: 'help',
      labelNames: ['route', 'status'],
      buckets: BUCKETS,
      registers: [reference],
    });
    const fast = new CellHistogram({
      name: 'h',
      help: 'help',
      labelNames: ['route', 'status'] as const,
      buckets: BUCKETS,
      registers: [cells],
    });
    const series = new Map<string, ReturnType<typeof fast.cell>>();
    for (const [route, status, value] of OBSERVATIONS) {
      plain.labels(route, status).observe(value);
      const key = `${route}|${status}`;
      if (!series.has(key)) series.set(key, fast.cell(route, status));
      series.get(key)!.observe(value);
    }
    expect(await cells.metrics()).toBe(await reference.metrics());
    expect(await fast.get()).toEqual(await plain.get());
  });

  it('shows a series only once observed, ignores non-finite values, and reset() zeroes it', async () => {
    const registry = new Registry();
    const fast = new CellHistogram({
      name: 'h',
      help: 'help',
      labelNames: ['x'] as const,
      buckets: BUCKETS,
      registers: [registry],
    });
    const cell = fast.cell('one');
    expect(await registry.metrics()).not.toContain('h_count');
    cell.observe(Number.NaN);
    cell.observe(0.2);
    expect(await registry.metrics()).toContain('h_count{x="one"} 1');
    expect(await registry.metrics()).toContain('h_bucket{le="0.1",x="one"} 0');
    expect(await registry.metrics()).toContain('h_bucket{le="1",x="one"} 1');
    fast.reset();
    expect(await registry.metrics()).not.toContain('h_count');
  });
});

describe('CellCounter', () => {
  it('accumulates in the cell and shows the sum on every read, like prom-client', async () => {
    const reference = new Registry();
    const cells = new Registry();
    const plain = new Counter({ name: 'c_total', help: 'help', labelNames: ['k'], registers: [reference] });
    const fast = new CellCounter({ name: 'c_total', help: 'help', labelNames: ['k'] as const, registers: [cells] });
    const a = fast.cell('a');
    const b = fast.cell('b');
    for (const [cell, key, n] of [
      [a, 'a', 1],
      [b, 'b', 5],
      [a, 'a', 2],
    ] as const) {
      cell.inc(n);
      plain.labels(key).inc(n);
    }
    expect(await cells.metrics()).toBe(await reference.metrics());
    a.inc();
    plain.labels('a').inc();
    expect(await cells.metrics()).toBe(await reference.metrics());
    expect(await cells.metrics()).toContain('c_total{k="a"} 4');
  });
});
