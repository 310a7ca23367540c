// Every supported TypeScript construct is translated (checked on the Rego text, and by
// running the compiled wasm against the plain-JS reference on sample requests); every
// unsupported one is rejected at its exact file:line:col with advice on what to write.
import { beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, evaluateReference, formatDiagnostic, readBundle, type PolicyInput } from '../../compiler/index.ts';
import { extractPolicies, lowerPolicies } from '../../compiler/extract/index.ts';
import { printModule } from '../../compiler/rego/index.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import constructs from '../fixtures/dsl/constructs.policy.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = 'test/fixtures/dsl/constructs.policy.ts';

/** The body lines of `denials contains "items.<name>"` and of the helpers it calls. */
function ruleText(rego: string, name: string): string {
  const blocks = rego.split('\n\n');
  const main = blocks.find((b) => b.includes(`denials contains "items.${name}" if {`)) ?? '';
  const helpers = [...main.matchAll(/(items_[a-z_]+)\(/g)].map((m) => m[1]!);
  return [main, ...blocks.filter((b) => helpers.some((h) => b.split('\n').some((l) => l.startsWith(`${h}(`))))].join('\n');
}

describe('supported constructs', () => {
  let rego = '';
  beforeAll(() => {
    const r = extractPolicies([FIXTURE], ROOT);
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    rego = printModule(lowerPolicies(r.policies).modules[1]!.module);
  });

  const expected: Record<string, readonly string[]> = {
    strictEqual: ['params.id == input.agent.task.project'],
    notEqual: ['params.id != "x"'],
    less: ['input.agent.claims.level < 2'],
    lessEq: ['input.agent.claims.level <= 2'],
    greater: ['input.agent.claims.level > 7'],
    greaterEq: ['input.agent.claims.level >= 7'],
    and: ['input.agent.claims.level > 1\n\tparams.id == "1"'],
    or: ['input.agent.claims.level > 8\n}', 'input.agent.claims.level <= 8\n\tparams.id == "2"'],
    not: ['params.id != "3"'],
    conditional: ['input.agent.claims.level > 4\n\tparams.id == "4"', 'input.agent.claims.level <= 4\n\tparams.id == "5"'],
    arithmetic: ['input.agent.claims.level * 2 + 1 - input.agent.task.quota / 2 > 10', 'input.agent.task.quota % 2 == 0'],
    template: ['concat("", [params.id, ":", input.agent.claims.email]) == "z:t@x.io"'],
    startsWith: ['startswith(input.agent.claims.email, "admin")'],
    endsWith: ['endswith(input.agent.claims.email, "@corp.example")'],
    stringIncludes: ['contains(input.agent.claims.email, "+")'],
    lowerUpper: ['lower(input.agent.claims.email) == "a@b.c"', 'upper(input.agent.claims.email) == "X@Y.Z"'],
    arrayIncludes: ['"eu" in input.agent.claims.regions'],
    arraySome: ['some r in input.agent.claims.regions\n\tstartswith(r, "us-")'],
    arrayEvery: ['not items_array_every_any(params, tmp1)', 'some r in r_list\n\tr == ""', 'r != ""\n\tr == "cn"'],
    notSome: ['not items_not_some_any(params, tmp1)', 'some r in r_list\n\tr == "eu"'],
    inOperator: ['object.get(input.request.query, "debug", null) == object.get(input.request.query, "debug", false)'],
    optionalChain: ['input.agent.task.owner.name == "ann"'],
    notOptionalChain: ['input.agent.task.owner.name != "ann"', 'input.agent.task.owner == null'],
    indexAccess: ['input.agent.claims.regions[0] == "eu"', 'input.request.headers["x-mode"] == "bulk"'],
    constants: ['input.agent.task.project in ["alpha", "beta"]'],
    namedPredicate: ['input.agent.claims.flags.beta == true\n\tinput.agent.claims.level >= 5'],
    booleanClaim: ['input.agent.claims.flags.beta == false'],
    numberOfBody: ['to_number(input.request.body.amount) > 100'],
    // the negation is the opposite comparison, which fails (as the reference does) when to_number is undefined
    notNumberOfBody: ['to_number(input.request.body.amount) <= 100'],
    arrayLength: ['count(input.agent.claims.regions) >= 3'],
  };

  for (const [name, snippets] of Object.entries(expected)) {
    it(`translates ${name}`, () => {
      const text = ruleText(rego, name);
      expect(text).not.toBe('');
      for (const s of snippets) expect(text).toContain(s);
    });
  }

  it('comments each rule with its source file:line', () => {
    expect(rego).toContain(`# items.strictEqual: deny (${FIXTURE}:28)`);
  });
});

describe('compiled wasm agrees with the plain-JS reference on every construct', () => {
  const base = { role: 'tester', level: 3, email: 't@x.io', regions: ['eu', 'us-east'], flags: { beta: false }, task: { project: 'alpha', quota: 4, owner: null } };
  const variants: Record<string, unknown>[] = [
    base,
    { ...base, level: 9, email: 'admin+1@corp.example', regions: ['us-west', 'cn'], flags: { beta: true }, task: { project: 'zeta', quota: 2, owner: { name: 'ann' } } },
    { ...base, level: 1, email: 'A@B.C', regions: [], task: { project: '1', quota: 3, owner: { name: 'bob' } } },
    { ...base, level: 7, email: 'x@y.z', regions: ['', 'ap'], flags: { beta: true }, task: { project: 'beta', quota: 0, owner: null } },
    { ...base, regions: ['eu'], task: { project: 'alpha' } },
    { role: 'tester' },
  ];
  const requests: Omit<PolicyInput['request'], 'method'>[] = [
    { path: '/items/1', query: {}, headers: {}, body: null },
    { path: '/items/z', query: { debug: '' }, headers: { 'x-mode': 'bulk' }, body: { amount: '250' } },
    { path: '/items/4', query: {}, headers: {}, body: { amount: 50 } },
    { path: '/items/secret', query: {}, headers: {}, body: 'text' },
    { path: '/items/alpha', query: {}, headers: {}, body: null },
    // toNumber: text, blanks, padding and hex have no number (JS Number would say NaN, 0, 12, 16)
    ...['abc', '', ' ', ' 12 ', '0x10', '1_0', '+250', '-.5', '1e3', true, null].map((amount) => ({ path: '/items/1', query: {}, headers: {}, body: { amount } })),
  ];
  const inputs: PolicyInput[] = variants.flatMap((claims) => requests.map((r) => ({
    agent: { id: 'a', session: 's', key: null, claims, task: (claims['task'] as Record<string, unknown>) ?? null },
    request: { method: 'GET', ...r },
    upstream: null,
    now: 0,
  })));

  it(`gives the same decision for ${inputs.length} requests`, async () => {
    const r = await compile([FIXTURE], { root: ROOT });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const bundle = await readBundle(r.bundle!);
    const policy = await loadPolicy(bundle.wasm!, undefined, hostBuiltins as never);
    policy.setData(bundle.data);
    let fired = 0;
    for (const i of inputs) {
      const wasm = policy.evaluate(i, 'leash/decision')[0]?.result;
      const ref = evaluateReference([constructs], i);
      fired += ref.reasons.length;
      expect({ input: i, decision: wasm }).toEqual({ input: i, decision: ref });
    }
    // The samples make many predicates hold, not just a few.
    expect(fired).toBeGreaterThan(60);
  });
});

describe('unsupported constructs', () => {
  it('are each rejected at their file:line:col with advice', () => {
    const file = 'test/fixtures/dsl/unsupported.policy.ts';
    const r = extractPolicies([file], ROOT);
    const got = r.diagnostics.map(formatDiagnostic);
    const expected = [
      [21, 58, "loose equality '==' converts types; write '===' instead"],
      [22, 47, '.test() is not supported (no regular expressions or rewriting); use startsWith, endsWith or includes'],
      [23, 64, '.match() is not supported'],
      [24, 39, 'Date.now() is not available in policies (no clocks, randomness or parsing)'],
      [25, 53, "'??' is not supported"],
      [26, 41, "'typeof' is not supported"],
      [27, 60, "'mutable' is not a const with a literal value"],
      [28, 47, "a string's .length counts UTF-16 units"],
      [29, 47, "'===' compares objects by identity in JavaScript but by value in Rego"],
      [30, 44, "cannot call 'Boolean' here"],
      [31, 46, 'a DSL function body must be a single expression'],
      [32, 58, '.replace() is not supported'],
      [33, 43, "cannot call 'Number' here: JavaScript's Number(x) is NaN for text such as 'abc' (so !(n > 1) holds) and 0 for '' or blanks, where Rego's to_number is undefined (so the predicate is false); use toNumber(x) from 'leash'"],
    ] as const;
    expect(got).toHaveLength(expected.length);
    expected.forEach(([line, col, text], i) => {
      expect(got[i]).toContain(`${file}:${line}:${col}: leash_dsl_unsupported: ${text}`);
    });
    expect(r.policies).toEqual([]);
  });
});
