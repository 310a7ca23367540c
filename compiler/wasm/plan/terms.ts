// Term planning: constants, composites, comprehensions, refs (with iteration over unbound
// path variables) and unification. Continuation passing: each function emits statements
// into `out` and calls `k` where the value is available, possibly inside a Scan.
import type { Term, RefTerm, CallTerm } from '../../rego/ast.ts';
import { assertNever } from '../../rego/ast.ts';
import type { Local, Stmt } from '../ir/index.ts';
import { PlanError } from './errors.ts';
import type { Env, K, KT } from './context.ts';
import { Scope, block, isBound, unboundVars } from './context.ts';
import { planData } from './data.ts';
import { planCallValue } from './calls.ts';
import { planBody } from './body.ts';

/** JSON text for a constant term, or undefined when it has vars, sets or non-string keys. */
export function constJson(t: Term): string | undefined {
  switch (t.kind) {
    case 'Null': return 'null';
    case 'Boolean': return t.value ? 'true' : 'false';
    case 'Number': return normaliseNumber(t.text);
    case 'String': return JSON.stringify(t.value);
    case 'Array': {
      const parts = t.items.map(constJson);
      return parts.every((p) => p !== undefined) ? `[${parts.join(',')}]` : undefined;
    }
    case 'Object': {
      const parts: string[] = [];
      for (const [k, v] of t.entries) {
        if (k.kind !== 'String') return undefined;
        const vj = constJson(v);
        if (vj === undefined) return undefined;
        parts.push(`${JSON.stringify(k.value)}:${vj}`);
      }
      return `{${parts.join(',')}}`;
    }
    default: return undefined;
  }
}

function normaliseNumber(text: string): string {
  // Rego allows forms JSON does not (leading '+', '.5', '5.'); normalise those few.
  let s = text.replace(/_/g, '');
  if (s.startsWith('+')) s = s.slice(1);
  if (s.startsWith('.')) s = `0${s}`;
  if (s.startsWith('-.')) s = `-0${s.slice(1)}`;
  if (/\.(?![0-9])/.test(s)) s = s.replace('.', '.0');
  return s;
}

export function emitConst(env: Env, json: string, out: Stmt[], loc?: Term['loc']): Local {
  const target = env.fn.local();
  out.push({ kind: 'MakeConst', json, target, loc });
  return target;
}

export function planTerm(env: Env, scope: Scope, t: Term, out: Stmt[], k: KT): void {
  switch (t.kind) {
    case 'Null': case 'Boolean': case 'Number': case 'String':
      return k(emitConst(env, constJson(t)!, out, t.loc), out);
    case 'Var':
      return planVar(env, scope, t.name, t, out, k);
    case 'Ref':
      return planRef(env, scope, t, out, k);
    case 'Array': {
      const j = constJson(t);
      if (j !== undefined) return k(emitConst(env, j, out, t.loc), out);
      const arr = env.fn.local();
      out.push({ kind: 'MakeArray', capacity: t.items.length, target: arr, loc: t.loc });
      return planSeq(env, scope, t.items, out, (locals, o) => {
        for (const l of locals) o.push({ kind: 'ArrayAppend', array: arr, value: l, loc: t.loc });
        k(arr, o);
      });
    }
    case 'Set': {
      const set = env.fn.local();
      out.push({ kind: 'MakeSet', target: set, loc: t.loc });
      return planSeq(env, scope, t.items, out, (locals, o) => {
        for (const l of locals) o.push({ kind: 'SetAdd', set, value: l, loc: t.loc });
        k(set, o);
      });
    }
    case 'Object': {
      const j = constJson(t);
      if (j !== undefined) return k(emitConst(env, j, out, t.loc), out);
      const obj = env.fn.local();
      out.push({ kind: 'MakeObject', target: obj, loc: t.loc });
      const flat = t.entries.flatMap(([a, b]) => [a, b]);
      return planSeq(env, scope, flat, out, (locals, o) => {
        for (let i = 0; i < locals.length; i += 2) {
          o.push({ kind: 'ObjectInsertOnce', object: obj, key: locals[i]!, value: locals[i + 1]!, message: 'object keys must be unique', loc: t.loc });
        }
        k(obj, o);
      });
    }
    case 'ArrayComprehension': case 'SetComprehension': case 'ObjectComprehension':
      return planComprehension(env, scope, t, out, k);
    case 'Call':
      return planCallValue(env, scope, t, out, k);
    default:
      return assertNever(t, 'term');
  }
}

/** Plans several terms left to right, then calls k with all their locals. */
export function planSeq(env: Env, scope: Scope, terms: readonly Term[], out: Stmt[], k: (ls: Local[], out: Stmt[]) => void): void {
  const acc: Local[] = [];
  const step = (i: number, o: Stmt[]): void => {
    if (i === terms.length) return k(acc.slice(), o);
    planTerm(env, scope, terms[i]!, o, (l, o2) => {
      acc[i] = l;
      step(i + 1, o2);
    });
  };
  step(0, out);
}

