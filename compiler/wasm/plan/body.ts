// Rule bodies: expressions in order, each continuing into the next (inside any scans it
// opened). Negation and `every` use flag locals; `with` swaps the input/data locals.
import type { Body, Expr, Term, Every, SomeIn, With, CallTerm } from '../../rego/ast.ts';
import { assertNever } from '../../rego/ast.ts';
import type { Local, Stmt } from '../ir/index.ts';
import { PlanError } from './errors.ts';
import type { Env, K, FuncMock, Overrides } from './context.ts';
import { Scope, block, withLocals, unboundVars, overridesKey } from './context.ts';
import { planTerm, unify, unifyLocal, planSeq, emitConst } from './terms.ts';
import { resolveCallee, emitCallee, calleeKey, type Callee } from './calls.ts';
import { findNode } from './tree.ts';

/**
 * OPA reorders body expressions so each variable is bound before it is used (`x > 1;
 * x = input.x`). When the written order leaves a variable unsafe, find the order OPA's
 * safety check would: repeatedly take the first remaining expression that plans safely.
 * Trial planning only allocates locals and requests functions the body needs anyway.
 */
export function safeOrder(env: Env, body: Body, prelude: (scope: Scope, out: Stmt[], then: K) => void): Body {
  const plans = (order: Body): boolean => {
    try {
      const scope = new Scope();
      prelude(scope, [], (o) => planBody(env, scope, order, 0, o, () => {}));
      return true;
    } catch (e) {
      if (e instanceof PlanError && /unsafe/.test(e.message)) return false;
      throw e;
    }
  };
  if (plans(body)) return body;
  const order: Expr[] = [];
  const remaining = [...body];
  while (remaining.length > 0) {
    const i = remaining.findIndex((c) => plans([...order, c]));
    if (i < 0) return body; // no safe order: planning the written one reports the variable
    order.push(remaining[i]!);
    remaining.splice(i, 1);
  }
  return order;
}

export function planBody(env: Env, scope: Scope, body: Body, i: number, out: Stmt[], k: K): void {
  if (i === body.length) return k(out);
  planExpr(env, scope, body[i]!, out, (o) => planBody(env, scope, body, i + 1, o, k));
}

export function planExpr(env: Env, scope: Scope, e: Expr, out: Stmt[], k: K): void {
  if (e.with.length > 0) return planWith(env, scope, e, 0, env, out, k);
  return planExprInner(env, scope, e, out, k);
}

function planExprInner(env: Env, scope: Scope, e: Expr, out: Stmt[], k: K): void {
  if (e.negated) {
    const flag = env.fn.local();
    out.push({ kind: 'ResetLocal', target: flag, loc: e.loc });
    const inner = block();
    planPositive(env, scope.child(), e, inner.stmts, (o) => {
      o.push({ kind: 'MakeConst', json: 'true', target: flag, loc: e.loc });
    });
    out.push({ kind: 'Block', blocks: [inner], loc: e.loc });
    out.push({ kind: 'IsUndefined', source: flag, loc: e.loc });
    return k(out);
  }
  return planPositive(env, scope, e, out, k);
}

function planPositive(env: Env, scope: Scope, e: Expr, out: Stmt[], k: K): void {
  const node = e.node;
  switch (node.kind) {
    case 'SomeVars':
      for (const v of node.vars) scope.declare(v.name);
      return k(out);
    case 'SomeIn':
      return planSomeIn(env, scope, node, out, k);
    case 'Every':
      return planEvery(env, scope, node, out, k);
    case 'Call':
      return planCallExpr(env, scope, node, out, k);
    case 'Null': case 'Boolean': case 'Number': case 'String': case 'Var': case 'Ref':
    case 'Array': case 'Set': case 'Object':
    case 'ArrayComprehension': case 'SetComprehension': case 'ObjectComprehension':
      return planTerm(env, scope, node, out, (l, o) => {
        o.push({ kind: 'Truthy', source: l, loc: e.loc });
        k(o);
      });
    default:
      return assertNever(node, 'expression');
  }
}

/**
 * Declares the variables of a pattern as new locals (`:=`, `some ... in`, function
 * parameters), shadowing rules and variables of enclosing scopes (a comprehension or
 * `every` body may reuse an outer name); a name already declared in this scope is kept.
 */
export function declareVars(scope: Scope, t: Term): void {
  switch (t.kind) {
    case 'Var': if (!scope.hasOwn(t.name)) scope.declare(t.name); return;
    case 'Array': for (const i of t.items) declareVars(scope, i); return;
    case 'Object': for (const [, v] of t.entries) declareVars(scope, v); return;
    default: return;
  }
}

