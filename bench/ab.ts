// Interleaved A/B of `POST /decide` between source trees (a checkout before and after a
// change), next to the bare Fastify route, on one machine in one run: for each round and
// each target, a fresh pool of sessions, a warm-up pass, then a measured autocannon load.
// Prints per round and then the medians: requests/s, the server's CPU µs per request
// (user and system apart, from /proc) and requests/s ÷ the bare route of the same round.
// On a shared machine the paired ratio and CPU per request move far less than requests/s.
//
// Usage: node --import ./bin/register.mjs bench/ab.ts [--rounds 3] [--duration 6] [--profile DIR] TARGET...
//   --profile DIR: every server (bare ones too) writes a V8 CPU profile (--cpu-prof) into DIR when it stops
//   TARGET: `bare`, `bare-eval` (the bare route + one SDK evaluate of this tree's bundle),
//           `decide:<tree>` or `authz:<tree>` (<tree>: a checkout with node_modules; it serves
//           the example bundle its own `leash build` makes, so compiler changes count),
//           optionally `@--node-flag,--another` for that server's Node (e.g. GC settings)
//           and then `%NAME=value,OTHER=value` for that server's environment, so one run can
//           A/B a setting (e.g. `decide:.%LEASH_AUDIT_FILE=` turns the audit file sink off)
//   e.g.    bench/ab.ts bare decide:/tmp/before decide:. decide:.%LEASH_AUDIT_FILE=
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './lib/bundle.ts';
import { lastJsonLine, runChild, startServer, stopAllChildren, type RunningServer } from './lib/child.ts';
import { freePort } from './lib/net.ts';
import { processCpuSplitMs } from './lib/proc-cpu.ts';
import { median } from './lib/stats.ts';
import type { LoadResult } from './http/load-spec.ts';
import { startBare, startBareEval } from './http/servers.ts';
import { loadSpecFor, type Target } from './http/targets.ts';
import { BENCH_AUDIENCE, BENCH_ISSUER, createMinter } from './http/tokens.ts';

const { values, positionals } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, duration: { type: 'string', default: '6' }, profile: { type: 'string' } }, allowPositionals: true });
const rounds = Number(values.rounds);
const durationS = Number(values.duration);
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(durationS) || durationS < 1 || positionals.length === 0) {
  process.stderr.write('usage: bench/ab.ts [--rounds N] [--duration SECONDS] [--profile DIR] bare|bare-eval|decide:<tree>|authz:<tree> ...\n');
  process.exit(2);
}
const SESSIONS = 4_000;
const LOAD_CHILD = join(REPO_ROOT, 'bench/http/load.ts');

interface Entry { readonly label: string; readonly target: Target; readonly tree: string | null; readonly nodeFlags: readonly string[]; readonly env: Readonly<Record<string, string>>; server?: RunningServer }

function usageError(message: string): never {
  process.stderr.write(`bench/ab.ts: ${message}\n`);
  process.exit(2);
}

