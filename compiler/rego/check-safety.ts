// Variable safety, as OPA's compiler checks it: every variable must be bound by some
// positive expression (after reordering the body, as OPA does), comprehensions and `every`
// close over the safe variables around them, and rule heads may only use safe variables.
// Also the declaration rules of `:=`: no reassignment, no use before it, no shadowing of
// input/data. Reports rego_unsafe_var_error and rego_compile_error.
import { error, type Diagnostic } from '../diagnostics/index.ts';
import type { Body, Expr, Loc, Rule, Term } from './ast.ts';
import { lookupBuiltin } from './builtins.ts';
import type { ModuleScope, RuleIndex } from './rule-index.ts';
import { declaredIn, type VarSets, collectVars, allVars, type Closure, closuresOf, decomposeEq } from './vars.ts';
import { callName } from './parse-term.ts';

interface Mode { readonly needs: ReadonlyMap<string, Loc>; readonly gives: ReadonlyMap<string, Loc> }

export class SafetyChecker {
  private readonly freeMemo = new WeakMap<object, Map<string, Loc>>();
  constructor(
    private readonly scope: ModuleScope,
    private readonly index: RuleIndex,
    private readonly out: Diagnostic[],
  ) {}

  checkRule(rule: Rule): void {
    const args = new Map<string, Loc>();
    const isVarTop = (n: string): boolean => !this.scope.isGlobal(n);
    for (const a of rule.head.args ?? []) for (const [n, l] of allVars(collectVars(a, false, isVarTop))) args.set(n, l);
    for (const n of args.keys()) if (n === 'input' || n === 'data') this.out.push(error('rego_compile_error', `args must not shadow ${n} (use a different variable name)`, args.get(n)));
    const argLocals = new Set(args.keys());
    this.checkBranch(rule.body, argLocals, new Set(args.keys()), [rule.head.key, rule.head.value, ...rule.head.ref.path]);
    for (const e of rule.elses) this.checkBranch(e.body, argLocals, new Set(args.keys()), [e.value]);
  }

  /** One rule body with the head terms that must be safe after it. */
  private checkBranch(body: Body, outerLocals: ReadonlySet<string>, safe0: Set<string>, headTerms: readonly (Term | undefined)[]): void {
    const locals = this.localsOf(body, outerLocals, safe0);
    const safe = this.reportBody(body, safe0, locals);
    const isVar = this.isVarIn(locals);
    for (const t of headTerms) {
      if (!t) continue;
      const vs = collectVars(t, true, isVar);
      for (const [n, l] of vs.inputs) if (!safe.has(n)) this.unsafe(n, l);
      for (const c of closuresOf(t)) this.reportClosure(c, safe, locals);
    }
  }

  /** Names declared in `body` (plus outer locals), after checking the `:=` rules. */
  private localsOf(body: Body, outer: ReadonlySet<string>, declaredOuter: ReadonlySet<string>): Set<string> {
    const locals = new Set(outer);
    const assigned = new Set<string>(declaredOuter);
    const isVar = this.isVarIn(locals);
    const decls = body.map((e) => declaredIn(e, (n) => isVar(n) || true));
    // A name used before the `:=` that declares it refers to the later variable: an error.
    const firstUse = new Map<string, number>();
    body.forEach((e, i) => {
      for (const n of mentioned(e)) if (!firstUse.has(n)) firstUse.set(n, i);
    });
    decls.forEach((d, i) => {
      for (const [n, l] of d.assigned) {
        if (n === 'input' || n === 'data') this.out.push(error('rego_compile_error', `variables must not shadow ${n} (use a different variable name)`, l));
        else if (assigned.has(n)) this.out.push(error('rego_compile_error', `var ${n} assigned above`, l));
        else if ((firstUse.get(n) ?? i) < i) this.out.push(error('rego_compile_error', `var ${n} referenced above`, l));
        assigned.add(n);
        locals.add(n);
      }
      for (const n of d.declared.keys()) locals.add(n);
    });
    return locals;
  }

