// The scoping proof over generated policy modules (`leash.policies.*`): every rule that adds
// to a set the decision module unions must be guarded by its policy's `applies` rule, and
// every rule that belongs to a route by that route's match rule (method, upstream, path),
// whatever its condition reads. The lowering builds rules that way; this stage proves it on
// the Rego we ship, so a lowering bug is an internal compiler error at the rule, never a
// rule of one policy firing for another policy's agents or on another route.
//
// The proof is a small fixpoint over the module: what a rule's body (or head) can only be
// true under. A body establishes the facts of every rule it references outside `not`, of
// the entries of a set it tests (`"r" in grants`: those entries' facts), and of every entry
// of a set it counts (`count(grants) > 0`). A rule's facts are its own name plus what all of
// its definitions share.
import { error, warning, type Diagnostic } from '../diagnostics/index.ts';
import { MEMBER_2, type Body, type Expr, type Module, type Rule, type Term } from '../rego/ast.ts';
import { regoName, type PolicyModel } from '../dsl/model.ts';
import type { RouteSegment } from '../dsl/route.ts';
import { POLICY_SETS } from './lower-main.ts';

/**
 * Sets exempt from the proof: they hold rule names only (priority and class metadata), and the
 * decision module reads them only as `r in explicit_high` for an `r` taken from grants or denials,
 * which are proven guarded. An entry there cannot make anything fire on its own.
 */
export const NAME_ONLY_SETS: ReadonlySet<string> = new Set(['explicit_high', 'explicit_normal', 'scope_denies']);

/** The sets proven guarded: every set the decision module unions, save the name-only ones. */
export const guardedSets = (): readonly string[] => POLICY_SETS.filter((s) => !NAME_ONLY_SETS.has(s));

/** What the DSL says about one route: how to recognise its match rule and which rules are its. */
export interface ScopeRoute {
  readonly name: string;
  readonly upstream: string | null;
  readonly methods: readonly string[];
  readonly segments: readonly RouteSegment[];
  /** DSL rule names (allows and denies) that belong to this route */
  readonly rules: readonly string[];
}

export interface ScopeExpectation {
  readonly policy: string;
  /** package path, e.g. ['leash', 'policies', 'support_agent'] */
  readonly package: readonly string[];
  /** in declaration order, which is the order of their match rules in the module */
  readonly routes: readonly ScopeRoute[];
}

export function scopeExpectations(models: readonly PolicyModel<unknown>[]): ScopeExpectation[] {
  return models.map((m) => ({
    policy: m.name,
    package: ['leash', 'policies', regoName(m.name)],
    routes: m.routes.map((r) => ({
      name: r.name, upstream: r.upstream, methods: r.methods, segments: r.segments,
      rules: [...r.allows.map((a) => a.rule), ...r.denies.map((d) => d.rule)],
    })),
  }));
}

/** Facts a body can only be true under; ALL for a body that can never be true. */
type Facts = ReadonlySet<string> | 'ALL';
const ALL = 'ALL' as const;
const union = (a: Facts, b: Facts): Facts => (a === ALL || b === ALL ? ALL : new Set([...a, ...b]));
const intersect = (xs: readonly Facts[]): Facts => {
  let out: Facts = ALL;
  for (const x of xs) {
    if (x === ALL) continue;
    const prev: Facts = out;
    const keep: ReadonlySet<string> = x;
    out = prev === ALL ? x : new Set([...prev].filter((f: string) => keep.has(f)));
  }
  return out;
};
const has = (f: Facts, name: string): boolean => f === ALL || f.has(name);

/** The simple name of a rule (`p`, not `a.b.p`), or null. */
const ruleName = (r: Rule): string | null => (r.head.ref.path.length === 0 && r.head.ref.head.kind === 'Var' ? r.head.ref.head.name : null);

const isRef = (t: Term, path: readonly string[]): boolean =>
  t.kind === 'Ref' && t.head.kind === 'Var' && t.head.name === path[0] && t.path.length === path.length - 1
  && t.path.every((p, i) => p.kind === 'String' && p.value === path[i + 1]);

const describe = (r: Rule): string => {
  const name = ruleName(r) ?? 'rule';
  const k = r.head.key;
  return k?.kind === 'String' ? `${name} contains ${JSON.stringify(k.value)}` : k?.kind === 'Var' ? `${name} contains ${k.name}` : name;
};

