// Calls: user functions (resolved through the package, imports and `data.`), builtins
// (recorded for codegen with their arity) and membership (`x in xs`, planned inline).
import type { CallTerm, Term } from '../../rego/ast.ts';
import type { Local, Stmt } from '../ir/index.ts';
import { PlanError } from './errors.ts';
import type { Env, KT, Overrides, FuncMock } from './context.ts';
import { Scope, block, overridesKey } from './context.ts';
import { findNode } from './tree.ts';
import type { RuleNode } from './tree.ts';
import { planSeq, planTerm, emitConst } from './terms.ts';
import { requestRuleFunc } from './rules.ts';
import { BUILTIN_ARITY } from '../builtin-arity.ts';

export type Callee =
  | { readonly kind: 'user'; readonly node: RuleNode; readonly arity: number }
  | { readonly kind: 'builtin'; readonly name: string; readonly arity: number };

/** Resolves a call's operator to a user function or a builtin. */
export function resolveCallee(env: Env, operator: string, loc: Term['loc']): Callee {
  const segs = operator.split('.');
  const first = segs[0]!;
  let path: string[] | undefined;
  if (first === 'data') path = segs.slice(1);
  else if (env.imports.has(first)) {
    const imp = env.imports.get(first)!;
    if (imp.path.head.kind === 'Var' && imp.path.head.name === 'data') {
      const strs = imp.path.path.map((t) => (t.kind === 'String' ? t.value : undefined));
      if (strs.every((s) => s !== undefined)) path = [...(strs as string[]), ...segs.slice(1)];
    }
  } else if (env.pkgNode?.children.has(first)) path = [...env.pkg, ...segs];
  if (path) {
    const node = findNode(env.planner.root, path);
    if (node && node.kind === 'func') {
      const args = node.rules[0]!.rule.head.args ?? [];
      return { kind: 'user', node, arity: args.length };
    }
    throw new PlanError(`function ${operator} is not defined`, loc);
  }
  const arity = BUILTIN_ARITY[operator];
  if (arity === undefined) {
    throw new PlanError(`unknown function ${operator}`, loc);
  }
  return { kind: 'builtin', name: operator, arity };
}

export function calleeKey(callee: Callee): string {
  return callee.kind === 'user' ? `data.${callee.node.path.join('.')}` : callee.name;
}

/** The overrides without function mocks: a replacement function runs unmocked, as in OPA. */
function withoutFuncMocks(o: Overrides): Overrides {
  if (o.funcs.size === 0) return o;
  const funcs = new Map<string, FuncMock>();
  return { funcs, data: o.data, key: overridesKey(funcs, o.data) };
}

/** Emits the call of a resolved callee on already planned argument locals. */
export function emitCallee(env: Env, callee: Callee, args: Local[], out: Stmt[], loc: Term['loc']): Local {
  const target = env.fn.local();
  const key = calleeKey(callee);
  const mock = env.overrides.funcs.get(key);
  if (mock?.kind === 'value') {
    out.push({ kind: 'GetGlobal', slot: mock.slot, target, loc });
    return target;
  }
  if (mock?.kind === 'callee') {
    return emitCallee({ ...env, overrides: withoutFuncMocks(env.overrides) }, mock.callee, args, out, loc);
  }
  if (callee.kind === 'user') {
    out.push({ kind: 'Call', func: requestRuleFunc(env.planner, callee.node, env.overrides), args: [env.input, env.data, ...args], target, loc });
  } else {
    env.planner.builtins.set(callee.name, args.length);
    out.push({ kind: 'Call', func: callee.name, args, target, loc });
  }
  return target;
}

/** A call used for its value. */
export function planCallValue(env: Env, scope: Scope, t: CallTerm, out: Stmt[], k: KT): void {
  switch (t.operator) {
    case 'internal.member_2':
      return planMember(env, scope, undefined, t.args[0]!, t.args[1]!, t, out, k);
    case 'internal.member_3':
      return planMember(env, scope, t.args[0]!, t.args[1]!, t.args[2]!, t, out, k);
    case 'assign': case 'eq':
      throw new PlanError(`${t.operator === 'eq' ? '=' : ':='} used as a value`, t.loc);
    case 'print':
      return k(emitConst(env, 'true', out), out);
    default:
      break;
  }
  const callee = resolveCallee(env, t.operator, t.loc);
  planSeq(env, scope, t.args, out, (args, o) => k(emitCallee(env, callee, args, o, t.loc), o));
}

/** `x in xs` / `k, x in xs` as a boolean: scan for an equal element. */
function planMember(env: Env, scope: Scope, key: Term | undefined, value: Term, coll: Term, t: CallTerm, out: Stmt[], k: KT): void {
  const terms = key ? [key, value, coll] : [value, coll];
  planSeq(env, scope, terms, out, (ls, o) => {
    const res = env.fn.local();
    o.push({ kind: 'MakeConst', json: 'false', target: res, loc: t.loc });
    const c = ls[ls.length - 1]!;
    const kl = env.fn.local();
    const vl = env.fn.local();
    const body = block();
    if (key) body.stmts.push({ kind: 'Equal', a: kl, b: ls[0]!, loc: t.loc });
    body.stmts.push({ kind: 'Equal', a: vl, b: ls[ls.length - 2]!, loc: t.loc });
    body.stmts.push({ kind: 'MakeConst', json: 'true', target: res, loc: t.loc });
    body.stmts.push({ kind: 'Break', index: 1, loc: t.loc });
    o.push({ kind: 'Block', blocks: [block([{ kind: 'Scan', source: c, key: kl, value: vl, block: body, loc: t.loc }])] });
    k(res, o);
  });
}

export { Scope };
