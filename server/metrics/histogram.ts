// A histogram with one label, cheap to observe: per label value, the bucket counts live in a
// typed array and the sum and count in plain fields; prom-client sees them only when the
// registry is read. prom-client's own Histogram.observe hashes and validates the labels on
// every call, and this one runs once per decision.
//
// Registered with `registry.registerMetric`, it answers `get()` with exactly the shape
// prom-client's Histogram `get()` returns (same values, same order, same keys), so
// `registry.metrics()`, `getMetricsAsJSON()` (and so the AggregatorRegistry over the workers)
// and readers of `getSingleMetric(name).get()` (server/console/charts.ts) see no difference.
import { format } from 'node:util';
import type { Metric, Registry } from 'prom-client';

export interface FastHistogramConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  /** the one label; each observation names its value */
  readonly labelName: L;
  /** ascending finite upper bounds; +Inf is implied, as in prom-client */
  readonly buckets: readonly number[];
  readonly registers: readonly Registry[];
}

export interface FastHistogram {
  readonly name: string;
  /** as prom-client's `histogram.observe({ [labelName]: labelValue }, value)` */
  observe(labelValue: string, value: number): void;
}

interface Series {
  /** the series' labels, shared by its values like prom-client's `sharedLabels` */
  readonly labels: Readonly<Record<string, string>>;
  /** observations per bucket (not cumulative); past the last bound only `count` grows */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

interface HistogramValue {
  value: number;
  metricName: string;
  exemplar: null | undefined;
  labels: Record<string, string | number>;
}

export function createFastHistogram<L extends string>(config: FastHistogramConfig<L>): FastHistogram {
  const { name, help, labelName } = config;
  if (labelName === 'le') throw new Error('le is a reserved label keyword');
  const upperBounds = [...config.buckets];
  const bounds = Float64Array.from(upperBounds);
  const nBounds = bounds.length;
  const bucketName = `${name}_bucket`;
  const sumName = `${name}_sum`;
  const countName = `${name}_count`;
  // first observation first, as prom-client lists its label sets
  const series = new Map<string, Series>();

  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    labelNames: [labelName],

    observe(labelValue: string, value: number): void {
      if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${format(value)}`);
      let s = series.get(labelValue);
      if (s === undefined) {
        s = { labels: { [labelName]: labelValue }, counts: new Float64Array(nBounds), sum: 0, count: 0 };
        series.set(labelValue, s);
      }
      let i = 0;
      while (i < nBounds && value > bounds[i]!) i++;
      if (i < nBounds) s.counts[i]!++;
      s.sum += value;
      s.count += 1;
    },

    // The shape of prom-client's Histogram get(): per series its cumulative buckets, +Inf,
    // then _sum and _count; keys in prom-client's order (value, metricName, exemplar, labels).
    async get() {
      const values: HistogramValue[] = [];
      for (const s of series.values()) {
        let acc = 0;
        for (let i = 0; i < nBounds; i++) {
          acc += s.counts[i]!;
          values.push({ value: acc, metricName: bucketName, exemplar: null, labels: { le: upperBounds[i]!, ...s.labels } });
        }
        values.push({ value: s.count, metricName: bucketName, exemplar: null, labels: { le: '+Inf', ...s.labels } });
        values.push({ value: s.sum, metricName: sumName, exemplar: undefined, labels: { ...s.labels } });
        values.push({ value: s.count, metricName: countName, exemplar: undefined, labels: { ...s.labels } });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },

    /** as prom-client's reset(): drops every label set (registry.resetMetrics() calls it) */
    reset(): void {
      series.clear();
    },
  };
  // prom-client's Metric type names its own classes; the registry itself needs only name,
  // get() and reset() (and reads `type`/`aggregator` from what get() returns).
  for (const registry of config.registers) registry.registerMetric(metric as unknown as Metric);
  return metric;
}
