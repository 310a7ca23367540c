// Section 1 of RESULTS.md: HTTP decisions against the stack's own limit. One server child
// per target; for each run and target: check one answer, mint a fresh pool of sessions (so
// the 50-read session limit is never reached), send one request per session (warm-up and
// token cache), then let autocannon (another child) load it for a fixed time.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT, cliAvailable } from '../lib/bundle.ts';
import { lastJsonLine, runChild, type RunningServer } from '../lib/child.ts';
import { newestProfile, renderProfile, summarizeProfile } from '../lib/cpu-profile.ts';
import { freePort, tcpAnswers } from '../lib/net.ts';
import { processCpuMs, processTreeCpuMs, redisServerPid } from '../lib/proc-cpu.ts';
import type { LoadResult } from './load-spec.ts';
import { renderHttp } from './render.ts';
import { startBare, startBareEval, startLeash, type LeashServerOptions } from './servers.ts';
import { loadSpecFor, TARGETS, type Target } from './targets.ts';
import { createMinter, type TokenMinter } from './tokens.ts';
import { startLocalCluster, type LocalCluster } from '../../test/limits/cluster-helpers.ts';

export { leashServeArgs } from './servers.ts';
export { TARGETS, describeTarget } from './targets.ts';

const LOAD_CHILD = fileURLToPath(new URL('./load.ts', import.meta.url));

export interface HttpOptions {
  readonly runs: number;
  readonly durationS: number;
  /** sessions (tokens) per run: each gets one warm-up request, then total ÷ sessions measured ones */
  readonly sessions: number;
  readonly connections: number;
  /** a second, open-loop measurement at this offered load (requests/s), for latency below saturation */
  readonly pacedRate: number;
  readonly pacedDurationS: number;
  readonly bundle: { readonly path: string } | { readonly missing: string };
  readonly workDir: string;
  readonly redisUrl: string;
  /** profile /decide (memory) with --cpu-prof: 'always', 'on-miss' (goal missed) or 'never' */
  readonly profile: 'always' | 'on-miss' | 'never';
  readonly log: (line: string) => void;
}

export interface TargetRun {
  readonly run: number;
  readonly result: LoadResult;
  /** the same target at options.pacedRate requests/s */
  readonly paced: LoadResult;
  readonly sessions: number;
  readonly maxPerSession: number;
  /** ms from the server's spawn to the start of the measured load (profiles skip this part) */
  readonly measuredAfterMs: number;
  /** the server process's CPU time (user + system, all threads) during the measured load ÷ its requests, µs; null off Linux */
  readonly cpuUsPerRequest: number | null;
  /** for Redis targets: redis-server's CPU time during the measured load ÷ the requests, µs (capacity.md's Redis estimate); else null */
  readonly redisCpuUsPerRequest: number | null;
}

export interface TargetResults {
  readonly target: Target;
  readonly runs: TargetRun[];
  /** ms from spawn to ready of this target's server (one server per target, kept across runs) */
  readyMs: number | null;
  unavailable: string | null;
}

export interface HttpResults {
  readonly targets: readonly TargetResults[];
  readonly profile: string | null;
  readonly markdown: string;
}

let specCounter = 0;

async function runLoad(options: HttpOptions, target: Target, server: RunningServer, tokens: readonly string[], durationS: number, amount?: number, rate?: number): Promise<LoadResult> {
  const specPath = join(options.workDir, `load-${specCounter++}.json`);
  writeFileSync(specPath, JSON.stringify(loadSpecFor(target, server.url, tokens, options.connections, durationS, amount, rate)));
  const timeoutMs = (amount ? 120 : durationS + 30) * 1000;
  const child = await runChild(process.execPath, ['--import', 'tsx', LOAD_CHILD, specPath], { cwd: REPO_ROOT, timeoutMs });
  const result = lastJsonLine<LoadResult>(child.stdout);
  if (!result) throw new Error(`load generator failed (exit ${child.code}${child.timedOut ? ', timed out' : ''}): ${child.stderr.slice(-500)}`);
  return result;
}

