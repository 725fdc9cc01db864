// A Prometheus histogram whose series are objects the caller keeps (one per label set, made once), so an
// observation is a bucket scan and three additions: no label object read, no label string built. prom-client's
// Histogram validates and hashes the labels of every observation (its cost: bench/RESULTS.md, "the request
// latency histogram"). It is registered in a prom-client Registry beside the other metrics: the Registry
// reads a metric through `name`, `help`, `type`, `aggregator`, `getForPromString()`
// (the text exposition) and `get()` (JSON), and calls `reset()`; both return what prom-client's own Histogram
// returns for the same observations (test/http/series-histogram.test.ts compares the two).
import type { Metric, Registry } from 'prom-client';

/** One label set's counts: per bucket (not cumulative; the last one is above every bound), sum and count. */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly buckets: Float64Array;
  sum: number;
  count: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  /** null on bucket lines, absent on _sum and _count, as prom-client has them (no exemplars here). */
  exemplar?: null;
}

interface Exported<V> {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: V[];
}

export class SeriesHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #bounds: readonly number[];
  readonly #series: HistogramSeries[] = [];

  constructor(options: { name: string; help: string; buckets: readonly number[]; registers: Registry[] }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = [...options.buckets].sort((a, b) => a - b);
    // The Registry takes any metric of this shape; its typings name only prom-client's own classes.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** A new series for `labels` (the caller keeps it and observes into it). */
  series(labels: Readonly<Record<string, string>>): HistogramSeries {
    const series = { labels, buckets: new Float64Array(this.#bounds.length + 1), sum: 0, count: 0 };
    this.#series.push(series);
    return series;
  }

  observe(series: HistogramSeries, value: number): void {
    const bounds = this.#bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.buckets[i]!++;
    series.sum += value;
    series.count++;
  }

  /** The text exposition's values: each line's own labels, and the series' labels beside them. */
  async getForPromString(): Promise<Exported<ExportedValue>> {
    const bucket = `${this.name}_bucket`;
    const values: ExportedValue[] = [];
    for (const s of this.#series) {
      const shared = s.labels;
      let cumulative = 0;
      for (let i = 0; i < this.#bounds.length; i++) {
        cumulative += s.buckets[i]!;
        values.push({
          labels: { le: this.#bounds[i]! },
          sharedLabels: shared,
          value: cumulative,
          metricName: bucket,
          exemplar: null,
        });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: shared, value: s.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: shared, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: shared, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The JSON values: each line's labels with the series' labels merged in. */
  async get(): Promise<Exported<Omit<ExportedValue, 'sharedLabels'>>> {
    const exported = await this.getForPromString();
    return {
      ...exported,
      values: exported.values.map(({ sharedLabels, labels, ...line }) => ({
        ...line,
        labels: { ...labels, ...sharedLabels },
      })),
    };
  }

  reset(): void {
    for (const s of this.#series) {
      s.buckets.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