function planVar(env: Env, scope: Scope, name: string, t: Term, out: Stmt[], k: KT): void {
  const l = scope.lookup(name);
  if (l !== undefined && l !== null) return k(l, out);
  if (l === null) throw new PlanError(`var ${name} is unsafe`, t.loc);
  return planRef(env, scope, { kind: 'Ref', head: t, path: [], loc: t.loc }, out, k);
}

function str(value: string, loc: Term['loc']): Term {
  return { kind: 'String', value, loc };
}

export function planRef(env: Env, scope: Scope, ref: RefTerm, out: Stmt[], k: KT): void {
  const head = ref.head;
  if (head.kind !== 'Var') {
    return planTerm(env, scope, head, out, (l, o) => walkPath(env, scope, l, ref.path, 0, o, k));
  }
  const bound = scope.lookup(head.name);
  if (bound !== undefined && bound !== null) return walkPath(env, scope, bound, ref.path, 0, out, k);
  if (bound === null) throw new PlanError(`var ${head.name} is unsafe`, head.loc);
  if (head.name === 'input') {
    out.push({ kind: 'IsDefined', source: env.input, loc: head.loc });
    return walkPath(env, scope, env.input, ref.path, 0, out, k);
  }
  if (head.name === 'data') return planData(env, scope, ref.path, out, k);
  const imp = env.imports.get(head.name);
  if (imp) return planRef(env, scope, { kind: 'Ref', head: imp.path.head, path: [...imp.path.path, ...ref.path], loc: ref.loc }, out, k);
  if (env.pkgNode?.children.has(head.name)) {
    const path = [...env.pkg.map((p) => str(p, head.loc)), str(head.name, head.loc), ...ref.path];
    return planData(env, scope, path, out, k);
  }
  throw new PlanError(`var ${head.name} is unsafe`, head.loc);
}

/** Dots into `source` along `path` from index i; unbound variables iterate. */
export function walkPath(env: Env, scope: Scope, source: Local, path: readonly Term[], i: number, out: Stmt[], k: KT): void {
  if (i === path.length) return k(source, out);
  const t = path[i]!;
  if (unboundVars(env, scope, t).length === 0) {
    return planTerm(env, scope, t, out, (key, o) => {
      const target = env.fn.local();
      o.push({ kind: 'Dot', source, key, target, loc: t.loc });
      walkPath(env, scope, target, path, i + 1, o, k);
    });
  }
  const key = env.fn.local();
  const value = env.fn.local();
  const body = block();
  out.push({ kind: 'Scan', source, key, value, block: body, loc: t.loc });
  unifyLocal(env, scope, t, key, body.stmts, (o) => walkPath(env, scope, value, path, i + 1, o, k));
}

function isPattern(env: Env, scope: Scope, t: Term): boolean {
  return (t.kind === 'Var' || t.kind === 'Array' || t.kind === 'Object') && unboundVars(env, scope, t).length > 0;
}

/** Unifies two terms, binding unbound variables of either side. */
export function unify(env: Env, scope: Scope, a: Term, b: Term, out: Stmt[], k: K): void {
  if (a.kind === 'Var' && !isBound(env, scope, a.name)) {
    if (b.kind === 'Var' && !isBound(env, scope, b.name)) throw new PlanError(`vars ${a.name} and ${b.name} are unsafe`, a.loc);
    return planTerm(env, scope, b, out, (l, o) => unifyLocal(env, scope, a, l, o, k));
  }
  if (b.kind === 'Var' && !isBound(env, scope, b.name)) {
    return planTerm(env, scope, a, out, (l, o) => unifyLocal(env, scope, b, l, o, k));
  }
  if (a.kind === 'Array' && b.kind === 'Array' && (isPattern(env, scope, a) || isPattern(env, scope, b))) {
    if (a.items.length !== b.items.length) { out.push({ kind: 'Break', index: 0, loc: a.loc }); return; }
    const step = (i: number, o: Stmt[]): void => {
      if (i === a.items.length) return k(o);
      unify(env, scope, a.items[i]!, b.items[i]!, o, (o2) => step(i + 1, o2));
    };
    return step(0, out);
  }
  if (a.kind === 'Object' && b.kind === 'Object' && (isPattern(env, scope, a) || isPattern(env, scope, b))) {
    const keyOf = (t: Term): string | undefined => constJson(t);
    const bk = new Map(b.entries.map(([kt, vt]) => [keyOf(kt), vt] as const));
    if (a.entries.length !== b.entries.length || a.entries.some(([kt]) => keyOf(kt) === undefined || !bk.has(keyOf(kt)))) {
      out.push({ kind: 'Break', index: 0, loc: a.loc });
      return;
    }
    const step = (i: number, o: Stmt[]): void => {
      if (i === a.entries.length) return k(o);
      const [kt, vt] = a.entries[i]!;
      unify(env, scope, vt, bk.get(keyOf(kt))!, o, (o2) => step(i + 1, o2));
    };
    return step(0, out);
  }
  if (isPattern(env, scope, a)) return planTerm(env, scope, b, out, (l, o) => unifyLocal(env, scope, a, l, o, k));
  if (isPattern(env, scope, b)) return planTerm(env, scope, a, out, (l, o) => unifyLocal(env, scope, b, l, o, k));
  planTerm(env, scope, a, out, (la, o) => planTerm(env, scope, b, o, (lb, o2) => {
    o2.push({ kind: 'Equal', a: la, b: lb, loc: a.loc });
    k(o2);
  }));
}

