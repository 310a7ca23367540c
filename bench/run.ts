// `npm run bench [-- --quick]`: measures Leash and writes bench/RESULTS.md as a whole.
// Order: build the example bundle (timed), HTTP decisions against a bare Fastify route,
// policy evaluation against Cedar and casbin (after an equivalence check that fails the
// run on any mismatch), the compiler, then the other engineers' bench scripts, whose own
// sections are kept. A missing component is reported as "not available yet", never a crash.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runEngines } from './engines/index.ts';
import { buildFloorModule } from './engines/leash.ts';
import { runHttp } from './http/index.ts';
import { buildExampleBundle } from './lib/bundle.ts';
import { stopAllChildren } from './lib/child.ts';
import { FOREIGN_SCRIPTS, runCompiler, runForeign, type FirstBuild, type ForeignRun } from './lib/compiler-section.ts';
import { renderHeader, type RunSettings } from './lib/header.ts';
import { composeResults, extractSection, readResults, RESULTS_PATH, stripSections, type Section } from './lib/results.ts';

const OWN = ['header', 'http', 'engines', 'compiler', 'notes'] as const;
const DEFAULT_NOTES = 'Hand-written observations go here; `npm run bench` keeps this section as it is.';

const USAGE = 'usage: npm run bench [-- --quick] [--runs N] [--duration SECONDS] [--only http,engines,compiler] ' +
  '[--profile always|on-miss|never] [--note TEXT] [--skip-foreign]';

function parseOptions() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        runs: { type: 'string' },
        duration: { type: 'string' },
        only: { type: 'string' },
        profile: { type: 'string' },
        note: { type: 'string' },
        'skip-foreign': { type: 'boolean', default: false },
      },
      allowPositionals: false,
    }).values;
  } catch (err) {
    return usageError((err as Error).message);
  }
}

function usageError(problem: string): never {
  process.stderr.write(`bench: ${problem}\n${USAGE}\n`);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n <= 3600 ? n : usageError(`--${name} must be a whole number from 1 to 3600 (got "${value}")`);
}

const args = parseOptions();

const quick = args.quick === true;
const settings: RunSettings = {
  quick,
  runs: positiveInt('runs', args.runs, quick ? 1 : 3),
  durationS: positiveInt('duration', args.duration, quick ? 3 : 10),
  pacedDurationS: quick ? 1 : 5,
  connections: 32,
  argv: process.argv.slice(2),
  note: args.note ?? null,
};
const SECTIONS = ['http', 'engines', 'compiler'];
const only = new Set((args.only ?? SECTIONS.join(',')).split(',').map((s) => s.trim()));
for (const name of only) if (!SECTIONS.includes(name)) usageError(`--only: unknown section "${name}" (sections: ${SECTIONS.join(', ')})`);
if (args.profile !== undefined && !['always', 'on-miss', 'never'].includes(args.profile)) usageError(`--profile must be always, on-miss or never (got "${args.profile}")`);
// quick runs skip profiling unless asked: a profiled server is one more start-up
const profile = (args.profile as 'always' | 'on-miss' | 'never' | undefined) ?? (quick ? 'never' : 'on-miss');
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function prepareBundles(workDir: string): Promise<{
  bundle: { path: string } | { missing: string };
  floor: { wasm: Uint8Array } | { missing: string };
  firstBuild: FirstBuild;
}> {
  const floorBuilt = await buildFloorModule();
  const floor = floorBuilt.ok ? { wasm: floorBuilt.wasm } : { missing: floorBuilt.reason };
  log('building the example bundle');
  const built = await buildExampleBundle(join(workDir, 'bundle.tar.gz'));
  if (!built.ok) return { bundle: { missing: built.problem }, floor, firstBuild: { missing: built.problem } };
  return { bundle: { path: built.out }, floor, firstBuild: { ms: built.ms, bundle: built.out, method: built.method } };
}

