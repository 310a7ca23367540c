// The console's charts: decisions and denials per second and p50/p99 decision latency, from
// the very counters and histogram /metrics exposes (leash_decisions_total,
// leash_decision_duration_seconds). Every `everyMs` the sampler reads them and keeps the
// differences; quantiles are interpolated inside histogram buckets as Prometheus's
// histogram_quantile does, so the chart and a dashboard built on /metrics agree. Samples are
// taken just after each multiple of `everyMs` on the clock, so every server's interval ends
// on the same boundary and fleet-charts.ts can add them up per interval.
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

/** What one sample interval of this server added: the input of the fleet's charts. */
export interface ChartInterval {
  /** the clock boundary (a multiple of `everyMs`) the interval ends on, ms since the epoch */
  readonly endMs: number;
  readonly decisions: number;
  readonly denials: number;
  /** observations per bucket (not cumulative), by upper bound, ascending */
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
      // rounding can land one ulp past the bucket; a quantile never leaves its bucket
      return Math.min(le, lowerBound + ((le - lowerBound) * (rank - lowerCount)) / Math.max(c - lowerCount, 1e-12));
    }
    lowerBound = le;
    lowerCount = c;
  }
  return lowerBound;
}

/** per-bucket observations between two cumulative readings */
function bucketDeltas(before: readonly (readonly [number, number])[], after: readonly (readonly [number, number])[]): [number, number][] {
  const prev = new Map(before);
  let below = 0;
  return after.map(([le, c]) => {
    const cumulative = Math.max(0, c - (prev.get(le) ?? 0));
    const own = Math.max(0, cumulative - below);
    below = Math.max(below, cumulative);
    return [le, own];
  });
}

export interface ChartSamplerOptions {
  readonly everyMs?: number;
  readonly keep?: number;
  readonly now?: () => number;
  /** told each interval's additions (the fleet's charts in Redis) */
  readonly onInterval?: (interval: ChartInterval) => void;
}

/** how long after a boundary the sample is taken: timers fire late, never early */
const AFTER_BOUNDARY_MS = 20;

export function createChartSampler(registry: Registry, options: ChartSamplerOptions = {}): ChartSampler {
  const now = options.now ?? Date.now;
  const keep = options.keep ?? 300;
  const everyMs = options.everyMs ?? 2_000;
  const series: ChartPoint[] = [];
  let last: Reading | undefined;

  async function sample(): Promise<void> {
    const r = await read(registry, now());
    // no time has passed (two samples at once): the next sample covers what this one read
    if (last && r.t <= last.t) return;
    if (last) {
      const secs = (r.t - last.t) / 1000;
      series.push({
        t: r.t,
        decisionsPerSecond: Math.max(0, r.decisions - last.decisions) / secs,
        denialsPerSecond: Math.max(0, r.denials - last.denials) / secs,
        p50: quantile(0.5, last.buckets, r.buckets),
        p99: quantile(0.99, last.buckets, r.buckets),
      });
      if (series.length > keep) series.splice(0, series.length - keep);
      options.onInterval?.({ endMs: Math.floor(r.t / everyMs) * everyMs, decisions: Math.max(0, r.decisions - last.decisions), denials: Math.max(0, r.denials - last.denials), buckets: bucketDeltas(last.buckets, r.buckets) });
    }
    last = r;
  }

  void sample();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const arm = () => {
    if (closed) return;
    const t = Date.now();
    timer = setTimeout(() => {
      void sample().catch(() => undefined);
      arm();
    }, everyMs - (t % everyMs) + AFTER_BOUNDARY_MS);
    timer.unref();
  };
  arm();
  return {
    points: () => series.slice(),
    sample,
    close: () => {
      closed = true;
      clearTimeout(timer);
    },
  };
}