class ModuleFacts {
  private readonly defs = new Map<string, Rule[]>();
  private readonly memo = new Map<string, Facts>();
  private readonly busy = new Set<string>();

  constructor(readonly module: Module) {
    for (const r of module.rules) {
      const n = ruleName(r);
      if (n !== null) this.defs.set(n, [...(this.defs.get(n) ?? []), r]);
    }
  }

  rules(name: string): readonly Rule[] { return this.defs.get(name) ?? []; }
  isSet(name: string): boolean { return this.rules(name).some((r) => r.head.key !== undefined); }

  /** Facts of a complete rule or function: its name plus what every definition shares. */
  ofRule(name: string): Facts {
    const known = this.memo.get(name);
    if (known !== undefined) return known;
    // Recursion is rejected by check-rego before this stage; a cycle here proves nothing.
    if (this.busy.has(name)) return new Set();
    this.busy.add(name);
    const alts = this.rules(name).map((r) => (r.isDefault && !(r.head.value?.kind === 'Boolean' && !r.head.value.value) ? new Set<string>() : this.ofDefinition(r)));
    this.busy.delete(name);
    const out = union(new Set([name]), intersect(alts));
    this.memo.set(name, out);
    return out;
  }

  /** Facts of one definition: the head's references and the body, shared with every `else`. */
  ofDefinition(r: Rule): Facts {
    const locals = new Set<string>();
    for (const a of r.head.args ?? []) this.collectVars(a, locals);
    const head = [r.head.key, r.head.value].filter((t): t is Term => t !== undefined);
    const main = union(this.ofBody(r.body, locals), this.ofTerms(head, locals));
    if (r.elses.length === 0) return main;
    return intersect([main, ...r.elses.map((e) => union(this.ofBody(e.body, locals), this.ofTerms(e.value ? [e.value] : [], locals)))]);
  }

  /** Facts of the entries of set `name` that may have key `key` (all entries when key is null). */
  ofSetEntries(name: string, key: string | null): Facts {
    const entries = this.rules(name).filter((r) => key === null || r.head.key?.kind !== 'String' || r.head.key.value === key);
    return intersect(entries.map((r) => this.ofDefinition(r)));
  }

  private ofBody(body: Body, locals: Set<string>): Facts {
    let out: Facts = new Set();
    for (const e of body) {
      out = union(out, this.ofExpr(e, locals));
      if (e.node.kind === 'Call' && e.node.operator === 'assign') this.collectVars(e.node.args[0]!, locals);
    }
    return out;
  }

  private ofExpr(e: Expr, locals: Set<string>): Facts {
    // `not` proves nothing; neither does an expression evaluated under `with` (other input).
    if (e.negated || e.with.length > 0) return new Set();
    const n = e.node;
    if (n.kind === 'SomeVars') return new Set();
    if (n.kind === 'SomeIn') return this.ofTerms([n.collection], locals);
    if (n.kind === 'Every') return this.ofTerms([n.domain], locals);
    let out = this.ofTerms([n], locals);
    if (n.kind === 'Call') {
      const [a, b] = n.args;
      // "r" in S: true only through an entry of S keyed "r".
      if (n.operator === MEMBER_2 && a?.kind === 'String' && b?.kind === 'Var' && !locals.has(b.name) && this.isSet(b.name)) {
        out = union(out, this.ofSetEntries(b.name, a.value));
      }
      // count(S) > 0 (or != 0): true only through some entry of S.
      if ((n.operator === 'gt' || n.operator === 'neq') && a?.kind === 'Call' && a.operator === 'count' && b?.kind === 'Number' && Number(b.text) === 0) {
        const s = a.args[0];
        if (s?.kind === 'Var' && !locals.has(s.name) && this.isSet(s.name)) out = union(out, this.ofSetEntries(s.name, null));
      }
    }
    return out;
  }

  /** References to complete rules and calls of functions, outside comprehensions (always defined). */
  private ofTerms(terms: readonly Term[], locals: ReadonlySet<string>): Facts {
    let out: Facts = new Set();
    const visit = (t: Term): void => {
      switch (t.kind) {
        case 'Var':
          if (!locals.has(t.name) && this.defs.has(t.name) && !this.isSet(t.name)) out = union(out, this.ofRule(t.name));
          return;
        case 'Ref': visit(t.head); t.path.forEach(visit); return;
        case 'Array': case 'Set': t.items.forEach(visit); return;
        case 'Object': for (const [k, v] of t.entries) { visit(k); visit(v); } return;
        case 'Call':
          if (this.defs.has(t.operator)) out = union(out, this.ofRule(t.operator));
          t.args.forEach(visit);
          return;
        default: return;
      }
    };
    terms.forEach(visit);
    return out;
  }

