// Scoping proven at compile time (compiler/extract/scope-check.ts) and observed at run time:
// test/fixtures/scoping holds a policy with every rule kind beside a second policy on the same
// routes for other agents. The generated Rego carries the guards (shape), the compiled wasm
// never fires a rule of the first policy for the second's agents or off its route (behaviour,
// real opa-wasm SDK), and a module with one guard removed is refused at that rule (mutation).
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, formatDiagnostic, readBundle, type PolicyInput } from '../../compiler/index.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import { parseModule, type Module, type Rule } from '../../compiler/rego/index.ts';
import { checkModuleScoping, checkScoping, guardedSets, scopeExpectations, unusedPolicyRules, type ScopeExpectation } from '../../compiler/extract/scope-check.ts';
import type { ExtractedPolicy } from '../../compiler/extract/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURES = 'test/fixtures/scoping';
const MODULE = 'leash/policies/scoped_refunds.rego';

let text = '';
let module: Module;
let expected: ScopeExpectation;

beforeAll(async () => {
  const printed = await compile([FIXTURES], { root: ROOT, dumpAfter: 'print' });
  expect(printed.diagnostics.map(formatDiagnostic)).toEqual([]);
  text = String(printed.files.find((f) => f.path === MODULE)!.content);
  module = parseModule(text, MODULE).module!;
  const extracted = await compile([FIXTURES], { root: ROOT, dumpAfter: 'extract' });
  const policies = JSON.parse(extracted.dump!) as ExtractedPolicy[];
  expected = scopeExpectations(policies.map((p) => p.model)).find((e) => e.policy === 'scoped-refunds')!;
}, 60_000);

/** The printed rule that starts with `head`, up to its closing brace. */
const block = (head: string): string => {
  const at = text.indexOf(`\n${head}`);
  expect(at, head).toBeGreaterThanOrEqual(0);
  return text.slice(at + 1, text.indexOf('\n}\n', at) + 2);
};

describe('the generated Rego carries the guard of every rule kind', () => {
  const cases: [kind: string, head: string, guard: string][] = [
    ['route match', 'refunds_params := ', '\tapplies\n'],
    ['matched access', 'matched_access contains "write"', '\trefunds_params\n'],
    ['candidate', 'candidates contains "refunds.write"', '\trefunds_params\n'],
    ['allow (grant)', 'grants contains "refunds.write"', '\t"refunds.write" in candidates\n'],
    ['refusal reason, computed', 'refusal_reasons contains refunds_write_reason', '\t"refunds.write" in candidates\n'],
    ['refusal reason, fixed', 'refusal_reasons contains "invoices of the task customer only"', '\t"invoices.read" in candidates\n'],
    ['route deny whose condition ignores params', 'denials contains "refunds.tooLarge"', '\trefunds_params\n'],
    ['policy deny', 'denials contains "scoped-refunds.dryRun"', '\tapplies\n'],
    ['route deny left undecided by missing data', 'undecided contains "refunds.tooLarge"', '\trefunds_params\n'],
    ['policy deny left undecided by missing data', 'undecided contains "scoped-refunds.dryRun"', '\tapplies\n'],
    ['matched resource', 'matched_resources contains "scoped-refunds/refunds"', '\trefunds_params\n'],
    ['deny reason, fixed', 'deny_reasons contains "refunds over 100 are not allowed"', '\t"refunds.tooLarge" in denials\n'],
    ['deny reason, computed', 'deny_reasons contains refunds_wrong_currency_reason', '\t"refunds.wrongCurrency" in denials\n'],
    ['route limit with computed cost', 'limit_entries contains refunds_write_limit_1', '\t"refunds.write" in grants\n'],
    ['route limit that cannot be counted', 'broken_limits contains "refunds/session"', '\t"refunds.write" in grants\n'],
    ['policy limit with computed cost', 'limit_entries contains policy_write_limit_1', '\tcount(grants) > 0\n'],
    ['policy limit that cannot be counted', 'broken_limits contains "scoped-refunds.read/session"', '\tcount(grants) > 0\n'],
  ];
  it.each(cases)('%s', (_kind, head, guard) => {
    expect(block(head)).toContain(guard);
  });

  it('priority sets are name-only and exempt; every other unioned set is proven', () => {
    expect(text).toContain('explicit_high contains "invoices.read"');
    expect(text).toContain('explicit_normal contains "refunds.write"');
    expect(guardedSets()).not.toContain('explicit_high');
    expect(guardedSets()).toEqual(expect.arrayContaining(['matched_access', 'candidates', 'grants', 'denials', 'deny_reasons', 'refusal_reasons', 'limit_entries', 'broken_limits']));
    expect(checkModuleScoping(module, expected)).toEqual([]);
  });
});