function planCallExpr(env: Env, scope: Scope, t: CallTerm, out: Stmt[], k: K): void {
  const [a, b] = t.args;
  // `x := walk(v)`: a relation used as a value is its output-argument form, iterated
  for (const [lhs, rhs] of [[a, b], [b, a]] as const) {
    if ((t.operator === 'assign' || t.operator === 'eq') && rhs?.kind === 'Call' && RELATIONS.has(rhs.operator) && lhs) {
      if (t.operator === 'assign') declareVars(scope, lhs);
      return planCallExpr(env, scope, { ...rhs, args: [...rhs.args, lhs] }, out, k);
    }
  }
  switch (t.operator) {
    case 'assign':
      declareVars(scope, a!);
      return unify(env, scope, a!, b!, out, k);
    case 'eq':
      return unify(env, scope, a!, b!, out, k);
    case 'equal':
      return planSeq(env, scope, [a!, b!], out, ([la, lb], o) => {
        o.push({ kind: 'Equal', a: la!, b: lb!, loc: t.loc });
        k(o);
      });
    case 'neq':
      return planSeq(env, scope, [a!, b!], out, ([la, lb], o) => {
        o.push({ kind: 'NotEqual', a: la!, b: lb!, loc: t.loc });
        k(o);
      });
    case 'internal.member_2': case 'internal.member_3': case 'print':
      return planTerm(env, scope, t, out, (l, o) => {
        o.push({ kind: 'Truthy', source: l, loc: t.loc });
        k(o);
      });
    default:
      break;
  }
  const callee = resolveCallee(env, t.operator, t.loc);
  if (callee.arity >= 0 && t.args.length === callee.arity + 1) {
    // output-argument form: f(a, b, out)
    const inputs = t.args.slice(0, callee.arity);
    const output = t.args[callee.arity]!;
    return planSeq(env, scope, inputs, out, (ls, o) => {
      const r = emitCallee(env, callee, ls, o, t.loc);
      if (callee.kind === 'builtin' && RELATIONS.has(callee.name)) {
        // a relation (walk) answers every solution as an array; iterate it
        const kl = env.fn.local();
        const vl = env.fn.local();
        const body = block();
        o.push({ kind: 'Scan', source: r, key: kl, value: vl, block: body, loc: t.loc });
        return unifyLocal(env, scope, output, vl, body.stmts, k);
      }
      unifyLocal(env, scope, output, r, o, k);
    });
  }
  if (callee.arity >= 0 && t.args.length !== callee.arity) {
    throw new PlanError(`${t.operator}: expected ${callee.arity} arguments, got ${t.args.length}`, t.loc);
  }
  return planSeq(env, scope, t.args, out, (ls, o) => {
    const r = emitCallee(env, callee, ls, o, t.loc);
    o.push({ kind: 'Truthy', source: r, loc: t.loc });
    k(o);
  });
}

/** Builtins that are relations in OPA: their native form returns the array of all solutions. */
const RELATIONS: ReadonlySet<string> = new Set(['walk']);

function planSomeIn(env: Env, scope: Scope, node: SomeIn, out: Stmt[], k: K): void {
  declareVars(scope, node.value);
  if (node.key) declareVars(scope, node.key);
  planTerm(env, scope, node.collection, out, (c, o) => {
    const kl = env.fn.local();
    const vl = env.fn.local();
    const body = block();
    o.push({ kind: 'Scan', source: c, key: kl, value: vl, block: body, loc: node.loc });
    const afterKey = (o2: Stmt[]): void => unifyLocal(env, scope, node.value, vl, o2, k);
    if (node.key) unifyLocal(env, scope, node.key, kl, body.stmts, afterKey);
    else afterKey(body.stmts);
  });
}

function planEvery(env: Env, scope: Scope, node: Every, out: Stmt[], k: K): void {
  planTerm(env, scope, node.domain, out, (d, o) => {
    const failed = env.fn.local();
    o.push({ kind: 'ResetLocal', target: failed, loc: node.loc });
    const kl = env.fn.local();
    const vl = env.fn.local();
    const ok = env.fn.local();
    const body = block();
    body.stmts.push({ kind: 'ResetLocal', target: ok });
    const s = scope.child();
    if (node.key) s.bind(node.key.name, kl);
    s.bind(node.value.name, vl);
    const inner = block();
    planBody(env, s, node.body, 0, inner.stmts, (o2) => {
      o2.push({ kind: 'MakeConst', json: 'true', target: ok });
    });
    body.stmts.push({ kind: 'Block', blocks: [inner] });
    body.stmts.push({ kind: 'IsUndefined', source: ok });
    body.stmts.push({ kind: 'MakeConst', json: 'true', target: failed });
    body.stmts.push({ kind: 'Break', index: 1 });
    o.push({ kind: 'Block', blocks: [block([{ kind: 'Scan', source: d, key: kl, value: vl, block: body, loc: node.loc }])] });
    o.push({ kind: 'IsUndefined', source: failed, loc: node.loc });
    k(o);
  });
}

