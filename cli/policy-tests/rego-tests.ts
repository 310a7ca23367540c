// Rego `test_` rules, run the way `opa test` runs them. Every `*_test.rego` file under the
// roots is parsed and checked together with the Rego the bundle ships (the policies'
// generated modules and the hand-written .rego files, exactly as compile() produced them),
// each `test_*` rule of those files becomes a wasm entrypoint of one module compiled by the
// Leash Rego → wasm compiler, and each entrypoint is evaluated with no input and the
// bundle's data.json. A test passes when it is defined and exactly `true`; undefined, any
// other value or an evaluation error fails it. `todo_test_*` rules are reported skipped.
// `*_test.rego` files never go into the bundle (resolveInputs leaves them out).
import { readFileSync } from 'node:fs';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, resolveInputs, type CompileResult } from '../../compiler/pipeline.ts';
import { error, hasErrors, type Diagnostic, type Loc } from '../../compiler/diagnostics/index.ts';
import { checkModules, parseModule, type Module, type Rule } from '../../compiler/rego/index.ts';
import { walkSourceFiles } from '../../compiler/source-files.ts';
import { compileWasm, hostBuiltins } from '../../compiler/wasm/index.ts';
import { DEADLINE_BUILTIN, deadlineClock } from '../../compiler/wasm/codegen/budget.ts';

/** OPA's naming convention for test files; compile() leaves them out of bundles. */
export const REGO_TEST_SUFFIX = '_test.rego';

export const isRegoTestFile = (file: string): boolean => file.endsWith(REGO_TEST_SUFFIX);

export interface RegoTestResult {
  /** the `_test.rego` file, as found under the roots */
  readonly file: string;
  /** the line of the rule's (first) definition */
  readonly line: number;
  /** `data.<package>.<rule>`, e.g. `data.leash_tests.test_refund_denied` */
  readonly name: string;
  /** passed; false for a failure and for a skipped `todo_test_` rule */
  readonly ok: boolean;
  /** a `todo_test_` rule: reported, not run */
  readonly skipped: boolean;
  /** why it failed, one line each (empty when it passed or was skipped) */
  readonly failures: readonly string[];
  readonly ms: number;
}

export interface RegoTestOptions {
  /** only the tests whose full name (`data.pkg.test_x`) matches */
  readonly run?: RegExp;
  /**
   * The compile() result of the same roots, when the caller already has one (its .rego files
   * and data.json are reused); otherwise the roots are compiled here (without wasm).
   */
  readonly compiled?: Pick<CompileResult, 'diagnostics' | 'files'>;
  /** Passed to compile() when compiling here (default: cwd). */
  readonly root?: string;
  /** Time bound of one test's evaluation, in ms (default 5000). */
  readonly timeoutMs?: number;
}

export interface RegoTestRun {
  /** load, parse, check and wasm compile errors; when it has errors no test ran */
  readonly diagnostics: Diagnostic[];
  readonly results: RegoTestResult[];
}

