// `leash test [paths...]`: compiles the policies under the paths (default policies/) into one
// bundle, as they would be deployed, checks every `*.policy.test.ts` there (types, then the
// rules, limits and routes its cases name), then runs every case against the compiled wasm
// (through the same offline decision as `leash eval`) AND against the plain-JS reference; a
// case fails when an expectation does not hold or the two engines disagree. The `test_` rules
// of `*_test.rego` files there run too, as `opa test` runs them. Exit 0 all
// passed, 1 failures (or coverage under --fail-under), 2 compile, load or test-file errors.
import { InvalidArgumentError, type Command } from 'commander';
import { compile, formatDiagnostic, hasErrors, policyModel, readBundle, type Diagnostic } from '../../compiler/index.ts';
import type { PolicyModel } from '../../compiler/dsl/model.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import { createWasmEvaluator } from '../../server/engine/evaluator.ts';
import { caseLocations, coverageOf, runRegoTests, emptyExercised, findFiles, json, junit, loadPolicies, loadSuites, pretty, runCase, validateSuite, watchAndRerun, type CaseResult } from '../policy-tests/index.ts';
import { guarded, type CommandIo } from './build.ts';

export interface TestOptions {
  readonly format?: 'pretty' | 'json' | 'junit';
  readonly run?: string;
  readonly coverage?: boolean;
  /** percent; below it the run fails (implies coverage) */
  readonly failUnder?: number;
}

export type { CaseResult };

export async function runTests(paths: readonly string[], opts: TestOptions, io: CommandIo): Promise<number> {
  const roots = paths.length > 0 ? paths : ['policies'];
  const report = (ds: readonly Diagnostic[]): void => { for (const d of ds) io.err(formatDiagnostic(d)); };
  let pattern: RegExp | null = null;
  if (opts.run !== undefined) {
    try {
      pattern = new RegExp(opts.run);
    } catch {
      io.err(`leash test: --run ${JSON.stringify(opts.run)} is not a regular expression`);
      return 2;
    }
  }
  const found = findFiles(roots);
  report(found.diagnostics);
  if (found.diagnostics.length > 0) return 2;
  const built = await compile(roots);
  report(built.diagnostics);
  if (hasErrors(built.diagnostics) || !built.bundle) return 2;
  const loaded = await loadSuites(found.tests);
  report(loaded.diagnostics);
  if (loaded.diagnostics.length > 0) return 2;

  // the reference sees every policy of the bundle, as the wasm does
  const policies = await loadPolicies(found.policies);
  const models: PolicyModel<unknown>[] = policies.map((p) => policyModel(p));
  const invalid = loaded.suites.flatMap((s) => validateSuite(s, models));
  report(invalid);
  if (invalid.length > 0) return 2;

  // Rego `test_` rules of *_test.rego files, against the same compiled Rego and data
  const rego = await runRegoTests(roots, { ...(pattern ? { run: pattern } : {}), compiled: built });
  report(rego.diagnostics);
  if (hasErrors(rego.diagnostics)) return 2;

  const bundle = await readBundle(built.bundle);
  const evaluator = await createWasmEvaluator({ revision: bundle.manifest?.revision ?? 'test', wasm: bundle.wasm!, data: bundle.data }, hostBuiltins as never);
  const results: CaseResult[] = [];
  const seen = emptyExercised();
  for (const s of loaded.suites) {
    const where = caseLocations(s);
    for (const [i, c] of s.tests.cases.entries()) {
      if (pattern && !pattern.test(c.name)) continue;
      const started = performance.now();
      const mine = emptyExercised();
      const failures = await runCase(c, evaluator, policies, mine);
      for (const k of ['rules', 'resources', 'limits'] as const) for (const x of mine[k]) seen[k].add(x);
      results.push({ file: s.file, line: where[i]!.line, name: c.name, ok: failures.length === 0, failures, rules: [...mine.rules].sort(), ms: performance.now() - started });
    }
  }
  for (const r of rego.results) results.push({ ...r, ok: r.ok || r.skipped, rules: [] });
  const wantCoverage = opts.coverage === true || opts.failUnder !== undefined;
  const coverage = wantCoverage ? coverageOf(models, seen) : undefined;
  const out = { results, files: loaded.suites.length + new Set(rego.results.map((r) => r.file)).size, ...(coverage ? { coverage } : {}), ...(opts.failUnder !== undefined ? { failUnder: opts.failUnder } : {}) };
  io.out(opts.format === 'json' ? json(out) : opts.format === 'junit' ? junit(out) : pretty(out));
  if (results.some((r) => !r.ok)) return 1;
  return coverage && opts.failUnder !== undefined && coverage.percent < opts.failUnder ? 1 : 0;
}

const percent = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError('a percentage from 0 to 100');
  return n;
};

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description('run the *.policy.test.ts cases against the compiled bundle and the JS reference; exit 0 pass, 1 failures, 2 errors')
    .argument('[paths...]', 'folders or files (default: policies/)')
    .option('--format <format>', 'pretty, json or junit', 'pretty')
    .option('--run <pattern>', 'only the cases whose name matches this regular expression')
    .option('--coverage', 'list every rule, resource and limit no case exercised')
    .option('--fail-under <percent>', 'exit 1 when coverage is under this percentage (implies --coverage)', percent)
    .option('--watch', 'run again whenever a file under the paths changes')
    .action(async (paths: string[], opts: TestOptions & { watch?: boolean }) => {
      if (opts.watch) {
        // the child gets this command's own arguments (those after `test`), less --watch
        const own = process.argv.slice(process.argv.indexOf('test') + 1).filter((a) => a !== '--watch');
        await watchAndRerun(paths.length > 0 ? paths : ['policies'], own);
        return;
      }
      process.exitCode = await guarded('test', () => runTests(paths, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
}