/** `NAME=value,OTHER=` after a target's `%`: an empty value sets the variable to the empty string. */
function parseEnv(text: string, target: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of text.split(',').filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair.slice(0, eq))) usageError(`"${pair}" in target "${target}" is not NAME=value`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

function parseTarget(text: string): Entry {
  if (text === 'bare') return { label: 'bare', target: { kind: 'bare', id: 'bare' }, tree: null, nodeFlags: [], env: {} };
  // the bare route plus one SDK evaluate of this tree's bundle (bench/http/bare-eval-server.ts)
  if (text === 'bare-eval') return { label: 'bare-eval', target: { kind: 'bare-eval', id: 'bare-eval' }, tree: REPO_ROOT, nodeFlags: [], env: {} };
  // `decide:<tree>@--flag,--other%NAME=value`: the same tree with Node flags and environment for its server
  const percent = text.indexOf('%');
  const env = percent < 0 ? {} : parseEnv(text.slice(percent + 1), text);
  const withFlags = percent < 0 ? text : text.slice(0, percent);
  const at = withFlags.indexOf('@');
  const nodeFlags = at < 0 ? [] : withFlags.slice(at + 1).split(',').filter(Boolean);
  const spec = at < 0 ? withFlags : withFlags.slice(0, at);
  const [kind, tree] = [spec.slice(0, spec.indexOf(':')), spec.slice(spec.indexOf(':') + 1)];
  if ((kind !== 'decide' && kind !== 'authz') || !tree) usageError(`unknown target "${text}" (bare, bare-eval, decide:<tree> or authz:<tree>)`);
  const target: Target = kind === 'decide' ? { kind, id: 'decide-memory', store: 'memory' } : { kind, id: 'authz-memory', store: 'memory' };
  return { label: text, target, tree: resolve(tree), nodeFlags, env };
}

const entries = positionals.map(parseTarget);

/** The example bundle as `tree` builds it (its compiler, its policies/). */
async function buildWith(tree: string, out: string): Promise<string> {
  const built = await runChild(process.execPath, [join(tree, 'bin/leash.mjs'), 'build', join(tree, 'policies'), '-o', out], { cwd: tree, timeoutMs: 180_000 });
  if (built.code !== 0) throw new Error(`leash build in ${tree} failed: ${(built.stderr || built.stdout).slice(-400)}`);
  return out;
}
const work = mkdtempSync(join(tmpdir(), 'leash-ab-'));
let n = 0;

async function load(entry: Entry, tokens: readonly string[], amount?: number): Promise<LoadResult> {
  const spec = join(work, `load-${n++}.json`);
  writeFileSync(spec, JSON.stringify(loadSpecFor(entry.target, entry.server!.url, tokens, 32, durationS, amount)));
  const child = await runChild(process.execPath, ['--import', 'tsx', LOAD_CHILD, spec], { cwd: REPO_ROOT, timeoutMs: 300_000 });
  const result = lastJsonLine<LoadResult>(child.stdout);
  if (!result) throw new Error(`load generator failed: ${child.stderr.slice(-400)}`);
  return result;
}

try {
  const minter = await createMinter(join(work, 'jwks.json'));
  const bundles = new Map<string, string>();
  for (const tree of new Set(entries.flatMap((e) => (e.tree === null ? [] : [e.tree])))) bundles.set(tree, await buildWith(tree, join(work, `bundle-${bundles.size}.tar.gz`)));
  for (const entry of entries) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    entry.server = entry.tree === null
      ? await startBare(port, values.profile ? resolve(values.profile) : null)
      : entry.target.kind === 'bare-eval'
      ? await startBareEval(port, bundles.get(entry.tree)!, values.profile ? resolve(values.profile) : null)
      : await startServer(process.execPath, [...entry.nodeFlags, ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${resolve(values.profile)}`] : []), join(entry.tree, 'bin/leash.mjs'), 'serve', '--bundle', bundles.get(entry.tree)!, '--port', String(port), '--host', '127.0.0.1',
        '--jwks', minter.jwksPath, '--issuer', BENCH_ISSUER, '--audience', BENCH_AUDIENCE, '--workers', '1'], {
        cwd: work, env: { ...process.env, NODE_ENV: 'production', LEASH_LOG_LEVEL: 'warn', ...entry.env }, baseUrl: base, readyUrl: `${base}/ready`, startTimeoutMs: 90_000,
      });
  }
  const rows = new Map(entries.map((e) => [e.label, { rps: [] as number[], user: [] as number[], sys: [] as number[], ratio: [] as number[] }]));
  for (let round = 1; round <= rounds; round++) {
    let bareRps = Number.NaN;
    for (const entry of entries) {
      const tokens = await minter.mint(SESSIONS, `ab${round}-${n}`);
      await load(entry, tokens, tokens.length);
      const before = processCpuSplitMs(entry.server!.pid);
      const result = await load(entry, tokens);
      const after = processCpuSplitMs(entry.server!.pid);
      if (entry.target.kind === 'bare') bareRps = result.rps;
      const row = rows.get(entry.label)!;
      const perRequest = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? Number.NaN : ((b - a) * 1000) / result.total);
      row.rps.push(result.rps);
      row.user.push(perRequest(before?.userMs, after?.userMs));
      row.sys.push(perRequest(before?.systemMs, after?.systemMs));
      row.ratio.push(result.rps / bareRps);
      const refused = (result.notAllowed ?? 0) + result.non2xx + result.errors;
      process.stderr.write(`round ${round} ${entry.label}: ${Math.round(result.rps)} req/s, CPU µs/request user ${row.user.at(-1)!.toFixed(1)} system ${row.sys.at(-1)!.toFixed(1)}, p99 ${result.p99Ms.toFixed(2)} ms${refused ? `, ${refused} not allowed or failed` : ''}\n`);
    }
  }
  const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
  process.stdout.write(`| target | req/s | CPU µs/request (user + system) | ÷ bare |\n| --- | --- | --- | --- |\n`);
  for (const [label, r] of rows) {
    const user = median(r.user);
    const sys = median(r.sys);
    process.stdout.write(`| ${label} | ${Math.round(median(r.rps))} | ${f(user + sys)} (${f(user)} + ${f(sys)}) | ${f(median(r.ratio), 3)} |\n`);
  }
} finally {
  await Promise.all(entries.map((e) => e.server?.stop()));
  stopAllChildren();
  rmSync(work, { recursive: true, force: true });
}