  private readonly isVarCache = new WeakMap<ReadonlySet<string>, (n: string) => boolean>();
  private isVarIn(locals: ReadonlySet<string>): (n: string) => boolean {
    let f = this.isVarCache.get(locals);
    if (!f) {
      f = (n) => locals.has(n) || !this.scope.isGlobal(n);
      this.isVarCache.set(locals, f);
    }
    return f;
  }

  /** Schedule a body as OPA reorders it; report what never becomes safe. Returns the safe set. */
  private reportBody(body: Body, safe0: ReadonlySet<string>, locals: ReadonlySet<string>): Set<string> {
    const { safe, stuck } = this.schedule(body, safe0, locals);
    const reported = new Set<string>();
    for (const modes of stuck) {
      const m = modes[0]!;
      for (const [n, l] of m.needs) {
        if (!safe.has(n) && !reported.has(n)) { reported.add(n); this.unsafe(n, l); }
      }
    }
    for (const e of body) {
      for (const c of closuresOfExpr(e)) this.reportClosure(c, safe, locals);
    }
    return safe;
  }

  private reportClosure(c: Closure, outerSafe: ReadonlySet<string>, outerLocals: ReadonlySet<string>): void {
    const bound = new Set(c.bound.keys());
    const locals = this.localsOf(c.body, new Set([...outerLocals, ...bound]), bound);
    const safe = this.reportBody(c.body, new Set([...outerSafe, ...bound]), locals);
    const isVar = this.isVarIn(locals);
    for (const t of c.heads) {
      const vs = collectVars(t, true, isVar);
      for (const [n, l] of vs.inputs) if (!safe.has(n)) this.unsafe(n, l);
      for (const inner of closuresOf(t)) this.reportClosure(inner, safe, locals);
    }
  }

  private unsafe(name: string, loc: Loc): void {
    const shown = name.startsWith('$wildcard') ? '_' : name;
    this.out.push(error('rego_unsafe_var_error', `var ${shown} is unsafe`, loc));
  }

  /**
   * Run every part whose needs are met, as OPA reorders a body, until nothing more can run.
   * Worklist form: each part waits on the variables it still misses, so a long body in
   * reverse dependency order stays linear. Binding only ever adds safe variables, so the
   * order parts run in does not change the result.
   */
  private schedule(body: Body, safe0: ReadonlySet<string>, locals: ReadonlySet<string>): { safe: Set<string>; stuck: Mode[][] } {
    const safe = new Set(safe0);
    const units = body.flatMap((e) => this.unitsOf(e, locals));
    const missing: number[][] = [];
    const waiting = new Map<string, [number, number][]>();
    const ready: number[] = [];
    units.forEach((modes, u) => {
      missing.push(modes.map((m, k) => {
        let count = 0;
        for (const n of m.needs.keys()) {
          if (safe.has(n)) continue;
          count++;
          const list = waiting.get(n);
          if (list) list.push([u, k]); else waiting.set(n, [[u, k]]);
        }
        return count;
      }));
      if (missing[u]!.includes(0)) ready.push(u);
    });
    const done = new Array<boolean>(units.length).fill(false);
    while (ready.length > 0) {
      const u = ready.pop()!;
      if (done[u]) continue;
      done[u] = true;
      const mode = units[u]![missing[u]!.indexOf(0)]!;
      for (const n of mode.gives.keys()) {
        if (safe.has(n)) continue;
        safe.add(n);
        for (const [w, k] of waiting.get(n) ?? []) {
          if (--missing[w]![k]! === 0 && !done[w]) ready.push(w);
        }
      }
    }
    return { safe, stuck: units.filter((_, u) => !done[u]) };
  }

  /**
   * The independently schedulable parts of an expression: one, except that a unification
   * of two arrays or objects (`[a, b] = [1, x]`) unifies element by element, in any order.
   */
  private unitsOf(e: Expr, locals: ReadonlySet<string>): Mode[][] {
    const n = e.node;
    if (!e.negated && n.kind === 'Call' && n.operator === 'eq' && n.args.length === 2) {
      const pairs = decomposeEq(n.args[0]!, n.args[1]!);
      if (pairs && pairs.length > 1) {
        return pairs.map(([a, b]) => this.modesOf({ ...e, node: { kind: 'Call', operator: 'eq', args: [a, b], loc: a.loc } }, locals));
      }
    }
    return [this.modesOf(e, locals)];
  }