interface TestRule {
  readonly name: string;
  readonly entrypoint: string;
  readonly loc: Loc;
  readonly skipped: boolean;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `data.a.b["c-d"].test_x` */
function dataName(pkg: readonly string[], rule: string): string {
  return ['data', ...pkg, rule].map((s, i) => (i === 0 ? s : IDENT.test(s) ? `.${s}` : `[${JSON.stringify(s)}]`)).join('');
}

/** The test name of a rule: a plain (not ref-head, not function) rule named test_* or todo_test_*. */
function testRuleName(r: Rule): { name: string; skipped: boolean } | undefined {
  const h = r.head;
  if (h.args !== undefined || h.ref.path.length > 0 || h.ref.head.kind !== 'Var') return undefined;
  const name = h.ref.head.name;
  if (name.startsWith('test_')) return { name, skipped: false };
  if (name.startsWith('todo_test_')) return { name, skipped: true };
  return undefined;
}

/** The test rules of the test modules, one per package + name (incremental definitions are one test). */
function collectTests(modules: readonly Module[]): TestRule[] {
  const byName = new Map<string, TestRule>();
  for (const m of modules) {
    for (const r of m.rules) {
      const t = testRuleName(r);
      if (!t) continue;
      const name = dataName(m.package.path, t.name);
      if (!byName.has(name)) byName.set(name, { name, entrypoint: [...m.package.path, t.name].join('/'), loc: r.loc, skipped: t.skipped });
    }
  }
  return [...byName.values()];
}

/** The Rego modules and data the bundle of `roots` ships, as compile() produces them. */
async function bundleSources(roots: readonly string[], opts: RegoTestOptions): Promise<{ diagnostics: Diagnostic[]; sources: { file: string; source: string }[]; data: unknown }> {
  let compiled = opts.compiled;
  if (!compiled) {
    // Only test files (and nothing to compile) is fine: the tests see an empty bundle.
    const inputs = resolveInputs(roots);
    if (inputs.policies.length === 0 && inputs.rego.length === 0) return { diagnostics: [], sources: [], data: {} };
    compiled = await compile(roots, { wasm: false, ...(opts.root !== undefined ? { root: opts.root } : {}) });
  }
  const diagnostics = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (diagnostics.length > 0) return { diagnostics, sources: [], data: {} };
  const text = (c: string | Uint8Array): string => (typeof c === 'string' ? c : new TextDecoder().decode(c));
  const sources = compiled.files.filter((f) => f.path.endsWith('.rego')).map((f) => ({ file: f.path, source: text(f.content) }));
  const dataFile = compiled.files.find((f) => f.path === 'data.json');
  return { diagnostics: [], sources, data: dataFile ? JSON.parse(text(dataFile.content)) : {} };
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** Runs the `test_` rules of every `*_test.rego` file under the roots against their bundle. */
export async function runRegoTests(roots: readonly string[], opts: RegoTestOptions = {}): Promise<RegoTestRun> {
  const files: string[] = [];
  const diagnostics = walkSourceFiles(roots, (f) => { if (isRegoTestFile(f)) files.push(f); });
  if (hasErrors(diagnostics) || files.length === 0) return { diagnostics, results: [] };

  const bundle = await bundleSources(roots, opts);
  if (bundle.diagnostics.length > 0) return { diagnostics: [...diagnostics, ...bundle.diagnostics], results: [] };

  // parse: the bundle's modules, then the test files (named as found, for file:line:col)
  const modules: Module[] = [];
  const testModules: Module[] = [];
  for (const s of bundle.sources) {
    const r = parseModule(s.source, s.file);
    diagnostics.push(...r.diagnostics);
    if (r.module) modules.push(r.module);
  }
  for (const file of files) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (e) {
      diagnostics.push(error('leash_project_error', `cannot read ${file}: ${errorText(e)}`));
      continue;
    }
    const r = parseModule(source, file);
    diagnostics.push(...r.diagnostics);
    if (r.module) testModules.push(r.module);
  }
  if (hasErrors(diagnostics)) return { diagnostics, results: [] };

  // check: the whole set, as OPA compiles the test files with the policies
  const all = [...modules, ...testModules];
  diagnostics.push(...checkModules(all));
  if (hasErrors(diagnostics)) return { diagnostics, results: [] };

  const pattern = opts.run;
  const tests = collectTests(testModules).filter((t) => {
    if (!pattern) return true;
    pattern.lastIndex = 0;
    return pattern.test(t.name);
  });
  const results: RegoTestResult[] = [];
  const toRun = tests.filter((t) => !t.skipped);
  type Evaluate = (entrypoint: string) => { value?: unknown; problem?: string };
  let evaluate: Evaluate = () => ({});
  if (toRun.length > 0) {
    const built = compileWasm(all, toRun.map((t) => t.entrypoint));
    diagnostics.push(...built.diagnostics);
    if (hasErrors(diagnostics) || !built.wasm) return { diagnostics, results: [] };
    const clock = deadlineClock();
    let policy: Awaited<ReturnType<typeof loadPolicy>>;
    try {
      policy = await loadPolicy(built.wasm as Uint8Array<ArrayBuffer>, undefined, { ...hostBuiltins, [DEADLINE_BUILTIN]: clock.builtin } as Record<string, Function>);
      policy.setData((bundle.data ?? {}) as object);
    } catch (e) {
      diagnostics.push(error('leash_project_error', `the compiled tests do not load: ${errorText(e)}`));
      return { diagnostics, results: [] };
    }
    const limit = opts.timeoutMs ?? 5000;
    evaluate = (entrypoint) => {
      clock.start(limit);
      try {
        // no input, as `opa test`: a test gives its own with `with input as ...`
        const rs = policy.evaluate(undefined, entrypoint) as unknown;
        if (!Array.isArray(rs) || rs.length === 0) return {};
        return { value: (rs[0] as { result?: unknown }).result };
      } catch (e) {
        return { problem: clock.timedOut() ? `evaluation stopped at its ${limit}ms time bound` : `evaluation error: ${errorText(e)}` };
      } finally {
        clock.stop();
      }
    };
  }

  for (const t of tests) {
    const base = { file: t.loc.file, line: t.loc.line, name: t.name };
    if (t.skipped) {
      results.push({ ...base, ok: false, skipped: true, failures: [], ms: 0 });
      continue;
    }
    const started = performance.now();
    const out = evaluate(t.entrypoint);
    const ms = performance.now() - started;
    let failure: string | undefined;
    if (out.problem !== undefined) failure = out.problem;
    else if (!('value' in out) || out.value === undefined) failure = 'the test is undefined: an expression of its body did not hold';
    else if (out.value === false) failure = 'the test is false';
    else if (out.value !== true) failure = `the test is ${JSON.stringify(out.value)}, not true`;
    results.push({ ...base, ok: failure === undefined, skipped: false, failures: failure === undefined ? [] : [failure], ms });
  }
  return { diagnostics, results };
}
