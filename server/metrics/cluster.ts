// Where GET /metrics reads from. A single process answers from its own registry; a
// `leash serve --workers N` worker installs a source that asks the primary for every
// worker's metrics aggregated (prom-client's AggregatorRegistry), so any worker answers for all.
let source: (() => Promise<string>) | undefined;

/** Installed once by a cluster worker (server/cluster/worker.ts). */
export function setMetricsSource(next: (() => Promise<string>) | undefined): void {
  source = next;
}

/** The aggregated source when this process is a cluster worker, else undefined. */
export function metricsSource(): (() => Promise<string>) | undefined {
  return source;
}
