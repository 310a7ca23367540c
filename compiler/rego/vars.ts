// Variable bookkeeping for the safety checker: which variables a term binds by pattern,
// reads as input, or binds by iterating a ref (`xs[i]`), which names an expression declares
// (`:=`, `some`), and the closures (comprehensions) a term holds.
import { assertNever, type Body, type Expr, type Loc, type Term } from './ast.ts';

export interface VarSets {
  /** variables in pattern position (bound by unification) */
  readonly pattern: Map<string, Loc>;
  /** variables that must already be bound */
  readonly inputs: Map<string, Loc>;
  /** variables in ref paths (`xs[i]`): bound by iterating the collection */
  readonly refOuts: Map<string, Loc>;
}

export interface Closure {
  /** identity for memoisation */
  readonly node: object;
  readonly body: Body;
  /** terms evaluated after the body (comprehension heads) */
  readonly heads: readonly Term[];
  /** variables the closure binds itself (`every k, v`) */
  readonly bound: ReadonlyMap<string, Loc>;
}

const put = (m: Map<string, Loc>, n: string, l: Loc): void => {
  if (!m.has(n)) m.set(n, l);
};

/** Variables of `t` (closures excluded); `asInput` makes pattern variables inputs. */
export function collectVars(t: Term, asInput: boolean, isVar: (name: string) => boolean): VarSets {
  const sets: VarSets = { pattern: new Map(), inputs: new Map(), refOuts: new Map() };
  visit(t, asInput, isVar, sets);
  return sets;
}

function visit(t: Term, asInput: boolean, isVar: (name: string) => boolean, s: VarSets): void {
  switch (t.kind) {
    case 'Null': case 'Boolean': case 'Number': case 'String':
      return;
    case 'Var':
      if (isVar(t.name)) put(asInput ? s.inputs : s.pattern, t.name, t.loc);
      return;
    case 'Ref':
      visit(t.head, true, isVar, s);
      for (const p of t.path) {
        // `xs[i]`, `xs[[1, x]]`: variables in pattern position of a key are bound by iteration.
        const sub: VarSets = { pattern: new Map(), inputs: new Map(), refOuts: new Map() };
        visit(p, false, isVar, sub);
        for (const [k, l] of sub.pattern) put(s.refOuts, k, l);
        for (const [k, l] of sub.refOuts) put(s.refOuts, k, l);
        for (const [k, l] of sub.inputs) put(s.inputs, k, l);
      }
      return;
    case 'Array': case 'Set':
      for (const x of t.items) visit(x, asInput, isVar, s);
      return;
    case 'Object':
      for (const [k, v] of t.entries) { visit(k, true, isVar, s); visit(v, asInput, isVar, s); }
      return;
    case 'ArrayComprehension': case 'SetComprehension': case 'ObjectComprehension':
      return; // closures: their free variables are added by the caller
    case 'Call':
      for (const a of t.args) visit(a, true, isVar, s);
      return;
    default:
      assertNever(t, 'term');
  }
}

export function allVars(v: VarSets): Map<string, Loc> {
  const m = new Map(v.pattern);
  for (const [k, l] of v.inputs) put(m, k, l);
  for (const [k, l] of v.refOuts) put(m, k, l);
  return m;
}

/** Names an expression declares: `assigned` by `:=`, `declared` by `some`. */
export function declaredIn(e: Expr, isVar: (name: string) => boolean): { assigned: Map<string, Loc>; declared: Map<string, Loc> } {
  const assigned = new Map<string, Loc>();
  const declared = new Map<string, Loc>();
  const n = e.node;
  if (n.kind === 'SomeVars') for (const v of n.vars) put(declared, v.name, v.loc);
  else if (n.kind === 'SomeIn') {
    for (const t of [n.key, n.value]) if (t) for (const [k, l] of collectVars(t, false, isVar).pattern) put(declared, k, l);
  } else if (n.kind === 'Call' && n.operator === 'assign' && n.args[0]) {
    for (const [k, l] of collectVars(n.args[0], false, isVar).pattern) {
      if (!k.startsWith('$wildcard')) put(assigned, k, l);
    }
  }
  return { assigned, declared };
}

/** The comprehensions directly inside `t` (not those nested in another comprehension). */
export function closuresOf(t: Term): Closure[] {
  const out: Closure[] = [];
  gatherClosures(t, out);
  return out;
}

// A module-level function rather than a closure: this runs for every term the checker sees.
function gatherClosures(x: Term, out: Closure[]): void {
  switch (x.kind) {
    case 'Null': case 'Boolean': case 'Number': case 'String': case 'Var':
      return;
    case 'Ref':
      gatherClosures(x.head, out);
      for (const p of x.path) gatherClosures(p, out);
      return;
    case 'Array': case 'Set':
      for (const i of x.items) gatherClosures(i, out);
      return;
    case 'Object':
      for (const [k, v] of x.entries) { gatherClosures(k, out); gatherClosures(v, out); }
      return;
    case 'ArrayComprehension': case 'SetComprehension':
      out.push({ node: x, body: x.body, heads: [x.term], bound: new Map() });
      return;
    case 'ObjectComprehension':
      out.push({ node: x, body: x.body, heads: [x.key, x.value], bound: new Map() });
      return;
    case 'Call':
      for (const a of x.args) gatherClosures(a, out);
      return;
    default:
      assertNever(x, 'term');
  }
}

/** `[a, b] = [1, x]` and `{"k": a} = {"k": 1}` unify element by element: the pairs. */
export function decomposeEq(l: Term, r: Term): (readonly [Term, Term])[] | undefined {
  if (l.kind === 'Array' && r.kind === 'Array' && l.items.length === r.items.length) {
    return l.items.flatMap((x, i) => decomposeEq(x, r.items[i]!) ?? [[x, r.items[i]!] as const]);
  }
  if (l.kind === 'Object' && r.kind === 'Object' && l.entries.length === r.entries.length) {
    const key = (t: Term): string | undefined =>
      t.kind === 'String' ? `s${t.value}` : t.kind === 'Number' ? `n${t.text}` : t.kind === 'Boolean' ? `b${t.value}` : t.kind === 'Null' ? 'z' : undefined;
    const right = new Map<string, Term>();
    for (const [k, v] of r.entries) {
      const kk = key(k);
      if (kk === undefined) return undefined;
      right.set(kk, v);
    }
    const pairs: (readonly [Term, Term])[] = [];
    for (const [k, v] of l.entries) {
      const kk = key(k);
      const rv = kk === undefined ? undefined : right.get(kk);
      if (rv === undefined) return undefined;
      pairs.push(...(decomposeEq(v, rv) ?? [[v, rv] as const]));
    }
    return pairs;
  }
  return undefined;
}
