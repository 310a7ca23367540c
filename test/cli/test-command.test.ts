// `leash test`: the examples' tests pass through the compiled bundle and the JS reference;
// a wrong expectation fails with its file:line, the deciding rule and expected vs actual, in
// pretty, JSON and JUnit output; --run filters; load and compile errors exit 2.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runTests, type TestOptions } from '../../cli/commands/test.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FAILING = 'test/fixtures/policy-tests/failing';
// the tests there are of the refund policy in test/fixtures/refunds
const WITH_POLICY = [FAILING, 'test/fixtures/refunds'];

async function run(paths: string[], opts: TestOptions = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTests(paths, opts, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('leash test', () => {
  it('passes the examples\' tests (every rule of policies/ exercised)', async () => {
    const r = await run([]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^44 passed, 0 failed \(5 test files\)$/m);
    expect(r.code).toBe(0);
    // every rule of the example bundle decided at least one request
    const { results } = JSON.parse((await run([], { format: 'json' })).out) as { results: { rules: string[] }[] };
    // the Rego test_ rules of policies/support_agent_test.rego ran too
    expect(r.out).toContain('✓ data.support_agent_test.test_another_customer_is_a_scope_denial');
    expect([...new Set(results.flatMap((x) => x.rules))].sort()).toEqual([
      'billing.listInvoices.args', 'billing.listInvoices.read', 'billing.lookupCustomer.args', 'billing.lookupCustomer.read',
      'billing.refundPayment.args', 'billing.refundPayment.write',
      'customerRecords.read', 'dashboards.read', 'metricsQuery.read', 'ops-agent.bulkExport', 'serviceMetrics.read',
      'stripe.refunds.write', 'ticket.write', 'ticketComments.write',
    ]);
  }, 60_000);

  it('fails a wrong expectation with file:line, expected vs actual and the deciding rule', async () => {
    const r = await run(WITH_POLICY);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`✗ wrongly expects a large refund to pass  (${FAILING}/refund-agent.policy.test.ts:9)`);
    expect(r.out).toContain('allow: expected true, got false');
    expect(r.out).toContain('decided by refunds.tooLarge (class business): refunds over 500.00 need a human');
    expect(r.out).toContain('✓ a refund with no amount cannot be decided');
    expect(r.out).toContain('✓ three refunds a session');
    expect(r.out).toMatch(/^3 passed, 2 failed \(1 test file\)$/m);
    // `used` starts the case from a limit state: two of three used leaves one
    expect(r.out).toContain(`✗ wrongly expects two more refunds after two  (${FAILING}/refund-agent.policy.test.ts:17)`);
    expect(r.out).toContain('request 2 (POST /customers/C-771/refunds): allow: expected true, got false');
    expect(r.out).toContain('decided by refunds.write (class limit): limit refunds/session exceeded');
  }, 60_000);

  it('writes JSON and JUnit for CI, and --run selects cases', async () => {
    const json = await run(WITH_POLICY, { format: 'json' });
    const parsed = JSON.parse(json.out);
    expect(parsed).toMatchObject({ passed: 3, failed: 2 });
    expect(parsed.results.find((x: { ok: boolean }) => !x.ok)).toMatchObject({ name: 'wrongly expects a large refund to pass', line: 9 });
    const junit = await run(WITH_POLICY, { format: 'junit' });
    expect(junit.out).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="leash test" tests="5" failures="2">/);
    expect(junit.out).toContain('<testcase classname="test/fixtures/policy-tests/failing/refund-agent.policy.test.ts" name="wrongly expects a large refund to pass"');
    expect(junit.out).toContain('<failure message="allow: expected true, got false">');
    const only = await run(WITH_POLICY, { run: 'small|three' });
    expect(only).toMatchObject({ code: 0 });
    expect(only.out).toMatch(/^2 passed, 0 failed/m);
  }, 60_000);

  it('exits 2 on a test file that is not policyTests and on a policy that does not compile', async () => {
    const bad = await run(['test/fixtures/policy-tests/bad-export', 'test/fixtures/refunds']);
    expect(bad).toMatchObject({ code: 2, err: expect.stringContaining("the default export must be policyTests(policy, [...cases]) from 'leash'") });
    const typo = await run(['test/fixtures/dsl/claim-typo.policy.ts']);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/claim-typo\.policy\.ts:\d+:\d+: /);
  }, 60_000);

  it('works as the real command with --format junit', () => {
    const r = spawnSync(process.execPath, ['bin/leash.mjs', 'test', '--format', 'junit'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('<testsuites name="leash test" tests="44" failures="0">');
  }, 60_000);

  it('reports mistakes in test files as coded diagnostics at file:line:col, before running anything', async () => {
    const r = await run(['test/fixtures/policy-tests/invalid', 'test/fixtures/refunds']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    const f = 'test/fixtures/policy-tests/invalid/refund-agent.policy.test.ts';
    expect(r.err.split('\n').map((l) => /^(.*?:\d+:\d+: \w+): /.exec(l)?.[1])).toEqual([
      `${f}:9:98: leash_test_unknown_rule`,
      `${f}:10:61: leash_test_unknown_limit`,
      `${f}:11:53: leash_test_impossible`,
      `${f}:12:79: leash_test_unknown_route`,
      `${f}:13:58: leash_test_impossible`,
      `${f}:14:117: leash_test_unknown_limit`,
      `${f}:14:73: leash_test_impossible`,
      `${f}:15:68: leash_test_impossible`,
      `${f}:16:5: leash_test_duplicate_name`,
      `${f}:17:100: leash_test_impossible`,
    ]);
    expect(r.err).toContain('rule: no policy has a rule "refunds.create"; rules are invoices.read, refunds.write, refunds.tooLarge, refunds.otherCustomer');
    expect(r.err).toContain('used: refunds/session allows 3, so its used units are a whole number from 0 to 3, not 4');
    expect(r.err).toContain('POST /customer/C-771/refunds matches no route of policy refund-agent');
    expect(r.err).toContain('expect: a limit refusal answers 429, not 403');
    // a repetition count that would keep the run going for hours is refused, not run
    expect(r.err).toContain('times must be a whole number from 1 to 10000, not 1000000000');
    expect(r.err).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('type-checks the test files: a misspelt claim is a leash_ts_error at its file:line:col', async () => {
    const r = await run(['test/fixtures/policy-tests/type-error', 'test/fixtures/refunds']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^test\/fixtures\/policy-tests\/type-error\/refund-agent\.policy\.test\.ts:6:92: leash_ts_error: TS2561: .*'custmerId'/);
  }, 60_000);

  it('lists what no case exercised with --coverage, and --fail-under fails a run under the threshold', async () => {
    const examples = JSON.parse((await run([], { format: 'json', failUnder: 100 })).out);
    expect(examples.coverage).toMatchObject({ percent: 100, rules: { total: 14, missed: [] }, resources: { total: 10, missed: [] }, limits: { total: 14, missed: [] } });
    const few = await run(WITH_POLICY, { run: 'small|three', coverage: true });
    expect(few.code).toBe(0);
    expect(few.out).toContain('  rules: 1/4, not exercised:\n    invoices.read\n    refunds.otherCustomer\n    refunds.tooLarge');
    expect(few.out).toContain('  resources: 1/2, not exercised:\n    refund-agent/invoices');
    expect(few.out).toContain('  limits (tripped): 1/5, not exercised:\n    refund-agent.read/session\n');
    const under = await run(WITH_POLICY, { run: 'small|three', failUnder: 50 });
    expect(under.code).toBe(1);
    expect(under.out).toMatch(/^coverage 27\.2% is under --fail-under 50%$/m);
    expect((await run(WITH_POLICY, { run: 'small|three', failUnder: 27 })).code).toBe(0);
  }, 60_000);

  it('runs the test_ rules of *_test.rego files with the cases, todo_ ones skipped', async () => {
    const roots = ['test/fixtures/policy-tests/rego', 'test/fixtures/refunds'];
    const r = await run(roots);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✓ data.leash_tests.test_invoice_read_allowed');
    expect(r.out).toContain('✗ data.leash_tests.test_large_refund_allowed  (test/fixtures/policy-tests/rego/refunds_test.rego:61)\n    the test is undefined: an expression of its body did not hold');
    expect(r.out).toContain('- data.leash_tests.todo_test_refund_limit_per_session  (todo)');
    expect(r.out).toMatch(/^8 passed, 3 failed, 1 skipped \(2 test files\)$/m);
    const junit = await run(roots, { format: 'junit', run: 'todo_' });
    expect(junit.out).toContain('name="data.leash_tests.todo_test_refund_limit_per_session" file="test/fixtures/policy-tests/rego/refunds_test.rego" line="67" time="0.000"><skipped/></testcase>');
    expect(junit.code).toBe(0);
    const broken = await run(['test/fixtures/policy-tests/rego-broken', 'test/fixtures/refunds']);
    expect(broken.code).toBe(2);
    expect(broken.err).toMatch(/^test\/fixtures\/policy-tests\/rego-broken\/broken_test\.rego:\d+:\d+: rego_parse_error: /m);
  }, 60_000);
});