  private collectVars(t: Term, into: Set<string>): void {
    if (t.kind === 'Var') into.add(t.name);
    else if (t.kind === 'Array') t.items.forEach((x) => this.collectVars(x, into));
    else if (t.kind === 'Object') t.entries.forEach(([, v]) => this.collectVars(v, into));
  }
}

/** Rules that match a request's route: their body reads the method and splits the path. */
function routeMatchRules(m: Module): Rule[] {
  return m.rules.filter((r) => r.head.key === undefined && !r.head.args && ruleName(r) !== null && r.body.some((e) => !e.negated
    && e.node.kind === 'Call' && e.node.operator === 'assign' && e.node.args[1]?.kind === 'Call' && e.node.args[1].operator === 'split'
    && isRef(e.node.args[1].args[0]!, ['input', 'request', 'path'])));
}

/** Why a match rule does not match exactly the route it stands for, or null when it does. */
function routeMismatch(r: Rule, route: ScopeRoute): string | null {
  const methods = new Set<string>();
  let upstream: string | null | undefined;
  let count: number | undefined;
  const literals = new Map<number, string>();
  for (const e of r.body) {
    if (e.negated || e.node.kind !== 'Call') continue;
    const [a, b] = e.node.args;
    if (!a || !b) continue;
    if (isRef(a, ['input', 'request', 'method'])) {
      if (e.node.operator === 'equal' && b.kind === 'String') methods.add(b.value);
      if (e.node.operator === MEMBER_2 && b.kind === 'Array') for (const x of b.items) if (x.kind === 'String') methods.add(x.value);
    }
    if (e.node.operator === 'equal' && isRef(a, ['input', 'upstream'])) upstream = b.kind === 'Null' ? null : b.kind === 'String' ? b.value : undefined;
    if (e.node.operator === 'equal' && a.kind === 'Call' && a.operator === 'count' && b.kind === 'Number') count = Number(b.text);
    if (e.node.operator === 'equal' && a.kind === 'Ref' && a.path.length === 1 && a.path[0]!.kind === 'Number' && b.kind === 'String') literals.set(Number(a.path[0]!.text), b.value);
  }
  const want = [...route.methods].sort().join(',');
  if ([...methods].sort().join(',') !== want) return `it matches methods ${[...methods].sort().join(',') || 'none'}, the route has ${want}`;
  if (upstream !== route.upstream) return `it matches upstream ${String(upstream)}, the route has ${String(route.upstream)}`;
  if (count !== route.segments.length + 1) return `it matches paths of ${String(count === undefined ? 'any' : count - 1)} segments, the route has ${route.segments.length}`;
  for (const [i, seg] of route.segments.entries()) {
    if (seg.kind === 'literal' && literals.get(i + 1) !== seg.value) return `it does not compare segment ${i + 1} with '${seg.value}'`;
  }
  return null;
}

const internal = (r: Rule, what: string): Diagnostic =>
  error('leash_scope_error', `internal compiler error: ${what}; the bundle is refused (please report this)`, r.loc);