describe('a module with one guard removed is refused at that rule', () => {
  /** The module with `drop` removed from the body of the first rule whose printed head starts with `head`. */
  const mutate = (head: string, drop: string): { m: Module; rule: Rule } => {
    const line = text.slice(0, text.indexOf(`\n${head}`) + 1).split('\n').length;
    const target = module.rules.find((r) => r.loc.line === line)!;
    expect(target, head).toBeDefined();
    const body = target.body.filter((e) => !(e.node.kind === 'Var' && e.node.name === drop) && !(e.node.kind === 'Call' && e.node.args[0]?.kind === 'String' && e.node.args[0].value === drop));
    expect(body.length, `${head} has ${drop}`).toBe(target.body.length - 1);
    const rule = { ...target, body };
    return { m: { ...module, rules: module.rules.map((r) => (r === target ? rule : r)) }, rule };
  };
  const cases: [head: string, drop: string, says: RegExp][] = [
    ['denials contains "refunds.tooLarge"', 'refunds_params', /denials contains "refunds\.tooLarge" of policy scoped-refunds is not guarded by the policy's applies/],
    ['denials contains "scoped-refunds.dryRun"', 'applies', /denials contains "scoped-refunds\.dryRun" .*not guarded by the policy's applies/],
    ['broken_limits contains "refunds/session"', 'refunds.write', /broken_limits contains "refunds\/session" .*not guarded by the policy's applies/],
    ['deny_reasons contains "refunds over 100 are not allowed"', 'refunds.tooLarge', /deny_reasons contains "refunds over 100 are not allowed" .*not guarded/],
    ['refunds_params := ', 'applies', /route match refunds_params of policy scoped-refunds is not guarded by applies/],
  ];
  it.each(cases)('%s without %s', (head, drop, says) => {
    const { m, rule } = mutate(head, drop);
    const ds = checkModuleScoping(m, expected);
    expect(ds.length).toBeGreaterThan(0);
    const d = ds.find((x) => x.loc?.line === rule.loc.line);
    expect(d, ds.map(formatDiagnostic).join('\n')).toBeDefined();
    expect(d!.code).toBe('leash_scope_error');
    expect(d!.loc).toEqual({ file: MODULE, line: rule.loc.line, col: 1 });
    expect(d!.message).toMatch(says);
    expect(d!.message).toMatch(/^internal compiler error: /);
  });

  it('a route rule guarded by another route of its policy is refused', () => {
    const swapped = text.replace('denials contains "refunds.tooLarge" if {\n\trefunds_params', 'denials contains "refunds.tooLarge" if {\n\tinvoices_params');
    const m = parseModule(swapped, MODULE).module!;
    // The deny and its reason, which is true only through that deny.
    expect(checkModuleScoping(m, expected).map((d) => d.message)).toEqual([
      expect.stringMatching(/denials contains "refunds\.tooLarge" belongs to route refunds but is not guarded by its match refunds_params/),
      expect.stringMatching(/deny_reasons contains "refunds over 100 are not allowed" belongs to route refunds but is not guarded by its match refunds_params/),
    ]);
  });

  it('a route match that lost its method test is refused', () => {
    const m = parseModule(text.replace('\tinput.request.method == "POST"\n', ''), MODULE).module!;
    expect(checkModuleScoping(m, expected).map((d) => d.message)).toEqual([expect.stringMatching(/refunds_params stands for route refunds but it matches methods none, the route has POST/)]);
  });

  it('does not check hand-written modules, and the pipeline runs it as a named stage', async () => {
    const hand = parseModule('package leash.policies.scoped_refunds\n\ngrants contains "x" if { true }\n', 'hand.rego').module!;
    expect(checkScoping([], [])).toEqual([]);
    expect(checkScoping([hand], [expected]).map((d) => d.code)).toEqual(['leash_scope_error']);
    const r = await compile([FIXTURES, 'test/fixtures/scoping-hand'], { root: ROOT, dumpAfter: 'scope-check' });
    // not checked, but said: its package is no policy of the bundle, so its grant is never read
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      "test/fixtures/scoping-hand/extra.rego:4:1: warning: leash_rule_unused: grants in package leash.policies.handwritten takes no part in leash/decision: it combines only the packages of this bundle's policies (leash.policies.scoped_helper, leash.policies.scoped_refunds); put the rule in one of those packages, or write a policy for it",
    ]);
    expect(r.stoppedAfter).toBe('scope-check');
    expect(JSON.parse(r.dump!)).toEqual([
      { file: 'leash/policies/scoped_helper.rego', package: 'leash.policies.scoped_helper', proven: 'every rule guarded by applies and its route' },
      { file: 'leash/policies/scoped_refunds.rego', package: 'leash.policies.scoped_refunds', proven: 'every rule guarded by applies and its route' },
    ]);
  }, 60_000);
});

describe('compiled to wasm, no rule of a policy fires outside its agents and routes', () => {
  const SETS = guardedSets();
  let evaluate: (i: PolicyInput, entrypoint: string) => unknown;
  beforeAll(async () => {
    const r = await compile([FIXTURES], { root: ROOT, entrypoints: ['leash/decision', ...SETS.map((s) => `leash/policies/scoped_refunds/${s}`)] });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const bundle = await readBundle(r.bundle!);
    const policy = await loadPolicy(bundle.wasm!, undefined, hostBuiltins as never);
    policy.setData(bundle.data);
    evaluate = (i, e) => policy.evaluate(i, e)[0]?.result;
  }, 120_000);

  const input = (role: string, method: string, path: string, body: unknown, query: Record<string, string> = {}): PolicyInput => ({
    agent: { id: 'agent-1', session: 's-1', key: 'k-1', claims: { role, client_id: 'c-1', task: { customerId: 'C-1' } }, task: { customerId: 'C-1' } },
    request: { method, path, query, headers: {}, body },
    upstream: null,
    now: 0,
  });
  const hostile = [{ amount: 9_000_000, currency: 'USD' }, { amount: '60000' }, null, { currency: 'USD' }];
  const routes: [string, string][] = [['POST', '/customers/C-1/refunds'], ['GET', '/customers/C-1/invoices'], ['POST', '/customers/C-2/refunds'], ['PATCH', '/customers/C-1/refunds'], ['GET', '/x']];

  it('for an agent the policy does not apply to, every set of the policy is empty and the other policy decides', () => {
    for (const [method, path] of routes) {
      for (const body of hostile) {
        const i = input('helper', method, path, body, { dryRun: '1' });
        for (const s of SETS) expect(evaluate(i, `leash/policies/scoped_refunds/${s}`), `${s} ${method} ${path}`).toEqual([]);
      }
    }
    const d = evaluate(input('helper', 'POST', '/customers/C-1/refunds', hostile[0], { dryRun: '1' }), 'leash/decision') as Record<string, unknown>;
    expect(d).toMatchObject({ allow: true, rule: 'helperRefunds.write', reasons: [] });
    expect((d['limits'] as { id: string }[]).map((l) => l.id)).toEqual(['scoped-helper.write/session', 'scoped-helper.write/session/60s']);
  });

  it('for its own agents, a route rule fires only on that route; policy-wide denies on every route', () => {
    const off = input('refunder', 'GET', '/customers/C-1/invoices', hostile[0], { dryRun: '1' });
    expect(evaluate(off, 'leash/policies/scoped_refunds/denials')).toEqual(['scoped-refunds.dryRun']);
    expect(evaluate(off, 'leash/policies/scoped_refunds/candidates')).toEqual(['invoices.read']);
    expect(evaluate(off, 'leash/policies/scoped_refunds/deny_reasons')).toEqual(['dry runs are not allowed']);
    const limitIds = (evaluate(off, 'leash/policies/scoped_refunds/limit_entries') as { id: string }[]).map((l) => l.id);
    expect(limitIds).toEqual(['scoped-refunds.read/session']);
    // off every route, only the policy-wide deny applies: decided when its field is there...
    const wrongMethod = input('refunder', 'PATCH', '/customers/C-1/refunds', hostile[0], { dryRun: '0' });
    for (const s of SETS) expect(evaluate(wrongMethod, `leash/policies/scoped_refunds/${s}`), s).toEqual([]);
    // ...and undecided (so denying) when it is absent
    const noQuery = input('refunder', 'PATCH', '/customers/C-1/refunds', hostile[0]);
    for (const s of SETS) expect(evaluate(noQuery, `leash/policies/scoped_refunds/${s}`), s).toEqual(s === 'undecided' ? ['scoped-refunds.dryRun'] : []);
    const on = input('refunder', 'POST', '/customers/C-1/refunds', hostile[0]);
    expect(evaluate(on, 'leash/policies/scoped_refunds/denials')).toEqual(['refunds.tooLarge', 'refunds.wrongCurrency']);
    expect(evaluate(on, 'leash/decision')).toMatchObject({ allow: false, rule: 'refunds.tooLarge' });
  });
});

describe('the decision reads a policy\'s sets only when the policy applies', () => {
  // A hand-written module may add to a generated policy's package. Its rules are not proven
  // (scope-check leaves hand-written Rego alone), so the decision's own guard is what keeps
  // an unconditional grant there to that policy's agents.
  let decide: (role: string, path: string) => Record<string, unknown>;
  beforeAll(async () => {
    const r = await compile([FIXTURES, 'test/fixtures/scoping-hand-grant'], { root: ROOT });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const bundle = await readBundle(r.bundle!);
    const policy = await loadPolicy(bundle.wasm!, undefined, hostBuiltins as never);
    policy.setData(bundle.data);
    decide = (role, path) => policy.evaluate({ agent: { id: 'a', session: 's-1', key: 'k', claims: { role, client_id: 'c', task: { customerId: 'C-1' } }, task: { customerId: 'C-1' } }, request: { method: 'GET', path, query: { dryRun: '0' }, headers: {}, body: null }, upstream: null, now: 0 }, 'leash/decision')[0]?.result as Record<string, unknown>;
  }, 120_000);

  it('grants the policy\'s own agents, and nobody else', () => {
    expect(decide('refunder', '/open')).toMatchObject({ allow: true, rule: 'invoices.read' });
    expect(decide('helper', '/open')).toMatchObject({ allow: false, rule: null });
    expect(decide('nobody', '/open')).toMatchObject({ allow: false, rule: null, reasons: ['no policy applies to agent a'] });
  });
});

describe('hand-written rules the decision never reads', () => {
  const parse = (text: string) => parseModule(text, 'hand.rego').module!;
  it('are said for a decision set in a package no policy owns, and only then', () => {
    const stray = parse('package leash.policies.custom\n\ndenials contains "no-bulk" if { input.request.path == "/bulk" }\n\nhelper := 1\n');
    const own = parse('package leash.policies.scoped_refunds\n\ngrants contains "x" if { false }\n');
    const deeper = parse('package leash.policies.custom.lib\n\ngrants contains "x" if { false }\n');
    const main = parse('package leash\n\nextra := 1\n');
    const found = unusedPolicyRules([stray, own, deeper, main], [expected]);
    expect(found.map((d) => [d.code, d.severity, d.loc?.line, d.message.slice(0, 60)])).toEqual([
      ['leash_rule_unused', 'warning', 3, 'denials in package leash.policies.custom takes no part in le'],
    ]);
    // Rego alone (no .policy.ts) has no leash/decision to take part in
    expect(unusedPolicyRules([stray], [])).toEqual([]);
  });
});