let currentWorkDir: string | null = null;

async function main(): Promise<number> {
  const started = Date.now();
  const workDir = mkdtempSync(join(tmpdir(), 'leash-bench-'));
  currentWorkDir = workDir;
  mkdirSync(workDir, { recursive: true });
  const previous = readResults();
  const fresh: Record<string, string> = {};
  let failed = false;
  try {
    const { bundle, floor, firstBuild } = await prepareBundles(workDir);
    if (only.has('http')) {
      const http = await runHttp({
        runs: settings.runs, durationS: settings.durationS, sessions: quick ? 3000 : 9000, connections: settings.connections,
        pacedRate: 1000, pacedDurationS: settings.pacedDurationS,
        bundle, workDir, redisUrl: 'redis://127.0.0.1:6379/0', profile, log,
      });
      fresh['http'] = http.markdown;
      // written as soon as a section is done, so a run stopped later still leaves its figures
      writeResults(previous, fresh, settings, started, 'keep');
    }
    if (only.has('engines')) {
      log('engines: equivalence, then timing');
      const engines = await runEngines({ quick, bundle, floor, profile, workDir });
      fresh['engines'] = engines.markdown;
      if (engines.failed) {
        failed = true;
        log(`engines disagree on ${engines.equivalence.mismatches.length} requests: see RESULTS.md`);
      }
      writeResults(previous, fresh, settings, started, 'keep');
    }
    const foreignRuns: ForeignRun[] = [];
    if (only.has('compiler')) {
      // the other scripts write their own sections; start them from this run's file
      const runForeignScripts = !args['skip-foreign'];
      writeResults(previous, fresh, settings, started, runForeignScripts ? 'regenerate' : 'keep');
      if (runForeignScripts) for (const script of FOREIGN_SCRIPTS) foreignRuns.push(await runForeign(script, quick, log));
      const compiler = await runCompiler({ quick, workDir, firstBuild, floorWasmBytes: 'wasm' in floor ? floor.wasm.length : null, log }, foreignRuns);
      fresh['compiler'] = compiler.markdown;
    }
    const current = only.has('compiler') ? readResults() : previous;
    writeResults(current, fresh, settings, started, 'keep', previous, true);
    log(`wrote ${RESULTS_PATH} in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

/**
 * Writes RESULTS.md: own sections (fresh ones, else the previous text), then whatever
 * other scripts wrote ('keep'), or nothing of theirs when they are about to regenerate it.
 */
function writeResults(
  text: string, fresh: Record<string, string>, s: RunSettings, started: number, foreign: 'keep' | 'regenerate', previous = text, complete = false,
): void {
  // a section this run measures but has not finished yet never shows an older run's figures
  const body = (name: string) => fresh[name]
    ?? (only.has(name) ? `_${name}: pending — the run writing this file had not finished this section._` : extractSection(previous, name))
    ?? `_${name}: not run yet._`;
  const ownBodies = ['http', 'engines', 'compiler'].map((name) => body(name));
  const head: Section[] = [
    { name: 'header', markdown: renderHeader(s, ownBodies, Date.now() - started, complete) },
    ...['http', 'engines', 'compiler'].map((name, i) => ({ name, markdown: ownBodies[i]! })),
  ];
  const notes: Section = { name: 'notes', markdown: extractSection(previous, 'notes') ?? `## Notes\n\n${DEFAULT_NOTES}` };
  const others = foreign === 'keep' ? stripSections(text, OWN) : '';
  writeFileSync(RESULTS_PATH, composeResults(head, others, [notes]));
}

// an interrupted run ends its servers and load generators (they run in their own process groups)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping child processes`);
    stopAllChildren();
    setTimeout(() => {
      stopAllChildren();
      if (currentWorkDir) rmSync(currentWorkDir, { recursive: true, force: true });
      process.exit(130);
    }, 2500);
  });
}

process.exitCode = await main();
