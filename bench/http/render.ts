// Markdown for the HTTP section: one row per target with rps, p50 and p99 (median and
// min–max over runs), the ratio to the bare route from the same run, and the goals.
import { fmt, fmtRatio, goalLine, table } from '../lib/markdown.ts';
import { median, summarize, type Summary } from '../lib/stats.ts';
import type { HttpOptions, TargetResults } from './index.ts';
import type { LoadResult } from './load-spec.ts';
import { describeTarget, SCALING_IDS } from './targets.ts';

function cell(s: Summary, digits: number): string {
  if (s.n === 0) return 'n/a';
  return s.n === 1 ? fmt(s.median, digits) : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}

/** Ratio to the bare route, paired run by run (same run, same machine state), then the median. */
function pairedRatio(entry: TargetResults, bare: TargetResults | undefined, pick: (r: TargetResults['runs'][number]) => number): number {
  if (!bare) return Number.NaN;
  const ratios = entry.runs
    .map((r) => {
      const base = bare.runs.find((b) => b.run === r.run);
      return base ? pick(r) / pick(base) : Number.NaN;
    })
    .filter(Number.isFinite);
  return median(ratios);
}

export function renderHttp(options: HttpOptions, results: readonly TargetResults[], profile: string | null, redisUp: boolean): string {
  const bare = results.find((r) => r.target.id === 'bare');
  const lines: string[] = ['## 1. HTTP decisions against the stack\'s own limit', ''];
  lines.push(
    `autocannon ${options.connections} connections, pipelining 1, ${options.durationS} s measured per target per run ` +
    `(after a warm-up pass of one request per session, which also fills the token cache); ${options.runs} run(s), ` +
    'targets interleaved within each run, each server a child process on 127.0.0.1 (started once per target), the load generator another. ' +
    'Figures are the median over runs with min–max in brackets; ratios are paired with the bare route of the same run. ' +
    'Latencies come from every response time autocannon reports (its own histogram has 1 ms resolution). ' +
    `The saturated figures are closed-loop (each connection sends its next request when the answer arrives), so by Little's law ` +
    `mean latency ≈ ${options.connections} ÷ requests/s; the last latency column is a separate open-loop run at a fixed ` +
    `${options.pacedRate.toLocaleString('en-US')} requests/s for ${options.pacedDurationS} s (${options.connections} connections, undici, requests sent on a schedule), i.e. latency below saturation.`,
    '',
    'Requests: `GET /customers/C-771/records/{n}` by the support agent on ticket T-4891 (an allowed read; it costs one ' +
    'token of the session\'s 50-read limit). To measure decisions rather than 429s, every run mints a fresh pool of ' +
    `${options.sessions.toLocaleString('en-US')} sessions (one EdDSA token each, below the server's 10,000-entry token cache), ` +
    'cycled in order, so a session gets one warm-up request and total ÷ sessions measured ones (the "max/session" column; ' +
    'under 50 means no request hit the limit). Each token is verified once and then served from the token cache. ' +
    '`not allowed` counts answers that were not `200` with `"allow":true`. ' +
    '"Server CPU µs/request" is the server process\'s CPU time during the measured load (user + system, all its threads, from ' +
    '/proc/<pid>/stat) divided by the requests it answered: what one request costs the server, including the kernel\'s ' +
    'loopback TCP work done on its behalf (for the Redis row, not Redis\'s own CPU); it is steadier than requests/s on a shared machine.',
    '',
  );
  const rows = results.map((entry) => {
    const name = describeTarget(entry.target);
    if (!entry.runs.length) return [name, entry.unavailable ?? 'not measured', '', '', '', '', '', '', '', '', ''];
    const rps = summarize(entry.runs.map((r) => r.result.rps));
    const p50 = summarize(entry.runs.map((r) => r.result.p50Ms));
    const p99 = summarize(entry.runs.map((r) => r.result.p99Ms));
    const pacedP50 = summarize(entry.runs.map((r) => r.paced.p50Ms));
    const pacedP99 = summarize(entry.runs.map((r) => r.paced.p99Ms));
    const failures = (r: LoadResult) => (r.notAllowed ?? r.non2xx) + r.errors + r.timeouts;
    const bad = entry.runs.reduce((n, r) => n + failures(r.result) + failures(r.paced), 0);
    const total = entry.runs.reduce((n, r) => n + r.result.total + r.paced.total, 0);
    const sessions = entry.target.kind === 'bare' || entry.target.kind === 'bare-eval' ? '—' : String(Math.max(...entry.runs.map((r) => r.maxPerSession)));
    const cpuRuns = entry.runs.filter((r) => r.cpuUsPerRequest !== null);
    const cpu = summarize(cpuRuns.map((r) => r.cpuUsPerRequest!));
    const cpuRatio = cpuRuns.length ? pairedRatio({ ...entry, runs: cpuRuns }, bare, (r) => r.cpuUsPerRequest ?? Number.NaN) : Number.NaN;
    return [
      name,
      cell(rps, 0),
      cell(p50, 2),
      cell(p99, 2),
      fmtRatio(pairedRatio(entry, bare, (r) => r.result.rps)),
      fmtRatio(pairedRatio(entry, bare, (r) => r.result.p99Ms)),
      cpuRuns.length ? cell(cpu, 1) : 'n/a',
      cpuRuns.length ? fmtRatio(cpuRatio) : 'n/a',
      `${fmt(pacedP50.median, 2)} / ${fmt(pacedP99.median, 2)}`,
      `${bad} of ${total.toLocaleString('en-US')}`,
      sessions,
    ];
  });
  lines.push(table(['target', 'requests/s', 'p50 ms', 'p99 ms', 'rps ÷ bare', 'p99 ÷ bare', 'server CPU µs/request', 'CPU ÷ bare', `p50 / p99 ms at ${options.pacedRate.toLocaleString('en-US')} req/s`, 'not allowed / errors', 'max/session'], rows));
  const ready = results.filter((r) => r.readyMs !== null).map((r) => `${r.target.id} ${fmt((r.readyMs ?? 0) / 1000, 1)} s`);
  if (ready.length) {
    lines.push('', `Server start-up, spawn to ready (one server per target, kept across runs): ${ready.join(', ')}.`);
  }
  const unavailable = results.filter((r) => r.unavailable && r.runs.length);
  if (unavailable.length) lines.push('', ...unavailable.map((r) => `- ${r.target.id} stopped early: ${r.unavailable}`));
  if (!redisUp) lines.push('', '- Redis did not answer on 127.0.0.1:6379, so the Redis row is missing.');

  lines.push('', ...renderScaling(results));

  const decide = results.find((r) => r.target.id === 'decide-memory');
  const measured = !!decide?.runs.length && !!bare?.runs.length;
  const ratio = measured ? pairedRatio(decide!, bare, (r) => r.result.rps) : Number.NaN;
  const p99 = measured ? median(decide!.runs.map((r) => r.result.p99Ms)) : Number.NaN;
  lines.push('', '### Goals', '');
  lines.push(goalLine(measured ? ratio >= 0.5 : null, `\`/decide\` (in-memory limits) ≥ 50% of the bare route's requests/s: ${fmtRatio(ratio)}`));
  const pacedP99 = measured ? median(decide!.runs.map((r) => r.paced.p99Ms)) : Number.NaN;
  const authz = results.find((r) => r.target.id === 'authz-memory');
  const authzMeasured = !!authz?.runs.length && !!bare?.runs.length;
  const authzRatio = authzMeasured ? pairedRatio(authz!, bare, (r) => r.result.rps) : Number.NaN;
  lines.push(goalLine(authzMeasured ? authzRatio >= 0.5 : null, `\`/authz\` (in-memory limits) ≥ 50% of the bare route's requests/s: ${fmtRatio(authzRatio)}`));
  lines.push(goalLine(measured ? p99 < 5 : null,
    `\`/decide\` p99 < 5 ms at ${options.connections} connections (saturated): ${fmt(p99, 2)} ms; ` +
    `at a fixed ${options.pacedRate.toLocaleString('en-US')} req/s: ${fmt(pacedP99, 2)} ms`));
  if (profile) {
    lines.push('', '### Profile', '', profile, '',
      'Reading it: V8\'s sampler charges to `writev` the time the kernel spends in the server\'s socket writes, including waking ' +
      'the load generator when it is idle (it is whenever Leash is the bottleneck); `perf record -g` on the server thread shows ' +
      'that split (docs/benchmarks.md).');
  }
  return lines.join('\n');
}

