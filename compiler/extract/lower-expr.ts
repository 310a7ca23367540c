// Lowers predicate expressions to Rego bodies with JavaScript's meaning kept exactly: for
// each expression we build T (bodies that succeed iff JS evaluates it, without throwing, to
// true) and F (iff it evaluates to false). A missing field throws in the reference and is
// undefined in Rego, so both sides fail together; `!` is pushed down to the leaves instead
// of becoming `not`, which would turn "undefined" into true. Disjunctions that cannot stay
// flat become helper functions. Output: alternatives (a list of bodies; empty = never).
import type { Loc } from '../diagnostics/index.ts';
import {
  arrayTerm, booleanTerm, callTerm as mkCall, dottedRef, expr, MEMBER_2, nullTerm, numberTerm, refTerm, stringTerm, varTerm,
  type Body, type Expr, type Rule, type Term,
} from '../rego/ast.ts';
import { ROOTS, type CmpOp, type PExpr, type RefBase, type RefStep } from './pexpr.ts';

export type Alts = readonly Body[];

const NEGATED: Readonly<Record<CmpOp, string>> = { equal: 'neq', lt: 'gte', lte: 'gt', gt: 'lte', gte: 'lt' };
const STRING_FNS = new Set(['startswith', 'endswith', 'contains']);

/** Where helper functions go, and how they are named; shared by one module's lowering. */
export interface HelperSink {
  /** Allocate a Rego location (a line) for a new top-level rule, with an optional comment above. */
  at(comment?: string): Loc;
  add(rule: Rule): void;
  /** A fresh module-unique name from a stem. */
  name(stem: string): string;
}

interface Value { readonly pre: Body; readonly term: Term }

export class ExprLowerer {
  private tmp = 0;
  constructor(private readonly sink: HelperSink, private readonly stem: string, private readonly loc: Loc) {}

  /** Bodies under which `e` is true (as JS would say, without throwing). */
  truthy(e: PExpr, scope: readonly string[] = []): Alts {
    switch (e.k) {
      case 'lit': return e.value === true ? [[]] : [];
      case 'bool': { const v = this.value(e.e, scope); return [[...v.pre, this.x(this.c('equal', [v.term, booleanTerm(true, this.loc)]))]]; }
      case 'not': return this.falsy(e.e, scope);
      case 'and': return this.conj(this.truthy(e.l, scope), this.truthy(e.r, scope), scope);
      case 'or': return [...this.truthy(e.l, scope), ...this.conj(this.falsy(e.l, scope), this.truthy(e.r, scope), scope)];
      case 'cond': return [...this.conj(this.truthy(e.c, scope), this.truthy(e.t, scope), scope), ...this.conj(this.falsy(e.c, scope), this.truthy(e.f, scope), scope)];
      case 'cmp': {
        const l = this.value(e.l, scope);
        const r = this.value(e.r, scope);
        return [[...l.pre, ...r.pre, this.x(this.c(e.op, [l.term, r.term]))]];
      }
      case 'call': {
        const args = e.args.map((a) => this.value(a, scope));
        return [[...args.flatMap((a) => a.pre), this.x(this.c(e.fn, args.map((a) => a.term)))]];
      }
      case 'member': {
        const item = this.value(e.item, scope);
        const coll = this.value(e.coll, scope);
        return [[...item.pre, ...coll.pre, this.x(this.c(MEMBER_2, [item.term, coll.term]))]];
      }
      case 'haskey': return [this.hasKey(e.key, e.obj, scope, 'equal')];
      case 'quant': {
        const coll = this.value(e.coll, scope);
        if (e.q === 'some') return this.truthy(e.body, [...scope, e.v]).map((alt) => [...coll.pre, this.someIn(e.v, coll.term), ...alt]);
        return [this.noneMatch(coll, e.v, this.falsy(e.body, [...scope, e.v]), scope)];
      }
      case 'array': case 'ref': case 'arith': case 'concat':
        throw new Error(`internal error: ${e.k} used as a condition`);
    }
  }