/** Unifies a term (possibly a pattern with unbound vars) with a value in a local. */
export function unifyLocal(env: Env, scope: Scope, t: Term, local: Local, out: Stmt[], k: K): void {
  if (t.kind === 'Var' && !isBound(env, scope, t.name)) {
    scope.bind(t.name, local);
    return k(out);
  }
  if (t.kind === 'Array' && isPattern(env, scope, t)) {
    out.push({ kind: 'IsArray', source: local, loc: t.loc });
    const n = env.fn.local();
    out.push({ kind: 'Len', source: local, target: n, loc: t.loc });
    const want = emitConst(env, String(t.items.length), out);
    out.push({ kind: 'Equal', a: n, b: want, loc: t.loc });
    const step = (i: number, o: Stmt[]): void => {
      if (i === t.items.length) return k(o);
      const idx = emitConst(env, String(i), o);
      const elem = env.fn.local();
      o.push({ kind: 'Dot', source: local, key: idx, target: elem, loc: t.loc });
      unifyLocal(env, scope, t.items[i]!, elem, o, (o2) => step(i + 1, o2));
    };
    return step(0, out);
  }
  if (t.kind === 'Object' && isPattern(env, scope, t)) {
    out.push({ kind: 'IsObject', source: local, loc: t.loc });
    const n = env.fn.local();
    out.push({ kind: 'Len', source: local, target: n, loc: t.loc });
    const want = emitConst(env, String(t.entries.length), out);
    out.push({ kind: 'Equal', a: n, b: want, loc: t.loc });
    const step = (i: number, o: Stmt[]): void => {
      if (i === t.entries.length) return k(o);
      const [kt, vt] = t.entries[i]!;
      if (unboundVars(env, scope, kt).length > 0) throw new PlanError('object pattern keys must be ground', kt.loc);
      planTerm(env, scope, kt, o, (key, o2) => {
        const elem = env.fn.local();
        o2.push({ kind: 'Dot', source: local, key, target: elem, loc: t.loc });
        unifyLocal(env, scope, vt, elem, o2, (o3) => step(i + 1, o3));
      });
    };
    return step(0, out);
  }
  planTerm(env, scope, t, out, (l, o) => {
    o.push({ kind: 'Equal', a: local, b: l, loc: t.loc });
    k(o);
  });
}

function planComprehension(env: Env, scope: Scope, t: Term & { kind: 'ArrayComprehension' | 'SetComprehension' | 'ObjectComprehension' }, out: Stmt[], k: KT): void {
  const res = env.fn.local();
  const inner = block();
  const s = scope.child();
  switch (t.kind) {
    case 'ArrayComprehension':
      out.push({ kind: 'MakeArray', capacity: 0, target: res, loc: t.loc });
      planBody(env, s, t.body, 0, inner.stmts, (o) => planTerm(env, s, t.term, o, (v, o2) => {
        o2.push({ kind: 'ArrayAppend', array: res, value: v, loc: t.loc });
      }));
      break;
    case 'SetComprehension':
      out.push({ kind: 'MakeSet', target: res, loc: t.loc });
      planBody(env, s, t.body, 0, inner.stmts, (o) => planTerm(env, s, t.term, o, (v, o2) => {
        o2.push({ kind: 'SetAdd', set: res, value: v, loc: t.loc });
      }));
      break;
    case 'ObjectComprehension':
      out.push({ kind: 'MakeObject', target: res, loc: t.loc });
      planBody(env, s, t.body, 0, inner.stmts, (o) => planTerm(env, s, t.key, o, (kl, o2) => planTerm(env, s, t.value, o2, (vl, o3) => {
        o3.push({ kind: 'ObjectInsertOnce', object: res, key: kl, value: vl, message: 'object keys must be unique', loc: t.loc });
      })));
      break;
  }
  out.push({ kind: 'Block', blocks: [inner], loc: t.loc });
  k(res, out);
}

export type { CallTerm };