/**
 * Requests/s with 1 and 2 workers on this machine, and with a Redis Cluster. Two Leash workers
 * need Redis (the memory store is refused), so the Leash rows use it; ratios are paired run by run.
 */
function renderScaling(results: readonly TargetResults[]): string[] {
  const byId = new Map(results.map((r) => [r.target.id, r]));
  const one = { bare: byId.get('bare'), leash: byId.get('decide-redis') };
  const rows = SCALING_IDS.map((id) => {
    const entry = byId.get(id);
    const label = entry ? describeTarget(entry.target) : id;
    if (!entry?.runs.length) return [label, entry?.unavailable ?? 'not measured', '', '', '', '', ''];
    const base = entry.target.kind === 'bare' ? one.bare : one.leash;
    const cpuRuns = entry.runs.filter((r) => r.cpuUsPerRequest !== null);
    return [
      label,
      cell(summarize(entry.runs.map((r) => r.result.rps)), 0),
      fmtRatio(pairedRatio(entry, base, (r) => r.result.rps)),
      fmtRatio(pairedRatio(entry, one.bare, (r) => r.result.rps)),
      cell(summarize(entry.runs.map((r) => r.result.p99Ms)), 2),
      cpuRuns.length ? cell(summarize(cpuRuns.map((r) => r.cpuUsPerRequest!)), 1) : 'n/a',
      redisCell(entry),
    ];
  });
  return [
    '### Scaling with workers',
    '',
    'The same load against 1 and 2 node:cluster workers sharing the port (`leash serve --workers N`; the bare route forks the same way). ' +
    'The one-Redis Leash rows use Redis on 127.0.0.1:6379, because `--workers 2` refuses the in-memory store. This machine has 2 cores, ' +
    'shared by the workers, Redis and the load generator (one autocannon process), so the second worker competes with them for the second core. ' +
    '"÷ 1 worker" pairs each row with its own 1-worker row of the same run (for the Redis Cluster row: the one-Redis row); CPU is the whole process tree (primary and workers). ' +
    'The Redis Cluster row is one worker against three masters (`--cluster-replicas 0`) started for the run on this same machine, so they share its 2 cores too; its Redis CPU is the sum over the three. ' +
    '"Redis CPU µs/decision" is redis-server\'s own CPU time during the measured load divided by the decisions (docs/capacity.md uses it to estimate how many Leash processes one Redis node serves).',
    '',
    table(['target', 'requests/s', '÷ 1 worker', 'rps ÷ bare (1 process)', 'p99 ms', 'server CPU µs/request', 'Redis CPU µs/decision'], rows),
  ];
}

function redisCell(entry: TargetResults): string {
  const runs = entry.runs.filter((r) => r.redisCpuUsPerRequest !== null);
  return runs.length ? cell(summarize(runs.map((r) => r.redisCpuUsPerRequest!)), 1) : '—';
}
