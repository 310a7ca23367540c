// Section 3 of RESULTS.md: the compiler. Wall time of `leash build` on the example
// policies (and of the CLI's bare start-up, to separate the two), bundle and wasm sizes,
// the conformance suite's wall time, and the other benchmark scripts' outcomes.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildExampleBundle, failureText, LEASH_BIN, readBundleFiles, REPO_ROOT, type BuildMethod } from './bundle.ts';
import { runChild } from './child.ts';
import { fmt, fmtBytes, table } from './markdown.ts';
import { summarize } from './stats.ts';

export interface ForeignRun {
  readonly script: string;
  readonly status: 'ran' | 'failed' | 'absent';
  readonly ms: number;
  readonly detail: string;
}

export type FirstBuild = { readonly ms: number; readonly bundle: string; readonly method: BuildMethod } | { readonly missing: string };

export interface CompilerOptions {
  readonly quick: boolean;
  readonly workDir: string;
  /** the first (cold) build the runner already did, in ms, or why it failed */
  readonly firstBuild: FirstBuild;
  /** size of the constant-decision floor module, when it compiled */
  readonly floorWasmBytes: number | null;
  readonly log: (line: string) => void;
}

export interface CompilerResults {
  readonly markdown: string;
}

async function wasmSize(bundle: string): Promise<{ wasm: number | null; files: number }> {
  try {
    const files = await readBundleFiles(bundle);
    return { wasm: files.get('policy.wasm')?.length ?? null, files: files.size };
  } catch {
    return { wasm: null, files: 0 };
  }
}

/** `npx vitest run test/conformance`: wall time and vitest's own summary line. */
async function conformanceSuite(quick: boolean): Promise<string[]> {
  if (!existsSync(join(REPO_ROOT, 'test/conformance'))) return ['- Conformance suite: not available yet (no `test/conformance`).'];
  if (quick) return ['- Conformance suite: skipped in `--quick` runs.'];
  const result = await runChild('npx', ['vitest', 'run', 'test/conformance'], { cwd: REPO_ROOT, timeoutMs: 300_000 });
  const plain = result.stdout.replace(/\x1b\[[0-9;]*m/g, '');
  const tests = /^\s*Tests\s+(.+)$/m.exec(plain)?.[1]?.trim() ?? 'no summary line';
  const state = result.timedOut ? 'timed out' : result.code === 0 ? 'passed' : `exit ${result.code}`;
  return [`- Conformance suite (\`npx vitest run test/conformance\`): ${fmt(result.ms / 1000, 1)} s wall, ${state}; vitest: ${tests}.`];
}

export async function runCompiler(options: CompilerOptions, foreign: readonly ForeignRun[]): Promise<CompilerResults> {
  const lines: string[] = ['## 3. Compiler', ''];
  if ('missing' in options.firstBuild) {
    lines.push(`- Example bundle build: not available yet — ${options.firstBuild.missing}`);
  } else {
    const builds = [options.firstBuild.ms];
    const repeats = options.quick ? 0 : 2;
    for (let i = 0; i < repeats; i++) {
      const again = await buildExampleBundle(join(options.workDir, `rebuild-${i}.tar.gz`));
      if (again.ok) builds.push(again.ms);
    }
    const how = options.firstBuild.method === 'cli' ? '`leash build policies` wall time' : '`compile([\'policies\'])` in process (no `leash build` command yet)';
    const startup = await runChild(process.execPath, [LEASH_BIN, '--help'], { cwd: REPO_ROOT, timeoutMs: 60_000 });
    const size = await wasmSize(options.firstBuild.bundle);
    const s = summarize(builds);
    lines.push(table(['figure', 'value'], [
      [`${how} (first, cold)`, `${fmt(builds[0]!, 0)} ms`],
      [`${how}, median of ${builds.length}`, `${fmt(s.median, 0)} ms (${fmt(s.min, 0)}–${fmt(s.max, 0)})`],
      ['`leash --help` wall time (Node + tsx start-up, no compile)', startup.code === 0 ? `${fmt(startup.ms, 0)} ms` : 'n/a'],
      ['bundle size (.tar.gz)', fmtBytes(statSync(options.firstBuild.bundle).size)],
      ['policy.wasm size (example policies)', size.wasm === null ? 'no policy.wasm in the bundle' : fmtBytes(size.wasm)],
      ['policy.wasm size (constant-decision floor module)', options.floorWasmBytes !== null ? fmtBytes(options.floorWasmBytes) : 'n/a'],
    ]));
  }
  lines.push('', ...(await conformanceSuite(options.quick)));
  lines.push('', 'Rego front-end parse/check throughput, wasm evaluation details and the in-process cost of each stage of a ' +
    'decision come from the scripts below, whose own sections follow in this file:', '');
  lines.push(...foreign.map((f) => `- \`${f.script}\`: ${f.status === 'absent' ? 'not available yet' : f.status === 'ran' ? `ran in ${fmt(f.ms / 1000, 1)} s` : `failed — ${f.detail}`}`));
  return { markdown: lines.join('\n') };
}

/** How package.json's scripts run TypeScript: bin/register.mjs (tsx, plus plain loading of big JS deps), else tsx. */
export function tsLoader(): string {
  return existsSync(join(REPO_ROOT, 'bin/register.mjs')) ? './bin/register.mjs' : 'tsx';
}

export const FOREIGN_SCRIPTS = ['bench/rego-parse.ts', 'bench/wasm.ts', 'bench/decide-stages.ts'] as const;

/** Runs another engineer's benchmark script; it writes its own section of RESULTS.md. */
export async function runForeign(script: string, quick: boolean, log: (line: string) => void): Promise<ForeignRun> {
  if (!existsSync(join(REPO_ROOT, script))) return { script, status: 'absent', ms: 0, detail: '' };
  log(`running ${script}`);
  const result = await runChild(process.execPath, ['--import', tsLoader(), script, ...(quick ? ['--quick'] : [])], {
    cwd: REPO_ROOT,
    timeoutMs: quick ? 60_000 : 300_000,
  });
  return result.code === 0
    ? { script, status: 'ran', ms: result.ms, detail: '' }
    : { script, status: 'failed', ms: result.ms, detail: failureText(result) };
}
