// `leash test [paths...]`: compiles the policies under the paths (default policies/) into one
// bundle, as they would be deployed, then runs every case of every `*.policy.test.ts` there
// against the compiled wasm (through the same offline decision as `leash eval`: request
// canonicalisation, the server's body checks, limits counted per case) AND against the
// plain-JS reference; a case fails when an expectation does not hold or the two engines
// disagree. Exit 0 all passed, 1 failures, 2 compile or load errors. `--format json|junit`.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import type { Command } from 'commander';
import { compile, evaluateReference, formatDiagnostic, hasErrors, readBundle } from '../../compiler/index.ts';
import type { Expectation, Policy, PolicyTestCase, PolicyTests, Step } from '../../compiler/dsl/index.ts';
import { walkSourceFiles } from '../../compiler/source-files.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import { createWasmEvaluator, type PolicyEvaluator } from '../../server/engine/evaluator.ts';
import { createMemoryLimitStore } from '../../server/limits/index.ts';
import { decideOffline, offlineInput, refusalAnswer, type Answer } from '../offline-decision.ts';
import { guarded, type CommandIo } from './build.ts';

export interface TestOptions {
  readonly format?: 'pretty' | 'json' | 'junit';
  readonly run?: string;
}

export interface CaseResult {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly ok: boolean;
  /** what went wrong, one line each */
  readonly failures: readonly string[];
  /** the rules that decided its requests (what it exercised) */
  readonly rules: readonly string[];
  readonly ms: number;
}

const TEST_SUFFIX = '.policy.test.ts';
const CHECKED: readonly (keyof Expectation)[] = ['allow', 'status', 'rule', 'reasons', 'code', 'class', 'priority', 'access'];

