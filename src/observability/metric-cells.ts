// Hot-path metric series kept in plain numbers and handed to prom-client at scrape time.

import { Counter, Histogram, type CounterConfiguration, type HistogramConfiguration } from 'prom-client';

/**
 * One counter series. `inc` adds to a plain number; the counter's `collect` hook (run by prom-client
 * before every read) moves the sum into prom-client's child. prom-client's own child `inc` builds a
 * label object and a hash string on every call (figures: bench/README.md, "Figures behind choices in the code").
 */
export class CounterCell {
  private pending = 0;

  constructor(private readonly child: { inc(value: number): void }) {}

  inc(value = 1): void {
    this.pending += value;
  }

  /** Moves what accumulated since the last read into the prom-client series. */
  flush(): void {
    if (this.pending === 0) return;
    const value = this.pending;
    this.pending = 0;
    this.child.inc(value);
  }
}

/** A counter whose series are {@link CounterCell}s (children made by `cell(...)`), flushed whenever it is read. */
export class CellCounter<T extends string> extends Counter<T> {
  private readonly cells: CounterCell[] = [];

  constructor(config: CounterConfiguration<T>) {
    super({ ...config, collect: () => this.flushCells() });
  }

  /** The series for these label values (in `labelNames` order); cache it, each call makes a new cell. */
  cell(...values: string[]): CounterCell {
    const cell = new CounterCell(this.labels(...values));
    this.cells.push(cell);
    return cell;
  }

  private flushCells(): void {
    for (const cell of this.cells) cell.flush();
  }
}

/** One histogram series: bucket counts, sum and count in plain numbers (read by {@link CellHistogram}). */
export class HistogramCell {
  /** Observations per bucket (not cumulative); the last slot is above the largest bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return; // prom-client would throw; a metric must never break a request
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

type BucketValue = {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  exemplar?: null;
};
type PromStringData = { name: string; help: string; type: string; values: BucketValue[]; aggregator: string };
/** prom-client's Histogram reads through this method (untyped in its .d.ts); the registry prefers it over get(). */
const baseGetForPromString = (
  Histogram.prototype as unknown as { getForPromString(this: unknown): Promise<PromStringData> }
).getForPromString;

/**
 * A histogram whose series are {@link HistogramCell}s made by `cell(...)`. Reads (scrapes, `get()`)
 * export the cells in prom-client's exact histogram format, after any series observed the usual way.
 */
export class CellHistogram<T extends string> extends Histogram<T> {
  private readonly cells: HistogramCell[] = [];
  private readonly bounds: number[];
  private readonly labelNameList: readonly T[];

  constructor(config: HistogramConfiguration<T> & { buckets: number[]; labelNames: readonly T[] }) {
    super(config);
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.labelNameList = config.labelNames;
  }

  /** The series for these label values (in `labelNames` order); cache it, each call makes a new cell. */
  cell(...values: string[]): HistogramCell {
    const labels: Record<string, string> = {};
    this.labelNameList.forEach((name, i) => (labels[name] = values[i] ?? ''));
    const cell = new HistogramCell(this.bounds, labels);
    this.cells.push(cell);
    return cell;
  }

  async getForPromString(): Promise<PromStringData> {
    const data = await baseGetForPromString.call(this);
    const name = data.name;
    const values = data.values;
    for (const cell of this.cells) {
      if (cell.count === 0) continue; // like prom-client: a series appears once observed
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += cell.counts[i];
        values.push({
          labels: { le: this.bounds[i] },
          sharedLabels: cell.labels,
          value: cumulative,
          metricName: `${name}_bucket`,
          exemplar: null,
        });
      }
      values.push({
        labels: { le: '+Inf' },
        sharedLabels: cell.labels,
        value: cell.count,
        metricName: `${name}_bucket`,
        exemplar: null,
      });
      values.push({
        labels: {},
        sharedLabels: cell.labels,
        value: cell.sum,
        metricName: `${name}_sum`,
        exemplar: undefined,
      });
      values.push({
        labels: {},
        sharedLabels: cell.labels,
        value: cell.count,
        metricName: `${name}_count`,
        exemplar: undefined,
      });
    }
    return data;
  }

  override reset(): void {
    super.reset();
    // prom-client's constructor calls reset() before this class's fields exist.
    const cells = this.cells as HistogramCell[] | undefined;
    if (cells !== undefined) for (const cell of cells) cell.reset();
  }
}