  /** Bodies under which `e` is false (as JS would say, without throwing). */
  falsy(e: PExpr, scope: readonly string[] = []): Alts {
    switch (e.k) {
      case 'lit': return e.value === false ? [[]] : [];
      case 'bool': {
        const v = this.value(e.e, scope);
        return [[...v.pre, this.x(this.c('equal', [v.term, booleanTerm(false, this.loc)]))], ...this.nullAlts([e.e])];
      }
      case 'not': return this.truthy(e.e, scope);
      case 'and': return [...this.falsy(e.l, scope), ...this.conj(this.truthy(e.l, scope), this.falsy(e.r, scope), scope)];
      case 'or': return this.conj(this.falsy(e.l, scope), this.falsy(e.r, scope), scope);
      case 'cond': return [...this.conj(this.truthy(e.c, scope), this.falsy(e.t, scope), scope), ...this.conj(this.falsy(e.c, scope), this.falsy(e.f, scope), scope)];
      case 'cmp': {
        const l = this.value(e.l, scope);
        const r = this.value(e.r, scope);
        return [[...l.pre, ...r.pre, this.x(this.c(NEGATED[e.op], [l.term, r.term]))], ...this.nullAlts([e.l, e.r])];
      }
      case 'call': {
        // `not f(...)` is true when an argument is undefined or of the wrong type: bind and check them first.
        const pre: Expr[] = [];
        const args = e.args.map((a) => this.bound(this.value(a, scope), pre, STRING_FNS.has(e.fn) ? 'is_string' : null));
        return [[...pre, this.x(this.c(e.fn, args), true)], ...this.nullAlts(e.args)];
      }
      case 'member': {
        const pre: Expr[] = [];
        const item = this.bound(this.value(e.item, scope), pre, null);
        const coll = this.bound(this.value(e.coll, scope), pre, null);
        return [[...pre, this.x(this.c(MEMBER_2, [item, coll]), true)], ...this.nullAlts([e.coll])];
      }
      case 'haskey': return [this.hasKey(e.key, e.obj, scope, 'neq')];
      case 'quant': {
        const coll = this.value(e.coll, scope);
        if (e.q === 'every') return this.falsy(e.body, [...scope, e.v]).map((alt) => [...coll.pre, this.someIn(e.v, coll.term), ...alt]);
        return [this.noneMatch(coll, e.v, this.truthy(e.body, [...scope, e.v]), scope)];
      }
      case 'array': case 'ref': case 'arith': case 'concat':
        throw new Error(`internal error: ${e.k} used as a condition`);
    }
  }

  /** A value: the expressions that compute it, and its term. */
  value(e: PExpr, scope: readonly string[] = []): Value {
    const loc = this.loc;
    switch (e.k) {
      case 'lit':
        if (e.value === null) return { pre: [], term: nullTerm(loc) };
        if (typeof e.value === 'boolean') return { pre: [], term: booleanTerm(e.value, loc) };
        if (typeof e.value === 'number') return { pre: [], term: numberTerm(numberText(e.value), loc) };
        return { pre: [], term: stringTerm(e.value, loc) };
      case 'array': {
        const items = e.items.map((i) => this.value(i, scope));
        return { pre: items.flatMap((i) => i.pre), term: arrayTerm(items.map((i) => i.term), loc) };
      }
      case 'ref': return this.ref(e.base, e.path, scope);
      case 'arith': {
        const l = this.value(e.l, scope);
        const r = this.value(e.r, scope);
        return { pre: [...l.pre, ...r.pre], term: this.c(e.op, [l.term, r.term], loc) };
      }
      case 'concat': {
        const parts = e.parts.map((p) => ({ v: this.value(p.e, scope), str: p.str }));
        const items = parts.map(({ v, str }) => (str ? v.term : this.c('sprintf', [stringTerm('%v', loc), arrayTerm([v.term], loc)], loc)));
        return { pre: parts.flatMap((p) => p.v.pre), term: this.c('concat', [stringTerm('', loc), arrayTerm(items, loc)], loc) };
      }
      case 'call': {
        const args = e.args.map((a) => this.value(a, scope));
        return { pre: args.flatMap((a) => a.pre), term: this.c(e.fn, args.map((a) => a.term), loc) };
      }
      case 'cond': {
        // A conditional value becomes a function with one definition per branch.
        const name = this.sink.name(`${this.stem}_value`);
        const args = this.helperArgs(scope);
        const t = this.value(e.t, scope);
        const f = this.value(e.f, scope);
        const at = this.sink.at();
        for (const [alts, v] of [[this.truthy(e.c, scope), t], [this.falsy(e.c, scope), f]] as const) {
          for (const alt of alts) this.sink.add(fnRule(name, args, v.term, [...alt, ...v.pre], at));
        }
        return { pre: [], term: this.c(name, args, loc) };
      }
      case 'not': case 'and': case 'or': case 'cmp': case 'member': case 'haskey': case 'quant': case 'bool':
        throw new Error(`internal error: condition ${e.k} used as a value`);
    }
  }

  /** Wrap alternatives in a helper function called with params and the variables in scope. */
  helper(alts: Alts, scope: readonly string[], stem = `${this.stem}_cond`): Body {
    const name = this.sink.name(stem);
    const args = this.helperArgs(scope);
    const at = this.sink.at();
    for (const alt of alts) this.sink.add(fnRule(name, args, undefined, alt, at));
    return [this.x(this.c(name, args, this.loc))];
  }

  /** Conjunction: a cross product, but never of two multi-way disjunctions (one becomes a helper). */
  private conj(a: Alts, b: Alts, scope: readonly string[]): Alts {
    if (a.length > 1 && b.length > 1) b = [this.helper(b, scope)];
    return a.flatMap((x) => b.map((y) => [...x, ...y]));
  }

