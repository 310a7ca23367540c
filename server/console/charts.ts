// The console's charts: decisions and denials per second and p50/p99 decision latency, from
// the very counters and histogram /metrics exposes (leash_decisions_total,
// leash_decision_duration_seconds). Every `everyMs` the sampler reads them and keeps the
// differences; quantiles are interpolated inside histogram buckets as Prometheus's
// histogram_quantile does, so the chart and a dashboard built on /metrics agree.
import type { Registry } from 'prom-client';

export interface ChartPoint {
  /** ms since the epoch, end of the interval */
  readonly t: number;
  readonly decisionsPerSecond: number;
  readonly denialsPerSecond: number;
  /** seconds; null when no decision was made in the interval */
  readonly p50: number | null;
  readonly p99: number | null;
}

export interface ChartSampler {
  points(): readonly ChartPoint[];
  /** take a sample now (the timer does this every `everyMs`) */
  sample(): Promise<void>;
  close(): void;
}

interface Reading {
  readonly t: number;
  readonly decisions: number;
  readonly denials: number;
  /** cumulative counts per upper bound, summed over labels, ascending bounds */
  readonly buckets: readonly (readonly [number, number])[];
}

type MetricValues = { values: { labels: Record<string, string | number>; value: number; metricName?: string }[] };

async function read(registry: Registry, t: number): Promise<Reading> {
  const decisions = registry.getSingleMetric('leash_decisions_total');
  const latency = registry.getSingleMetric('leash_decision_duration_seconds');
  let total = 0;
  let denials = 0;
  if (decisions) {
    for (const v of ((await decisions.get()) as MetricValues).values) {
      total += v.value;
      if (v.labels['result'] !== 'allow') denials += v.value;
    }
  }
  const byBound = new Map<number, number>();
  if (latency) {
    for (const v of ((await latency.get()) as MetricValues).values) {
      if (!v.metricName?.endsWith('_bucket')) continue;
      const le = v.labels['le'];
      const bound = le === '+Inf' ? Infinity : Number(le);
      byBound.set(bound, (byBound.get(bound) ?? 0) + v.value);
    }
  }
  return { t, decisions: total, denials, buckets: [...byBound].sort((a, b) => a[0] - b[0]) };
}

/** the q-quantile of the observations between two cumulative bucket readings */
export function quantile(q: number, before: readonly (readonly [number, number])[], after: readonly (readonly [number, number])[]): number | null {
  const prev = new Map(before);
  const counts = after.map(([le, c]) => [le, c - (prev.get(le) ?? 0)] as const);
  const total = counts.length > 0 ? counts[counts.length - 1]![1] : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, c] of counts) {
    if (c >= rank) {
      // past the highest finite bound there is nothing to interpolate to: answer that bound
      if (le === Infinity) return lowerBound;
      return lowerBound + ((le - lowerBound) * (rank - lowerCount)) / Math.max(c - lowerCount, 1e-12);
    }
    lowerBound = le;
    lowerCount = c;
  }
  return lowerBound;
}

export function createChartSampler(registry: Registry, options: { everyMs?: number; keep?: number; now?: () => number } = {}): ChartSampler {
  const now = options.now ?? Date.now;
  const keep = options.keep ?? 300;
  const series: ChartPoint[] = [];
  let last: Reading | undefined;

  async function sample(): Promise<void> {
    const r = await read(registry, now());
    if (last && r.t > last.t) {
      const secs = (r.t - last.t) / 1000;
      series.push({
        t: r.t,
        decisionsPerSecond: Math.max(0, r.decisions - last.decisions) / secs,
        denialsPerSecond: Math.max(0, r.denials - last.denials) / secs,
        p50: quantile(0.5, last.buckets, r.buckets),
        p99: quantile(0.99, last.buckets, r.buckets),
      });
      if (series.length > keep) series.splice(0, series.length - keep);
    }
    last = r;
  }

  void sample();
  const timer = setInterval(() => void sample().catch(() => undefined), options.everyMs ?? 2_000);
  timer.unref();
  return { points: () => series.slice(), sample, close: () => clearInterval(timer) };
}