/** `with` modifiers: values are planned in the outer env, then the expression in the new one. */
function planWith(env: Env, scope: Scope, e: Expr, i: number, cur: Env, out: Stmt[], k: K): void {
  if (i === e.with.length) return planExprInner(cur, scope, e, out, k);
  const w: With = e.with[i]!;
  const target = w.target;
  if (target.kind !== 'Ref' && target.kind !== 'Var') throw new PlanError('with target must be a reference', w.loc);
  const head = target.kind === 'Ref' ? target.head : target;
  const path = target.kind === 'Ref' ? target.path : [];
  const segs = path.map((p) => (p.kind === 'String' ? p.value : undefined));
  if (segs.some((s) => s === undefined)) throw new PlanError('with target paths must be constant', w.loc);
  const strs = segs as string[];
  if (head.kind !== 'Var') throw new PlanError('with target must be input, data or a function', w.loc);
  if (head.name !== 'input' && head.name !== 'data') {
    return planFuncMock(env, scope, e, i, cur, [head.name, ...strs].join('.'), w, out, k);
  }
  if (head.name === 'data') {
    const node = findNode(env.planner.root, strs);
    if (node?.kind === 'func') return planFuncMock(env, scope, e, i, cur, ['data', ...strs].join('.'), w, out, k);
  }
  if (unboundVars(env, scope, w.value).length > 0) throw new PlanError('with value has unsafe variables', w.value.loc);
  planTerm(env, scope, w.value, out, (v, o) => {
    const keys: Local[] = strs.map((s) => emitConst(env, JSON.stringify(s), o));
    const nl = env.fn.local();
    const src = head.name === 'input' ? cur.input : cur.data;
    if (keys.length === 0) o.push({ kind: 'AssignVar', source: v, target: nl, loc: w.loc });
    else o.push({ kind: 'Upsert', source: src, path: keys, value: v, target: nl, loc: w.loc });
    let next = head.name === 'input' ? withLocals(cur, nl, cur.data) : withLocals(cur, cur.input, nl);
    const reach = head.name === 'data' ? ruleTreeReach(env, strs) : 'none';
    if (reach !== 'none') {
      if (reach === 'below-rule') throw new PlanError('with below a rule value is not supported yet', w.loc);
      const slot = env.planner.slots++;
      o.push({ kind: 'SetGlobal', slot, source: v, loc: w.loc });
      const data = new Map(next.overrides.data);
      data.set(strs.join('.'), slot);
      next = { ...next, overrides: { funcs: next.overrides.funcs, data, key: overridesKey(next.overrides.funcs, data) } };
    }
    planWith(env, scope, e, i + 1, next, o, k);
  });
}

/** `with f as g` / `with f as value`: calls of f under the expression use the replacement. */
function planFuncMock(env: Env, scope: Scope, e: Expr, i: number, cur: Env, name: string, w: With, out: Stmt[], k: K): void {
  const callee = resolveCallee(env, name, w.loc);
  const key = calleeKey(callee);
  const replacement = functionNamed(env, scope, w.value);
  const next = (mock: FuncMock, o: Stmt[]): void => {
    const funcs = new Map(cur.overrides.funcs);
    funcs.set(key, mock);
    const overrides: Overrides = { funcs, data: cur.overrides.data, key: overridesKey(funcs, cur.overrides.data) };
    planWith(env, scope, e, i + 1, { ...cur, overrides }, o, k);
  };
  if (replacement) return next({ kind: 'callee', callee: replacement }, out);
  if (unboundVars(env, scope, w.value).length > 0) throw new PlanError('with value has unsafe variables', w.value.loc);
  planTerm(env, scope, w.value, out, (v, o) => {
    const slot = env.planner.slots++;
    o.push({ kind: 'SetGlobal', slot, source: v, loc: w.loc });
    next({ kind: 'value', slot }, o);
  });
}

/** The function a with value names (`count`, `data.lib.f`, `f`), if it names one. */
function functionNamed(env: Env, scope: Scope, t: Term): Callee | undefined {
  let name: string | undefined;
  if (t.kind === 'Var') name = t.name;
  else if (t.kind === 'Ref' && t.head.kind === 'Var' && t.path.every((p) => p.kind === 'String')) {
    name = [t.head.name, ...t.path.map((p) => (p as { value: string }).value)].join('.');
  }
  if (name === undefined) return undefined;
  const first = name.split('.')[0]!;
  if (scope.lookup(first) !== undefined) return undefined;
  try {
    return resolveCallee(env, name, t.loc);
  } catch {
    return undefined;
  }
}

/**
 * Follows `path` down the rule tree: 'below-rule' when it passes through a rule node (a
 * with on part of a rule's value), else whether the node it ends at holds value rules.
 */
function ruleTreeReach(env: Env, path: readonly string[]): 'below-rule' | 'rules' | 'none' {
  let node = env.planner.root;
  for (const seg of path) {
    if (node.kind && node.kind !== 'func') return 'below-rule';
    const c = node.children.get(seg);
    if (!c) return 'none';
    node = c;
  }
  return node.hasValueRules ? 'rules' : 'none';
}