/** Check one generated policy module against what its DSL source says. */
export function checkModuleScoping(m: Module, expected: ScopeExpectation): Diagnostic[] {
  const out: Diagnostic[] = [];
  const facts = new ModuleFacts(m);
  const applies = facts.rules('applies');
  if (applies.length === 0) return [error('leash_scope_error', `internal compiler error: policy module ${m.package.path.join('.')} has no applies rule`, m.loc)];
  for (const r of applies) {
    if (r.isDefault || r.head.key !== undefined || (r.head.value !== undefined && !(r.head.value.kind === 'Boolean' && r.head.value.value))) {
      out.push(internal(r, `applies of policy ${expected.policy} must be a plain true-valued rule`));
    }
  }
  const matches = routeMatchRules(m);
  if (matches.length !== expected.routes.length) {
    return [...out, error('leash_scope_error', `internal compiler error: policy module ${m.package.path.join('.')} has ${matches.length} route match rules for ${expected.routes.length} routes`, m.loc)];
  }
  const routeOfRule = new Map<string, { route: ScopeRoute; match: string }>();
  expected.routes.forEach((route, i) => {
    const rule = matches[i]!;
    const name = ruleName(rule)!;
    const why = routeMismatch(rule, route);
    if (why !== null) out.push(internal(rule, `${name} stands for route ${route.name} but ${why}`));
    if (!has(facts.ofRule(name), 'applies')) out.push(internal(rule, `route match ${name} of policy ${expected.policy} is not guarded by applies`));
    for (const dsl of route.rules) routeOfRule.set(dsl, { route, match: name });
  });
  const matchNames = new Set(matches.map((r) => ruleName(r)!));

  const sets = new Set(guardedSets());
  for (const r of m.rules) {
    const name = ruleName(r);
    if (name === null || !sets.has(name)) continue;
    const f = facts.ofDefinition(r);
    if (!has(f, 'applies')) {
      out.push(internal(r, `${describe(r)} of policy ${expected.policy} is not guarded by the policy's applies (appliesTo)`));
      continue;
    }
    // Which routes the rule is about: the DSL rules it names, in its head or in `"r" in S` tests.
    const owners = new Set<{ route: ScopeRoute; match: string }>();
    const named = (s: string): void => { const o = routeOfRule.get(s); if (o) owners.add(o); };
    if (r.head.key?.kind === 'String') named(r.head.key.value);
    for (const e of r.body) {
      if (!e.negated && e.node.kind === 'Call' && e.node.operator === MEMBER_2 && e.node.args[0]?.kind === 'String') named(e.node.args[0].value);
    }
    for (const o of owners) {
      if (!has(f, o.match)) out.push(internal(r, `${describe(r)} belongs to route ${o.route.name} but is not guarded by its match ${o.match}`));
    }
    // A matched access kind is route-level by definition, whichever route.
    if (name === 'matched_access' && owners.size === 0 && f !== ALL && ![...matchNames].some((n) => f.has(n))) {
      out.push(internal(r, `${describe(r)} of policy ${expected.policy} is not guarded by any route match`));
    }
  }
  return out;
}

/**
 * The stage: every generated `leash.policies.*` module against its policy's expectation.
 * Pass generated modules only; hand-written Rego is the author's and is not checked here.
 */
export function checkScoping(generated: readonly Module[], expected: readonly ScopeExpectation[]): Diagnostic[] {
  const byPackage = new Map(expected.map((e) => [e.package.join('.'), e]));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const m of generated) {
    const pkg = m.package.path.join('.');
    if (m.package.path[0] !== 'leash' || m.package.path[1] !== 'policies') continue;
    const e = byPackage.get(pkg);
    if (!e) { out.push(error('leash_scope_error', `internal compiler error: generated module ${pkg} belongs to no policy`, m.loc)); continue; }
    seen.add(pkg);
    out.push(...checkModuleScoping(m, e));
  }
  for (const e of expected) {
    if (!seen.has(e.package.join('.'))) out.push(error('leash_scope_error', `internal compiler error: policy ${e.policy} has no generated module ${e.package.join('.')}`));
  }
  return out;
}

/**
 * Hand-written rules that look like part of a policy but are not: a rule named like one of the
 * decision's sets (`grants`, `denials`, …) in a `leash.policies.<name>` package that no
 * .policy.ts defines is never read by leash/decision, which combines the packages of the
 * bundle's policies only. A deny written there would silently deny nothing, so it is said.
 */
export function unusedPolicyRules(handWritten: readonly Module[], expected: readonly ScopeExpectation[]): Diagnostic[] {
  if (expected.length === 0) return []; // no policies: no leash/decision to take part in
  const policies = new Set(expected.map((e) => e.package.join('.')));
  const sets: ReadonlySet<string> = new Set(POLICY_SETS);
  const out: Diagnostic[] = [];
  for (const m of handWritten) {
    const pkg = m.package.path.join('.');
    if (m.package.path.length !== 3 || m.package.path[0] !== 'leash' || m.package.path[1] !== 'policies' || policies.has(pkg)) continue;
    for (const r of m.rules) {
      const name = ruleName(r);
      if (name === null || !sets.has(name)) continue;
      out.push(warning('leash_rule_unused', `${name} in package ${pkg} takes no part in leash/decision: it combines only the packages of this bundle's policies (${[...policies].sort().join(', ')}); put the rule in one of those packages, or write a policy for it`, r.loc));
    }
  }
  return out;
}