  /** Variables a closure (comprehension or `every` body) needs from outside. */
  private freeVars(c: Closure, outerLocals: ReadonlySet<string>): Map<string, Loc> {
    const memo = this.freeMemo.get(c.node);
    if (memo) return memo;
    const bound = new Set(c.bound.keys());
    const locals = new Set([...outerLocals, ...bound]);
    for (const e of c.body) for (const n of declaredIn(e, () => true).declared.keys()) locals.add(n);
    for (const e of c.body) for (const n of declaredIn(e, () => true).assigned.keys()) locals.add(n);
    const isVar = this.isVarIn(locals);
    const modes = c.body.flatMap((e) => this.unitsOf(e, locals));
    const givable = new Set<string>(bound);
    for (const ms of modes) for (const m of ms) for (const n of m.gives.keys()) givable.add(n);
    const free = new Map<string, Loc>();
    // Assume the variables nothing inside can bind come from outside; then everything else.
    for (let round = 0; round < 2; round++) {
      const { safe, stuck } = this.schedule(c.body, new Set([...bound, ...free.keys()]), locals);
      const heads = c.heads.map((t) => collectVars(t, true, isVar).inputs);
      const needs = [...stuck.map((ms) => ms[0]!.needs), ...heads];
      for (const ns of needs) for (const [n, l] of ns) {
        if (!safe.has(n) && (round === 1 || !givable.has(n))) free.set(n, l);
      }
      if (stuck.length === 0) break;
    }
    this.freeMemo.set(c.node, free);
    return free;
  }

  /** The ways an expression can run: what each needs bound, and what it then binds. */
  private modesOf(e: Expr, locals: ReadonlySet<string>): Mode[] {
    const isVar = this.isVarIn(locals);
    const withNeeds = new Map<string, Loc>();
    for (const w of e.with) {
      // `with f as g` / `with count as mock_count`: a function name is not a variable.
      const fn = callName(w.value);
      if (fn !== undefined && this.arityOf(fn) !== undefined) continue;
      addAll(withNeeds, this.inputsOf(w.value, isVar, locals));
    }
    const n = e.node;
    if (e.negated) {
      const needs = new Map<string, Loc>();
      addAll(needs, this.inputsOf(n.kind === 'SomeVars' || n.kind === 'SomeIn' || n.kind === 'Every' ? undefined : n, isVar, locals, true));
      return [withMode(withNeeds, needs, new Map())];
    }
    switch (n.kind) {
      case 'SomeVars':
        return [withMode(withNeeds, new Map(), new Map())];
      case 'SomeIn': {
        const coll = collectVars(n.collection, false, isVar);
        const needs = this.inputsOf(n.collection, isVar, locals);
        const gives = new Map(coll.refOuts);
        for (const t of [n.key, n.value]) {
          if (!t) continue;
          const v = collectVars(t, false, isVar);
          addAll(gives, v.pattern);
          addAll(gives, v.refOuts);
          addAll(needs, this.withFree(v, t, locals));
        }
        return [withMode(withNeeds, needs, gives)];
      }
      case 'Every': {
        const needs = this.inputsOf(n.domain, isVar, locals);
        const c = closuresOfExpr(e)[0]!;
        addAll(needs, this.freeVars(c, locals));
        return [withMode(withNeeds, needs, new Map())];
      }
      default:
        return this.termModes(n, isVar, locals).map((m) => withMode(withNeeds, new Map(m.needs), new Map(m.gives)));
    }
  }

