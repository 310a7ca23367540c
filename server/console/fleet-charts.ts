// The console's charts over every worker and server. charts.ts samples this process's
// metrics just after each clock boundary; with Redis, each server adds its interval to one
// hash per boundary (decisions, denials, and observations per latency bucket, HINCRBY), and
// the console reads the last `keep` boundaries back and adds them up: rates are the fleet's,
// and the quantiles come from the fleet's buckets, interpolated as charts.ts does. A boundary
// is shown once `lagMs` have passed, so every server has written it. Without Redis, or when
// it cannot be read, the console shows this server's own series and says so.
import type { Cluster, Redis } from 'ioredis';
import { quantile, type ChartInterval, type ChartPoint } from './charts.ts';

export interface ChartsView {
  readonly points: readonly ChartPoint[];
  /** 'fleet': every server sharing the Redis; 'server': the one that answered */
  readonly scope: 'fleet' | 'server';
  /** why a view that should be the fleet's is this server's only */
  readonly notice?: string;
}

export interface FleetCharts {
  /** adds one interval of this server (in the background; a failure is reported, not thrown) */
  record(interval: ChartInterval): void;
  /** the fleet's points, oldest first, or `local` when Redis cannot be read */
  view(local: () => readonly ChartPoint[]): Promise<ChartsView>;
  close(): Promise<void>;
}

export interface FleetChartsOptions {
  readonly client: Redis | Cluster;
  readonly prefix?: string;
  /** the sampler's interval (default 2 s) */
  readonly everyMs?: number;
  /** boundaries shown (default 300: ten minutes at 2 s) */
  readonly keep?: number;
  /** how long after a boundary it is complete (default 1 s) */
  readonly lagMs?: number;
  readonly now?: () => number;
  readonly onError?: (err: Error) => void;
}

const boundField = (le: number) => `b:${le === Infinity ? '+Inf' : le}`;

/** a stored count: HINCRBY writes integers, and anything else in the shared hash reads as 0 */
const countOf = (raw: string | undefined) => {
  const n = Number(raw);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
};

export function createFleetCharts(options: FleetChartsOptions): FleetCharts {
  const { client } = options;
  const everyMs = options.everyMs ?? 2_000;
  const keep = options.keep ?? 300;
  const lagMs = options.lagMs ?? 1_000;
  const now = options.now ?? Date.now;
  // one hash tag: every boundary's hash in one Cluster slot, so a read is one pipeline
  const keyOf = (endMs: number) => `${options.prefix ?? 'leash:'}{console-charts}:${endMs}`;
  const ttlMs = (keep + 5) * everyMs;
  const writes = new Set<Promise<unknown>>();

  return {
    record(interval) {
      if (interval.decisions === 0) return; // nothing to add; a missing hash reads as zero
      const key = keyOf(interval.endMs);
      const batch = client.pipeline().hincrby(key, 'n', interval.decisions);
      if (interval.denials > 0) batch.hincrby(key, 'x', interval.denials);
      // every bound, empty ones too: interpolation needs the bucket below the quantile's
      for (const [le, count] of interval.buckets) batch.hincrby(key, boundField(le), count);
      batch.pexpire(key, ttlMs);
      const p = batch.exec()
        .then((results) => {
          const failed = results?.find(([err]) => err);
          if (failed) throw failed[0];
        })
        .catch((err: Error) => options.onError?.(err))
        .finally(() => writes.delete(p));
      writes.add(p);
    },
    async view(local) {
      const last = Math.floor((now() - lagMs) / everyMs) * everyMs;
      const ends = Array.from({ length: keep }, (_, i) => last - (keep - 1 - i) * everyMs);
      let hashes: Record<string, string>[];
      try {
        const batch = client.pipeline();
        for (const end of ends) batch.hgetall(keyOf(end));
        const results = (await batch.exec()) ?? [];
        hashes = results.map(([err, value]) => {
          if (err) throw err;
          return (value ?? {}) as Record<string, string>;
        });
      } catch (err) {
        options.onError?.(err as Error);
        return { points: local(), scope: 'server', notice: 'Redis could not be read: these are the charts of the server that answered only' };
      }
      const first = hashes.findIndex((h) => h['n'] !== undefined);
      if (first < 0) return { points: [], scope: 'fleet' };
      const points = hashes.slice(first).map((h, i) => pointOf(ends[first + i]!, h, everyMs));
      return { points, scope: 'fleet' };
    },
    async close() {
      await Promise.all([...writes]);
    },
  };
}

/** one boundary's point from its hash: rates per second, quantiles from the summed buckets */
export function pointOf(endMs: number, hash: Readonly<Record<string, string>>, everyMs: number): ChartPoint {
  const bounds: [number, number][] = [];
  for (const [name, value] of Object.entries(hash)) {
    if (!name.startsWith('b:')) continue;
    const le = name === 'b:+Inf' ? Infinity : Number(name.slice(2));
    if (le > 0) bounds.push([le, countOf(value)]);
  }
  bounds.sort((a, b) => a[0] - b[0]);
  let running = 0;
  const cumulative = bounds.map(([le, c]) => [le, (running += c)] as const);
  const secs = everyMs / 1000;
  return {
    t: endMs,
    decisionsPerSecond: countOf(hash['n']) / secs,
    denialsPerSecond: countOf(hash['x']) / secs,
    p50: quantile(0.5, [], cumulative),
    p99: quantile(0.99, [], cumulative),
  };
}