/** One request before the load: the target must answer an allowed decision. */
async function sanityCheck(target: Target, baseUrl: string, token: string): Promise<string | null> {
  const spec = loadSpecFor(target, baseUrl, [token], 1, 1);
  const variant = spec.variants[0]!;
  try {
    const res = await fetch(`${baseUrl}${spec.path}`, {
      method: spec.method,
      headers: { ...spec.headers, ...variant.headers },
      ...(variant.body !== undefined ? { body: variant.body } : {}),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (target.kind === 'authz') return res.status === 200 ? null : `GET /authz answered ${res.status}: ${text.slice(0, 200)}`;
    const body = JSON.parse(text) as { allow?: unknown };
    return res.status === 200 && body.allow === true ? null : `POST /decide answered ${res.status}: ${text.slice(0, 300)}`;
  } catch (err) {
    return `request failed: ${(err as Error).message}`;
  }
}

/** The Redis Cluster of the `cluster` targets: three masters on loopback, started by runHttp when one is measured. */
let localCluster: LocalCluster | undefined;

/** the Redis URL of a target's store, and the redis-server ports whose CPU its decisions cost */
function storeOf(target: Target, options: HttpOptions): { url: string; ports: number[] } | null {
  if (!('store' in target) || target.store === 'memory') return null;
  if (target.store === 'cluster') {
    if (!localCluster) throw new Error('the local Redis Cluster is not running');
    return { url: localCluster.url, ports: localCluster.nodes.map((n) => n.port) };
  }
  return { url: options.redisUrl, ports: [Number(new URL(options.redisUrl).port || 6379)] };
}

async function startTarget(target: Target, options: HttpOptions, minter: TokenMinter, profileDir: string | null): Promise<RunningServer> {
  const port = await freePort();
  if (target.kind === 'bare') return startBare(port, profileDir, target.workers ?? 1);
  if ('missing' in options.bundle) throw new Error(options.bundle.missing);
  if (target.kind === 'bare-eval') return startBareEval(port, options.bundle.path, profileDir);
  const serverOptions: LeashServerOptions = {
    bundle: options.bundle.path, jwksPath: minter.jwksPath, store: target.store, redisUrl: storeOf(target, options)?.url ?? options.redisUrl, workDir: options.workDir,
    workers: target.workers ?? 1,
  };
  return startLeash(port, serverOptions, profileDir);
}

async function measureTarget(target: Target, options: HttpOptions, minter: TokenMinter, run: number, server: RunningServer): Promise<TargetRun> {
  {
    const nonce = `b${process.pid}-${run}-${target.id}-${Date.now().toString(36)}`;
    const [probe] = await minter.mint(1, `${nonce}-probe`);
    const problem = await sanityCheck(target, server.url, probe!);
    if (problem) throw new Error(`sanity check failed: ${problem}`);
    const sessions = options.sessions;
    const tokens = await minter.mint(sessions, `${nonce}-m`);
    // one request per session: warms the JIT and puts every token in the verified-token cache
    await runLoad(options, target, server, tokens, options.durationS, sessions);
    const measuredAfterMs = performance.now() - server.spawnedAt;
    // the whole process tree: a --workers N primary and its workers
    // every redis-server the store uses (one, or each master of the Cluster)
    const redisPids = (storeOf(target, options)?.ports ?? []).map(redisServerPid);
    const redisCpu = () => (redisPids.length === 0 || redisPids.includes(null) ? null : redisPids.reduce<number | null>((sum, pid) => {
      const ms = processCpuMs(pid!);
      return sum === null || ms === null ? null : sum + ms;
    }, 0));
    const redisBefore = redisCpu();
    const cpuBefore = processTreeCpuMs(server.pid);
    const result = await runLoad(options, target, server, tokens, options.durationS);
    const cpuAfter = processTreeCpuMs(server.pid);
    const redisAfter = redisCpu();
    const redisCpuUsPerRequest = redisBefore === null || redisAfter === null || result.total === 0 ? null : ((redisAfter - redisBefore) * 1000) / result.total;
    const cpuUsPerRequest = cpuBefore === null || cpuAfter === null || result.total === 0 ? null : ((cpuAfter - cpuBefore) * 1000) / result.total;
    const paced = await runLoad(options, target, server, tokens, options.pacedDurationS, undefined, options.pacedRate);
    const maxPerSession = Math.ceil((result.total + paced.total) / sessions) + 1;
    options.log(`  ${target.id} run ${run}: ${Math.round(result.rps)} rps, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms; ` +
      `${cpuUsPerRequest === null ? '' : `server CPU ${cpuUsPerRequest.toFixed(1)} µs/request; `}at ${options.pacedRate} rps p99 ${paced.p99Ms.toFixed(2)} ms; ${sessions} sessions`);
    return { run, result, paced, sessions, maxPerSession, measuredAfterMs, cpuUsPerRequest, redisCpuUsPerRequest };
  }
}

export async function runHttp(options: HttpOptions): Promise<HttpResults> {
  mkdirSync(options.workDir, { recursive: true });
  const minter = await createMinter(join(options.workDir, 'bench-jwks.json'));
  const redisUp = await tcpAnswers('127.0.0.1', 6379);
  const results: TargetResults[] = TARGETS.map((target) => ({
    target,
    runs: [],
    readyMs: null,
    unavailable: target.kind === 'bare' ? null
      : 'missing' in options.bundle ? `not available yet — ${options.bundle.missing}`
      : !cliAvailable() ? 'not available yet — the leash CLI (cli/index.ts) is missing'
      : target.kind === 'decide' && target.store === 'redis' && !redisUp ? 'Redis does not answer on 127.0.0.1:6379'
      : null,
  }));
  const clusterTargets = results.filter((e) => !e.unavailable && 'store' in e.target && e.target.store === 'cluster');
  if (clusterTargets.length > 0) {
    try {
      localCluster = await startLocalCluster(3);
    } catch (err) {
      for (const e of clusterTargets) e.unavailable = `not available — a local Redis Cluster could not start: ${(err as Error).message.slice(0, 300)}`;
    }
  }
  // one server per target, all started at once and kept across runs (start-up takes seconds;
  // every run still mints fresh sessions and warms up again)
  const servers = new Map<string, RunningServer>();
  try {
    await Promise.all(results.filter((e) => !e.unavailable).map(async (entry) => {
      try {
        const server = await startTarget(entry.target, options, minter, null);
        servers.set(entry.target.id, server);
        entry.readyMs = server.readyMs;
      } catch (err) {
        entry.unavailable = `not available yet — ${(err as Error).message.split('\n').slice(0, 3).join(' ').slice(0, 400)}`;
        options.log(`  ${entry.target.id}: ${entry.unavailable}`);
      }
    }));
    for (let run = 1; run <= options.runs; run++) {
      options.log(`HTTP run ${run}/${options.runs}`);
      for (const entry of results) {
        const server = servers.get(entry.target.id);
        if (entry.unavailable || !server) continue;
        try {
          entry.runs.push(await measureTarget(entry.target, options, minter, run, server));
        } catch (err) {
          entry.unavailable = `not available yet — ${(err as Error).message.split('\n').slice(0, 3).join(' ').slice(0, 400)}`;
          options.log(`  ${entry.target.id}: ${entry.unavailable}`);
        }
      }
    }
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    await localCluster?.stop();
    localCluster = undefined;
  }
  const profile = await maybeProfile(options, results, minter);
  return { targets: results, profile, markdown: renderHttp(options, results, profile, redisUp) };
}

function decideGoalMissed(results: readonly TargetResults[]): boolean {
  const bare = results.find((r) => r.target.id === 'bare')?.runs ?? [];
  const decide = results.find((r) => r.target.id === 'decide-memory')?.runs ?? [];
  if (!decide.length || !bare.length) return false;
  const ratio = decide.map((d, i) => d.result.rps / (bare[i]?.result.rps ?? Number.NaN));
  return ratio.some((r) => r < 0.5) || decide.some((d) => d.result.p99Ms >= 5);
}

/** A separate, unreported load run of /decide (memory) under --cpu-prof; summary markdown. */
async function maybeProfile(options: HttpOptions, results: readonly TargetResults[], minter: TokenMinter): Promise<string | null> {
  const decide = results.find((r) => r.target.id === 'decide-memory');
  if (!decide || decide.unavailable || options.profile === 'never') return null;
  if (options.profile === 'on-miss' && !decideGoalMissed(results)) return null;
  const dir = join(options.workDir, `cpu-prof-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  options.log('profiling POST /decide (memory) with --cpu-prof');
  let profiled: TargetRun;
  try {
    const server = await startTarget(decide.target, options, minter, dir);
    try {
      profiled = await measureTarget(decide.target, options, minter, 0, server);
    } finally {
      await server.stop(); // --cpu-prof writes the profile when the process exits
    }
  } catch (err) {
    return `Profiling run failed: ${(err as Error).message.slice(0, 300)}`;
  }
  const file = newestProfile(dir);
  if (!file) return `Profiling run wrote no .cpuprofile into ${dir} (the server must exit normally on SIGTERM for --cpu-prof to write).`;
  // only the measured and paced loads: start-up, module compilation and warm-up are skipped
  const summary = summarizeProfile(file, 15, profiled.measuredAfterMs);
  return renderProfile(`\`leash serve\` during the measured \`POST /decide\` load (in-memory limits; ${Math.round(profiled.result.rps)} req/s in this run)`, summary);
}