  private termModes(t: Term, isVar: (n: string) => boolean, locals: ReadonlySet<string>): Mode[] {
    if (t.kind === 'Call' && (t.operator === 'assign' || t.operator === 'eq') && t.args.length === 2) {
      const [l, r] = t.args as [Term, Term];
      const L = collectVars(l, false, isVar);
      const R = collectVars(r, false, isVar);
      const lNeeds = this.withFree(L, l, locals);
      const rNeeds = this.withFree(R, r, locals);
      const gives = addAll(addAll(addAll(addAll(new Map(), L.pattern), R.pattern), L.refOuts), R.refOuts);
      const rightToLeft: Mode = { needs: addAll(addAll(new Map(rNeeds), R.pattern), lNeeds), gives };
      if (t.operator === 'assign') return [rightToLeft];
      return [rightToLeft, { needs: addAll(addAll(new Map(lNeeds), L.pattern), rNeeds), gives }];
    }
    if (t.kind === 'Call') {
      const arity = this.arityOf(t.operator);
      if (arity !== undefined && arity >= 0 && t.args.length === arity + 1) {
        const needs = new Map<string, Loc>();
        const gives = new Map<string, Loc>();
        t.args.forEach((a, i) => {
          const v = collectVars(a, i < arity, isVar);
          addAll(needs, this.withFree(v, a, locals));
          if (i === arity) addAll(gives, v.pattern);
          addAll(gives, v.refOuts);
        });
        return [{ needs, gives }];
      }
    }
    const v = collectVars(t, true, isVar);
    return [{ needs: this.withFree(v, t, locals), gives: new Map(v.refOuts) }];
  }

  /** A term's input variables plus what its comprehensions need from outside. */
  private withFree(v: VarSets, t: Term, locals: ReadonlySet<string>): Map<string, Loc> {
    const needs = new Map(v.inputs);
    for (const c of closuresOf(t)) addAll(needs, this.freeVars(c, locals));
    return needs;
  }

  /** Everything a term reads; with `strict`, iteration variables too (for `not`). */
  private inputsOf(t: Term | undefined, isVar: (n: string) => boolean, locals: ReadonlySet<string>, strict = false): Map<string, Loc> {
    if (!t) return new Map();
    const v = collectVars(t, true, isVar);
    const needs = this.withFree(v, t, locals);
    if (strict) addAll(needs, v.refOuts);
    return needs;
  }

  private arityOf(op: string): number | undefined {
    const path = this.scope.resolveCall(op);
    if (path) {
      const g = this.index.groups.get(path.join('\u0000'));
      return g?.arity;
    }
    return lookupBuiltin(op)?.arity;
  }
}

function allIn(needs: ReadonlyMap<string, Loc>, safe: ReadonlySet<string>): boolean {
  for (const n of needs.keys()) if (!safe.has(n)) return false;
  return true;
}

function withMode(withNeeds: ReadonlyMap<string, Loc>, needs: Map<string, Loc>, gives: Map<string, Loc>): Mode {
  return { needs: addAll(needs, withNeeds), gives };
}

function addAll(into: Map<string, Loc>, from: ReadonlyMap<string, Loc>): Map<string, Loc> {
  for (const [k, v] of from) if (!into.has(k)) into.set(k, v);
  return into;
}

function closuresOfExpr(e: Expr): Closure[] {
  const n = e.node;
  const out: Closure[] = [];
  if (n.kind === 'Every') {
    const bound = new Map<string, Loc>([[n.value.name, n.value.loc]]);
    if (n.key) bound.set(n.key.name, n.key.loc);
    out.push({ node: n, body: n.body, heads: [], bound });
    out.push(...closuresOf(n.domain));
  } else if (n.kind === 'SomeIn') {
    for (const t of [n.key, n.value, n.collection]) if (t) out.push(...closuresOf(t));
  } else if (n.kind !== 'SomeVars') {
    out.push(...closuresOf(n));
  }
  for (const w of e.with) out.push(...closuresOf(w.value));
  return out;
}

/** Names an expression mentions outside nested closures (for "referenced above"). */
function mentioned(e: Expr): Set<string> {
  const names = new Set<string>();
  const n = e.node;
  const terms: Term[] = n.kind === 'SomeVars' ? [] : n.kind === 'SomeIn' ? [n.collection] : n.kind === 'Every' ? [n.domain] : [n];
  if (n.kind === 'Call' && n.operator === 'assign') terms.splice(0, 1, n.args[1]!);
  for (const t of terms) for (const k of allVars(collectVars(t, true, () => true)).keys()) names.add(k);
  for (const w of e.with) for (const k of allVars(collectVars(w.value, true, () => true)).keys()) names.add(k);
  return names;
}
