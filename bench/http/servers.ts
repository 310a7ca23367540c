// Starting the servers under test as child processes on loopback: the bare Fastify
// baseline, and `leash serve` (the real CLI) with the example bundle, the bench JWKS and
// the in-memory, the Redis or a Redis Cluster limit store. Optional --cpu-prof for profiling runs.
import { fileURLToPath } from 'node:url';
import { LEASH_BIN, REPO_ROOT } from '../lib/bundle.ts';
import { startServer, type RunningServer } from '../lib/child.ts';
import { BENCH_AUDIENCE, BENCH_ISSUER } from './tokens.ts';

const BARE_SERVER = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const BARE_EVAL_SERVER = fileURLToPath(new URL('./bare-eval-server.ts', import.meta.url));

export type LimitStoreKind = 'memory' | 'redis' | 'cluster';

export interface LeashServerOptions {
  readonly bundle: string;
  readonly jwksPath: string;
  readonly store: LimitStoreKind;
  readonly redisUrl: string;
  readonly workDir: string;
  /** `--workers` (default 1: the single process, so every row but the scaling ones is one core) */
  readonly workers?: number;
}

function nodeFlags(profileDir: string | null): string[] {
  return profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
}

export function startBare(port: number, profileDir: string | null = null, workers = 1): Promise<RunningServer> {
  const base = `http://127.0.0.1:${port}`;
  return startServer(process.execPath, [...nodeFlags(profileDir), '--import', 'tsx', BARE_SERVER, String(port), String(workers)], {
    cwd: REPO_ROOT, baseUrl: base, readyUrl: `${base}/health`, startTimeoutMs: 30_000,
  });
}

/** bare-eval-server.ts on the given bundle: the bare route plus one SDK evaluate per request. */
export function startBareEval(port: number, bundle: string, profileDir: string | null = null): Promise<RunningServer> {
  const base = `http://127.0.0.1:${port}`;
  return startServer(process.execPath, [...nodeFlags(profileDir), '--import', 'tsx', BARE_EVAL_SERVER, String(port), bundle], {
    cwd: REPO_ROOT, env: { ...process.env, NODE_ENV: 'production' }, baseUrl: base, readyUrl: `${base}/health`, startTimeoutMs: 60_000,
  });
}

/** The exact `leash serve` arguments, also printed in RESULTS.md's command list. */
export function leashServeArgs(port: number, options: LeashServerOptions): string[] {
  return [
    'serve',
    '--bundle', options.bundle,
    '--port', String(port),
    '--host', '127.0.0.1',
    '--jwks', options.jwksPath,
    '--issuer', BENCH_ISSUER,
    '--audience', BENCH_AUDIENCE,
    ...(options.store === 'memory' ? [] : ['--redis', options.redisUrl]),
    '--workers', String(options.workers ?? 1),
  ];
}

export function startLeash(port: number, options: LeashServerOptions, profileDir: string | null = null): Promise<RunningServer> {
  const base = `http://127.0.0.1:${port}`;
  return startServer(process.execPath, [...nodeFlags(profileDir), LEASH_BIN, ...leashServeArgs(port, options)], {
    cwd: options.workDir,
    // quiet logs (no per-request lines); Redis keys under their own prefix, away from the tests' keys
    env: { ...process.env, NODE_ENV: 'production', LEASH_LOG_LEVEL: 'warn', LEASH_REDIS_PREFIX: 'leash-bench:' },
    baseUrl: base,
    readyUrl: `${base}/ready`,
    startTimeoutMs: 90_000,
  });
}
