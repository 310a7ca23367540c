// Checks a test file's cases against the compiled policies before anything runs: a case that
// names a rule or limit no policy has, a request that no route of its policy can match, or an
// outcome no request can have (allowed with a 403, a limit refusal that is not a 429) is a
// mistake in the test, reported as a coded diagnostic at the file:line:col where it is written.
import { error, type Diagnostic, type Loc } from '../../compiler/index.ts';
import type { Expectation, PolicyTestCase, PolicyTests, Step, TestRequest } from '../../compiler/dsl/index.ts';
import type { PolicyModel } from '../../compiler/dsl/model.ts';
import { ruleIds } from '../../compiler/dsl/model.ts';
import { matchRoute } from '../../compiler/dsl/route.ts';
import { defaultLimitsFor } from '../../server/limits/defaults.ts';
import { afterMs } from './run-case.ts';

export interface Suite {
  readonly file: string;
  readonly text: string;
  readonly tests: PolicyTests;
}

type Model = PolicyModel<unknown>;

/** Every limit a decision of these policies can name, with its max. */
export function limitsOf(models: readonly Model[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of models) {
    for (const l of [...m.limits.read, ...m.limits.write, ...m.routes.flatMap((r) => [...r.limits.read, ...r.limits.write])]) out.set(l.id, l.max);
  }
  for (const l of [...defaultLimitsFor('read', ''), ...defaultLimitsFor('write', '')]) if (!out.has(l.id)) out.set(l.id, l.max);
  return out;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Where things are written in the test file's text, found by searching it. */
function locator(file: string, text: string, cases: readonly PolicyTestCase<unknown>[]) {
  const posAt = (index: number): Loc => {
    const before = text.slice(0, index).split('\n');
    return { file, line: before.length, col: before[before.length - 1]!.length + 1 };
  };
  const top = Math.max(0, text.indexOf('policyTests('));
  // each case's region runs from its `name:` to the next case's
  const starts: number[] = [];
  let from = top;
  for (const c of cases) {
    const m = new RegExp(`name:\\s*(['"\`])${escape(c.name)}\\1`).exec(text.slice(from));
    const at = m ? from + m.index : -1;
    starts.push(at);
    if (at >= 0) from = at + 1;
  }
  const region = (i: number): [number, number] => {
    const start = starts[i]!;
    if (start < 0) return [top, text.length];
    const next = starts.slice(i + 1).find((s) => s > start);
    return [start, next ?? text.length];
  };
  return {
    /** the case itself, or the policyTests( call when its name is computed */
    caseLoc: (i: number): Loc => posAt(starts[i]! >= 0 ? starts[i]! : top),
    /** a string literal, or failing that a `field:`, inside case i; the case when neither is found */
    at: (i: number, field: string, literal?: string): Loc => {
      const [s, e] = region(i);
      const body = text.slice(s, e);
      const patterns = [
        ...(literal !== undefined ? [new RegExp(`(['"\`])${escape(literal)}\\1`)] : []),
        new RegExp(`\\b${escape(field)}\\s*:`),
      ];
      for (const p of patterns) {
        const m = p.exec(body);
        if (m) return posAt(s + m.index);
      }
      return posAt(starts[i]! >= 0 ? starts[i]! : top);
    },
  };
}

/** Where each case is written (its `name:`, or the policyTests( call when the name is computed). */
export function caseLocations(suite: Suite): Loc[] {
  const loc = locator(suite.file, suite.text, suite.tests.cases);
  return suite.tests.cases.map((_, i) => loc.caseLoc(i));
}

// a run must end: more repetitions than this are a mistake (or a test that wants `used`)
const MAX_TIMES = 10_000;

const pathOf = (r: TestRequest): string => r.path.split('?')[0]!;
// a spelling the canonicaliser refuses or rewrites: the route check would guess, so it stays out
const NON_CANONICAL = /[%\\;]|\/\/|\/\.\.?(\/|$)/;

/** An outcome no request can have, described; null when the expectation is consistent. */
function impossible(x: Expectation): string | null {
  if (x.allow) {
    if (x.status !== undefined && x.status !== 200) return `an allowed request answers 200, not ${x.status}`;
    if (x.code !== undefined) return `an allowed request has no denial code (expects code ${JSON.stringify(x.code)})`;
    if (x.limit !== undefined) return `a request refused by limit ${x.limit} is not allowed: expect { allow: false, status: 429, limit: ... }`;
  } else {
    if (x.status === 200) return 'a denied request does not answer 200';
  }
  if (x.limit !== undefined) {
    if (x.status !== undefined && x.status !== 429) return `a limit refusal answers 429, not ${x.status}`;
    if (x.code !== undefined && x.code !== 'rate_limited') return `a limit refusal has code rate_limited, not ${x.code}`;
  }
  if (x.code === 'rate_limited' && x.status !== undefined && x.status !== 429) return `code rate_limited answers 429, not ${x.status}`;
  if (x.status !== undefined && ![200, 400, 403, 429, 503].includes(x.status)) return `a decision answers 200, 400, 403, 429 or 503, never ${x.status}`;
  return null;
}

export function validateSuite(suite: Suite, models: readonly Model[]): Diagnostic[] {
  const { file, text, tests } = suite;
  const loc = locator(file, text, tests.cases);
  const out: Diagnostic[] = [];
  const model = models.find((m) => m.name === tests.policy?.name);
  if (!model) {
    out.push(error('leash_test_unknown_policy', `the policy under test (${JSON.stringify(tests.policy?.name)}) is not among the compiled policies; pass its folder to leash test`, loc.caseLoc(0)));
    return out;
  }
  const rules = new Set(models.flatMap((m) => ruleIds(m)));
  const limits = limitsOf(models);
  const seenNames = new Map<string, number>();

  tests.cases.forEach((c, i) => {
    const first = seenNames.get(c.name);
    if (first !== undefined) out.push(error('leash_test_duplicate_name', `a second case is named ${JSON.stringify(c.name)} (the first is case ${first + 1}); names identify cases in reports and --run`, loc.caseLoc(i)));
    else seenNames.set(c.name, i);

    for (const [id, units] of Object.entries(c.used ?? {})) {
      const max = limits.get(id);
      if (max === undefined) out.push(error('leash_test_unknown_limit', `used: no policy has a limit ${JSON.stringify(id)}; limits are ${[...limits.keys()].join(', ')}`, loc.at(i, 'used', id)));
      else if (!Number.isInteger(units) || units < 0 || units > max) out.push(error('leash_test_impossible', `used: ${id} allows ${max}, so its used units are a whole number from 0 to ${max}, not ${units}`, loc.at(i, 'used', id)));
    }

    const steps: readonly Step[] = 'steps' in c ? c.steps : [{ request: c.request, expect: c.expect }];
    for (const step of steps) {
      const x = step.expect;
      if (step.times !== undefined && (!Number.isInteger(step.times) || step.times < 1 || step.times > MAX_TIMES)) out.push(error('leash_test_impossible', `times must be a whole number from 1 to ${MAX_TIMES}, not ${step.times} (start from a limit state with used: { ... } instead of many requests)`, loc.at(i, 'times')));
      if (step.after !== undefined && afterMs(step.after) === null) out.push(error('leash_test_impossible', `after: ${JSON.stringify(step.after)} is not a duration such as '30s', '5m', '1h' or '1d'`, loc.at(i, 'after', step.after)));
      if (typeof x.rule === 'string' && !rules.has(x.rule)) out.push(error('leash_test_unknown_rule', `rule: no policy has a rule ${JSON.stringify(x.rule)}; rules are ${[...rules].join(', ')}`, loc.at(i, 'rule', x.rule)));
      if (x.limit !== undefined && !limits.has(x.limit)) out.push(error('leash_test_unknown_limit', `limit: no policy has a limit ${JSON.stringify(x.limit)}; limits are ${[...limits.keys()].join(', ')}`, loc.at(i, 'limit', x.limit)));
      const why = impossible(x);
      if (why) out.push(error('leash_test_impossible', `expect: ${why}`, loc.at(i, 'expect')));

      // a request that no route of the policy matches can only be denied with no rule
      const r = step.request;
      const path = pathOf(r);
      if (typeof path !== 'string' || NON_CANONICAL.test(r.path) || (x.allow === false && (x.rule === null || x.rule === undefined))) continue;
      const routes = model.routes.filter((rt) => rt.upstream === (r.upstream ?? null) && matchRoute(rt.segments, path) !== null);
      if (routes.length === 0) {
        out.push(error('leash_test_unknown_route', `${r.method} ${r.path}${r.upstream ? ` on upstream ${r.upstream}` : ''} matches no route of policy ${model.name} (${model.routes.map((rt) => `${rt.upstream ? `${rt.upstream} ` : ''}${rt.template}`).join(', ')}); a request nothing matches is denied: expect { allow: false, rule: null }`, loc.at(i, 'path', r.path)));
      } else if (x.allow && !routes.some((rt) => rt.methods.includes(r.method.toUpperCase() as never))) {
        out.push(error('leash_test_impossible', `${r.method} is not a method of ${routes.map((rt) => `${rt.template} (${rt.methods.join(', ')})`).join(', ')}, so it cannot be allowed`, loc.at(i, 'method', r.method)));
      }
    }
  });
  return out;
}
