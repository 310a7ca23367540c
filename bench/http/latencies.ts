// Latency percentiles from every response time of a load run (milliseconds, as floats).
export function summarizeLatencies(latencies: number[]): { p50Ms: number; p90Ms: number; p99Ms: number; maxMs: number } {
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.max(0, Math.ceil(p * latencies.length) - 1))] ?? Number.NaN;
  return { p50Ms: at(0.5), p90Ms: at(0.9), p99Ms: at(0.99), maxMs: latencies[latencies.length - 1] ?? Number.NaN };
}