/** Where a case is written: the line of its `name`, found in the file's text. */
function lineOf(text: string, name: string): number {
  const at = text.search(new RegExp(`name:\\s*(['"\`])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`));
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

function compare(expect: Expectation, got: Answer, step: string): string[] {
  const out: string[] = [];
  for (const k of CHECKED) {
    if (expect[k] === undefined) continue;
    const actual = (got as unknown as Record<string, unknown>)[k];
    if (!isDeepStrictEqual(expect[k], actual)) out.push(`${step}${k}: expected ${JSON.stringify(expect[k])}, got ${JSON.stringify(actual ?? null)}`);
  }
  if (expect.reason !== undefined && !got.reasons.some((r) => r.includes(expect.reason!))) {
    out.push(`${step}reason: expected one containing ${JSON.stringify(expect.reason)}, got ${JSON.stringify(got.reasons)}`);
  }
  if (out.length > 0) out.push(`${step}decided by ${got.rule ?? 'no rule'} (class ${got.class ?? 'none'}): ${got.reasons.join('; ') || 'no reasons'}`);
  return out;
}

async function runCase(c: PolicyTestCase<unknown>, evaluator: PolicyEvaluator, policies: readonly Policy[], rules: Set<string>): Promise<string[]> {
  const steps: readonly Step[] = 'steps' in c ? c.steps : [{ request: c.request, expect: c.expect }];
  const store = createMemoryLimitStore();
  const identity = { ...(c.agent ? { agent: c.agent } : {}), session: c.session ?? `test-${Math.random().toString(36).slice(2)}` };
  const failures: string[] = [];
  let n = 0;
  try {
    for (const step of steps) {
      for (let i = 0; i < (step.times ?? 1); i++) {
        n++;
        const label = steps.length > 1 || (step.times ?? 1) > 1 ? `request ${n} (${step.request.method} ${step.request.path}): ` : '';
        const built = offlineInput(c.claims as Record<string, unknown>, step.request, identity);
        let answer: Answer;
        if ('refusal' in built) answer = refusalAnswer(built.refusal, step.request.method);
        else {
          const decided = await decideOffline(evaluator, built.input, store);
          if ('problem' in decided) return [...failures, `${label}policy error: ${decided.problem}`];
          answer = decided;
          const wasm = evaluator.evaluate(built.input);
          const ref = evaluateReference(policies, built.input);
          if (wasm.ok && !isDeepStrictEqual(JSON.parse(JSON.stringify(ref)), JSON.parse(JSON.stringify(wasm.decision)))) {
            failures.push(`${label}the engines disagree: wasm ${JSON.stringify(wasm.decision)}, JS reference ${JSON.stringify(ref)}`);
          }
        }
        if (answer.rule !== null) rules.add(answer.rule);
        failures.push(...compare(step.expect, answer, label));
        if (failures.length > 0) return failures;
      }
    }
  } finally {
    await store.close();
  }
  return failures;
}

export async function runTests(paths: readonly string[], opts: TestOptions, io: CommandIo): Promise<number> {
  const roots = paths.length > 0 ? paths : ['policies'];
  const testFiles: string[] = [];
  const problems = walkSourceFiles(roots, (f) => { if (f.endsWith(TEST_SUFFIX)) testFiles.push(f); });
  for (const d of problems) io.err(formatDiagnostic(d));
  if (problems.length > 0) return 2;
  const built = await compile(roots);
  for (const d of built.diagnostics) io.err(formatDiagnostic(d));
  if (hasErrors(built.diagnostics) || !built.bundle) return 2;
  const bundle = await readBundle(built.bundle);
  const evaluator = await createWasmEvaluator({ revision: bundle.manifest?.revision ?? 'test', wasm: bundle.wasm!, data: bundle.data }, hostBuiltins as never);

  const suites: { file: string; text: string; tests: PolicyTests }[] = [];
  for (const file of testFiles) {
    let tests: unknown;
    try {
      tests = ((await import(pathToFileURL(resolve(file)).href)) as { default?: unknown }).default;
    } catch (err) {
      io.err(`${file}: cannot load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      return 2;
    }
    if (typeof tests !== 'object' || tests === null || (tests as PolicyTests).kind !== 'policy-tests') {
      io.err(`${file}: the default export must be policyTests(policy, [...cases]) from 'leash'`);
      return 2;
    }
    suites.push({ file, text: readFileSync(file, 'utf8'), tests: tests as PolicyTests });
  }
  // the reference sees every policy of the bundle, as the wasm does
  const all: Policy[] = [];
  const policyFiles: string[] = [];
  walkSourceFiles(roots, (f) => { if (f.endsWith('.policy.ts')) policyFiles.push(f); });
  for (const f of policyFiles) all.push(((await import(pathToFileURL(resolve(f)).href)) as { default: Policy }).default);

  const pattern = opts.run !== undefined ? new RegExp(opts.run) : null;
  const results: CaseResult[] = [];
  for (const s of suites) {
    for (const c of s.tests.cases) {
      if (pattern && !pattern.test(c.name)) continue;
      const started = performance.now();
      const rules = new Set<string>();
      const failures = await runCase(c, evaluator, all, rules);
      results.push({ file: s.file, line: lineOf(s.text, c.name), name: c.name, ok: failures.length === 0, failures, rules: [...rules].sort(), ms: performance.now() - started });
    }
  }
  const failed = results.filter((r) => !r.ok);
  if (opts.format === 'json') io.out(JSON.stringify({ passed: results.length - failed.length, failed: failed.length, results }, null, 2));
  else if (opts.format === 'junit') io.out(junit(results));
  else {
    for (const r of results) {
      io.out(`${r.ok ? '✓' : '✗'} ${r.name}${r.ok ? '' : `  (${r.file}:${r.line})`}`);
      for (const f of r.failures) io.out(`    ${f}`);
    }
    io.out(`${results.length - failed.length} passed, ${failed.length} failed (${suites.length} test file${suites.length === 1 ? '' : 's'})`);
  }
  return failed.length > 0 ? 1 : 0;
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function junit(results: readonly CaseResult[]): string {
  const byFile = new Map<string, CaseResult[]>();
  for (const r of results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const suites = [...byFile].map(([file, rs]) => {
    const cases = rs.map((r) => {
      const body = r.ok ? '' : `<failure message="${xml(r.failures[0] ?? 'failed')}">${xml(`${r.file}:${r.line}\n${r.failures.join('\n')}`)}</failure>`;
      return `    <testcase classname="${xml(file)}" name="${xml(r.name)}" file="${xml(file)}" line="${r.line}" time="${(r.ms / 1000).toFixed(3)}">${body}</testcase>`;
    });
    const failures = rs.filter((r) => !r.ok).length;
    return `  <testsuite name="${xml(file)}" tests="${rs.length}" failures="${failures}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const failures = results.filter((r) => !r.ok).length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="leash test" tests="${results.length}" failures="${failures}">\n${suites.join('\n')}\n</testsuites>`;
}

export function registerTestCommand(program: Command): void {
  program
    .command('test')
    .description('run the *.policy.test.ts cases against the compiled bundle and the JS reference; exit 0 pass, 1 failures, 2 errors')
    .argument('[paths...]', 'folders or files (default: policies/)')
    .option('--format <format>', 'pretty, json or junit', 'pretty')
    .option('--run <pattern>', 'only the cases whose name matches this regular expression')
    .action(async (paths: string[], opts: TestOptions) => {
      process.exitCode = await guarded('test', () => runTests(paths, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
}
