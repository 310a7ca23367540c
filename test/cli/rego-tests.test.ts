// Rego `test_` rules in `*_test.rego` files, run like `opa test` against the bundle's Rego and
// data: pass when defined and true, fail when undefined, false, another value or an error;
// `todo_test_` skipped; broken test files are coded diagnostics at file:line:col; test files
// stay out of the bundle.
import { beforeAll, describe, expect, it } from 'vitest';
import { compile, formatDiagnostic, readBundle, resolveInputs } from '../../compiler/index.ts';
import { runRegoTests, type RegoTestRun } from '../../cli/policy-tests/rego-tests.ts';

const DIR = 'test/fixtures/policy-tests/rego';
// the tests there are of the refund policy in test/fixtures/refunds
const ROOTS = [DIR, 'test/fixtures/refunds'];
const LIB = `${DIR}/lib_test.rego`;
const REFUNDS = `${DIR}/refunds_test.rego`;

describe('Rego tests', () => {
  let run: RegoTestRun;
  beforeAll(async () => {
    run = await runRegoTests(ROOTS);
  }, 60_000);

  const summary = (r: RegoTestRun): string[] =>
    r.results.map((x) => `${x.skipped ? 'SKIP' : x.ok ? 'PASS' : 'FAIL'} ${x.name} ${x.file}:${x.line}`);

  it('passes, fails and skips each test rule, named data.<package>.<rule> at its file:line', () => {
    expect(run.diagnostics).toEqual([]);
    expect(summary(run)).toEqual([
      `PASS data.refund_lib.tests.test_default_max ${LIB}:5`,
      `PASS data.refund_lib.tests.test_configured_max ${LIB}:12`,
      `PASS data.refund_lib.tests.test_mocked_function ${LIB}:18`,
      `FAIL data.refund_lib.tests.test_conflict_is_an_error ${LIB}:26`,
      `FAIL data.refund_lib.tests.test_not_a_boolean ${LIB}:31`,
      `PASS data.leash_tests.test_invoice_read_allowed ${REFUNDS}:20`,
      `PASS data.leash_tests.test_other_customer_invoice_denied ${REFUNDS}:28`,
      `PASS data.leash_tests.test_refund_too_large_denied ${REFUNDS}:35`,
      `PASS data.leash_tests.test_policy_not_applying ${REFUNDS}:44`,
      // two definitions, one test, at the first
      `PASS data.leash_tests.test_incremental ${REFUNDS}:52`,
      `FAIL data.leash_tests.test_large_refund_allowed ${REFUNDS}:61`,
      `SKIP data.leash_tests.todo_test_refund_limit_per_session ${REFUNDS}:67`,
    ]);
    for (const r of run.results) {
      expect(r.ms).toBeGreaterThanOrEqual(0);
      if (r.ok || r.skipped) expect(r.failures).toEqual([]);
    }
    expect(run.results.find((r) => r.skipped)?.ok).toBe(false);
  });

  it('says why a test failed: undefined, not true, or the evaluation error', () => {
    const failures = (name: string): readonly string[] => run.results.find((r) => r.name.endsWith(`.${name}`))!.failures;
    expect(failures('test_large_refund_allowed')).toEqual(['the test is undefined: an expression of its body did not hold']);
    expect(failures('test_not_a_boolean')).toEqual(['the test is "yes", not true']);
    expect(failures('test_conflict_is_an_error')).toHaveLength(1);
    expect(failures('test_conflict_is_an_error')[0]).toMatch(/^evaluation error: .*eval_conflict_error: .*conflicting/);
  });

  it('runs only the tests whose full name matches --run (skipped ones too)', async () => {
    const r = await runRegoTests(ROOTS, { run: /^data\.leash_tests\.(test_refund|todo_)/ });
    expect(summary(r)).toEqual([
      `PASS data.leash_tests.test_refund_too_large_denied ${REFUNDS}:35`,
      `SKIP data.leash_tests.todo_test_refund_limit_per_session ${REFUNDS}:67`,
    ]);
  }, 60_000);

  it('reuses a compile() result of the same roots', async () => {
    const compiled = await compile(ROOTS);
    const r = await runRegoTests(ROOTS, { compiled, run: /test_invoice_read_allowed/ });
    expect(summary(r)).toEqual([`PASS data.leash_tests.test_invoice_read_allowed ${REFUNDS}:20`]);
  }, 60_000);

  it('reports a test file that does not parse as coded diagnostics at file:line:col, running nothing', async () => {
    const r = await runRegoTests(['test/fixtures/policy-tests/rego-broken']);
    expect(r.results).toEqual([]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'test/fixtures/policy-tests/rego-broken/broken_test.rego:4:14: rego_parse_error: unexpected { token: `if` keyword is required before rule body (write `test_v0_body if { ... }`)',
    ]);
  });

  it('reports a test file that does not check (with the policies) the same way', async () => {
    const r = await runRegoTests(['test/fixtures/policy-tests/rego-unsafe', 'test/fixtures/refunds']);
    expect(r.results).toEqual([]);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'test/fixtures/policy-tests/rego-unsafe/unsafe_test.rego:4:2: rego_unsafe_var_error: var x is unsafe',
    ]);
  }, 60_000);

  it('finds nothing to run where there are no _test.rego files', async () => {
    expect(await runRegoTests(['test/fixtures/refunds'])).toEqual({ diagnostics: [], results: [] });
  });

  it('leaves *_test.rego files out of the bundle (hand-written .rego beside them goes in)', async () => {
    expect(resolveInputs([DIR]).rego).toEqual([`${DIR}/lib.rego`]);
    // named directly, a test file is left out too (not an error)
    expect(resolveInputs([LIB, `${DIR}/lib.rego`])).toEqual({ policies: [], rego: [`${DIR}/lib.rego`], diagnostics: [] });
    const built = await compile(ROOTS);
    expect(built.diagnostics).toEqual([]);
    const bundle = await readBundle(built.bundle!);
    const paths = bundle.files.map((f) => f.path);
    expect(paths).toContain(`${DIR}/lib.rego`);
    expect(paths.filter((p) => p.endsWith('_test.rego'))).toEqual([]);
    expect(bundle.modules.map((m) => m.path).filter((p) => p.includes('_test'))).toEqual([]);
    expect(built.files.map((f) => f.path).filter((p) => p.endsWith('_test.rego'))).toEqual([]);
  }, 60_000);
});