  /** `xs` bound, then no element for which `alts` holds (a negated helper). */
  private noneMatch(coll: Value, v: string, alts: Alts, scope: readonly string[]): Body {
    const pre: Expr[] = [...coll.pre];
    const xs = this.bound({ pre: [], term: coll.term }, pre, null);
    const name = this.sink.name(`${this.stem}_any`);
    const args = [...this.helperArgs(scope), varTerm(`${v}_list`, this.loc)];
    const at = this.sink.at();
    for (const alt of alts) this.sink.add(fnRule(name, args, undefined, [this.someIn(v, varTerm(`${v}_list`, this.loc)), ...alt], at));
    return [...pre, this.x(this.c(name, [...this.helperArgs(scope), xs], this.loc), true)];
  }

  private hasKey(key: PExpr, obj: PExpr, scope: readonly string[], op: 'equal' | 'neq'): Body {
    // Two defaults that differ tell a present key (even one holding null or false) from an absent one.
    const k = this.value(key, scope);
    const o = this.value(obj, scope);
    const get = (dflt: Term): Term => this.c('object.get', [o.term, k.term, dflt], this.loc);
    return [...k.pre, ...o.pre, this.x(this.c(op, [get(nullTerm(this.loc)), get(booleanTerm(false, this.loc))]))];
  }

  /** For `a?.b` leaves: JS sees undefined (so a false comparison) when `a` is null. */
  private nullAlts(operands: readonly PExpr[]): Alts {
    const out: Body[] = [];
    for (const op of operands) {
      if (op.k !== 'ref') continue;
      op.path.forEach((step, i) => {
        if (!step.optional) return;
        const base = this.ref(op.base, op.path.slice(0, i), []);
        out.push([...base.pre, this.x(this.c('equal', [base.term, nullTerm(this.loc)]))]);
      });
    }
    return out;
  }

  private ref(base: RefBase, path: readonly RefStep[], scope: readonly string[]): Value {
    const loc = this.loc;
    const head: Term = 'root' in base
      ? (base.root === 'params' ? varTerm('params', loc) : dottedRef([...ROOTS[base.root]], loc))
      : varTerm(base.local, loc);
    const pre: Expr[] = [];
    const steps: Term[] = [];
    for (const step of path) {
      const k = this.value(step.key, scope);
      pre.push(...k.pre);
      const simple = k.term.kind === 'String' || k.term.kind === 'Number' || k.term.kind === 'Var' || k.term.kind === 'Ref';
      steps.push(simple ? k.term : this.bound(k, pre, null));
    }
    if (steps.length === 0) return { pre, term: head };
    if (head.kind === 'Ref') return { pre, term: refTerm(head.head, [...head.path, ...steps], loc) };
    return { pre, term: refTerm(head, steps, loc) };
  }

  /** Bind a value to a fresh variable (so it must be defined), optionally checking its type. */
  private bound(v: Value, pre: Expr[], check: 'is_string' | null): Term {
    pre.push(...v.pre);
    if (isConstant(v.term)) return v.term;
    const name = varTerm(`tmp${++this.tmp}`, this.loc);
    pre.push(this.x(this.c('assign', [name, v.term])));
    if (check) pre.push(this.x(this.c(check, [name])));
    return name;
  }

  private someIn(v: string, coll: Term): Expr {
    return expr({ kind: 'SomeIn', value: varTerm(v, this.loc), collection: coll, loc: this.loc }, this.loc);
  }

  private helperArgs(scope: readonly string[]): Term[] {
    return [varTerm('params', this.loc), ...scope.map((s) => varTerm(s, this.loc))];
  }

  private c(op: string, args: readonly Term[], _loc?: Loc): Term {
    return mkCall(op, args, this.loc);
  }

  private x(t: Term, negated = false): Expr {
    return expr(t.kind === 'Call' ? { ...t, loc: this.loc } : t, this.loc, negated);
  }
}

/** Scalars, and arrays of them: always defined, never worth a variable. */
function isConstant(t: Term): boolean {
  if (t.kind === 'String' || t.kind === 'Number' || t.kind === 'Boolean' || t.kind === 'Null') return true;
  return t.kind === 'Array' && t.items.every(isConstant);
}

/** A function rule `name(args) [:= value] if { body }`. */
export function fnRule(name: string, args: readonly Term[], value: Term | undefined, body: Body, loc: Loc): Rule {
  return {
    kind: 'Rule', isDefault: false,
    head: { kind: 'Head', ref: refTerm(varTerm(name, loc), [], loc), args, ...(value ? { value } : {}), assign: value !== undefined, loc },
    body, elses: [], loc,
  };
}

/** JS number → Rego number literal text (integers plain, others as JS prints them). */
export function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new Error('internal error: non-finite number literal');
  return Object.is(n, -0) ? '0' : String(n);
}
