// `data...` refs: walk the rule tree along constant path segments; a rule node becomes a
// call of its rule function, a subtree without rules becomes dots into base data, and a
// package node read whole (or iterated) becomes its merged virtual document.
import type { Term } from '../../rego/ast.ts';
import type { Func, Local, Stmt } from '../ir/index.ts';
import { INPUT, DATA } from '../ir/index.ts';
import type { Env, KT } from './context.ts';
import { FuncCtx, Scope, block } from './context.ts';
import type { RuleNode } from './tree.ts';
import { walkPath, emitConst } from './terms.ts';
import { requestRuleFunc } from './rules.ts';

export function ruleFuncName(node: RuleNode): string {
  return `g0.data.${node.path.join('.')}`;
}

export function docFuncName(node: RuleNode): string {
  return `doc.data.${node.path.join('.')}`;
}

/** Emits a call of a planned function with the env's input and data. */
export function emitCall(env: Env, name: string, out: Stmt[], loc?: Term['loc']): Local {
  const target = env.fn.local();
  out.push({ kind: 'Call', func: name, args: [env.input, env.data], target, loc });
  return target;
}

export function planData(env: Env, scope: Scope, path: readonly Term[], out: Stmt[], k: KT): void {
  let node = env.planner.root;
  let i = 0;
  for (;;) {
    const slot = env.overrides.data.get(node.path.join('.'));
    if (slot !== undefined && node !== env.planner.root) {
      const target = env.fn.local();
      out.push({ kind: 'GetGlobal', slot, target, loc: path[i - 1]?.loc });
      return walkPath(env, scope, target, path, i, out, k);
    }
    if (!node.hasAnyRules) return baseData(env, scope, node.path, path.slice(i), out, k);
    if (node.kind && node.kind !== 'func') {
      const name = node.children.size > 0 ? requestDocFunc(env, node) : requestRuleFunc(env.planner, node, env.overrides);
      return walkPath(env, scope, emitCall(env, name, out, path[i - 1]?.loc), path, i, out, k);
    }
    const t = path[i];
    // rule keys are strings: a number, boolean or null key can only be base data
    if (t && (t.kind === 'Number' || t.kind === 'Boolean' || t.kind === 'Null')) {
      return baseData(env, scope, node.path, path.slice(i), out, k);
    }
    if (t === undefined || t.kind !== 'String') {
      const doc = emitCall(env, requestDocFunc(env, node), out, t?.loc);
      return walkPath(env, scope, doc, path, i, out, k);
    }
    const child = node.children.get(t.value);
    if (!child) return baseData(env, scope, node.path, path.slice(i), out, k);
    node = child;
    i++;
  }
}

function baseData(env: Env, scope: Scope, prefix: readonly string[], rest: readonly Term[], out: Stmt[], k: KT): void {
  let cur = env.data;
  for (const seg of prefix) {
    const key = emitConst(env, JSON.stringify(seg), out);
    const target = env.fn.local();
    out.push({ kind: 'Dot', source: cur, key, target });
    cur = target;
  }
  walkBase(env, scope, cur, rest, 0, out, k);
}

/**
 * Walks base data: like walkPath, except that an integer key also finds the object key
 * with the same text (`data.x[2]` reads `{"2": ...}`), as OPA does for refs into data.
 */
function walkBase(env: Env, scope: Scope, source: Local, path: readonly Term[], i: number, out: Stmt[], k: KT): void {
  const t = path[i];
  if (t === undefined || t.kind !== 'Number' || !/^-?[0-9]+$/.test(t.text)) {
    if (i === path.length) return k(source, out);
    return walkPath(env, scope, source, path.slice(i, i + 1), 0, out, (v, o) => walkBase(env, scope, v, path, i + 1, o, k));
  }
  const r = env.fn.local();
  out.push({ kind: 'ResetLocal', target: r, loc: t.loc });
  const asNumber = block();
  const n = emitConst(env, t.text, asNumber.stmts, t.loc);
  const v1 = env.fn.local();
  asNumber.stmts.push({ kind: 'Dot', source, key: n, target: v1, loc: t.loc }, { kind: 'AssignVar', source: v1, target: r });
  const asString = block([{ kind: 'IsUndefined', source: r }]);
  const s = emitConst(env, JSON.stringify(t.text), asString.stmts, t.loc);
  const v2 = env.fn.local();
  asString.stmts.push({ kind: 'Dot', source, key: s, target: v2, loc: t.loc }, { kind: 'AssignVar', source: v2, target: r });
  out.push({ kind: 'Block', blocks: [asNumber, asString], loc: t.loc }, { kind: 'IsDefined', source: r, loc: t.loc });
  walkBase(env, scope, r, path, i + 1, out, k);
}

/** The function computing a node's whole document: base data merged with its rules' values. */
export function requestDocFunc(env: Env, node: RuleNode): string {
  const name = env.overrides.key ? `${docFuncName(node)}#${env.overrides.key}` : docFuncName(node);
  const planner = env.planner;
  if (planner.funcs.has(name) || planner.pending.has(name)) return name;
  planner.pending.set(name, () => planDocFunc(env, node, name));
  return name;
}

function planDocFunc(env0: Env, node: RuleNode, name: string): Func {
  const fn = new FuncCtx(2);
  const env: Env = { ...env0, fn, input: INPUT, data: DATA };
  const stmts: Stmt[] = [];
  const base = fn.local();
  const baseBlock = block();
  let cur: Local = DATA;
  for (const seg of node.path) {
    const key = emitConst(env, JSON.stringify(seg), baseBlock.stmts);
    const target = fn.local();
    baseBlock.stmts.push({ kind: 'Dot', source: cur, key, target });
    cur = target;
  }
  baseBlock.stmts.push({ kind: 'AssignVar', source: cur, target: base });
  stmts.push({ kind: 'Block', blocks: [baseBlock] });
  const obj = fn.local();
  stmts.push({ kind: 'MakeObject', target: obj });
  const keys = [...node.children.keys()].sort();
  for (const key of keys) {
    const child = node.children.get(key)!;
    if (!child.hasAnyRules || child.kind === 'func') continue;
    const b = block();
    const k = emitConst(env, JSON.stringify(key), b.stmts);
    let v: Local;
    const slot = env.overrides.data.get(child.path.join('.'));
    if (slot !== undefined) {
      v = fn.local();
      b.stmts.push({ kind: 'GetGlobal', slot, target: v });
    } else if (!child.hasValueRules && child.children.size === 0) v = emitConst(env, '{}', b.stmts);
    else if (child.kind && child.children.size === 0) v = emitCall(env, requestRuleFunc(env.planner, child, env.overrides), b.stmts);
    else v = emitCall(env, requestDocFunc(env, child), b.stmts);
    b.stmts.push({ kind: 'ObjectInsert', object: obj, key: k, value: v });
    stmts.push({ kind: 'Block', blocks: [b] });
  }
  let merged = obj;
  if (node.kind && node.kind !== 'func') {
    const own = fn.local();
    const b = block();
    const v = emitCall(env, requestRuleFunc(env.planner, node, env.overrides), b.stmts);
    b.stmts.push({ kind: 'ObjectMerge', a: v, b: obj, target: own });
    stmts.push({ kind: 'AssignVar', source: obj, target: own });
    stmts.push({ kind: 'Block', blocks: [b] });
    merged = own;
  }
  const result = fn.local();
  stmts.push({ kind: 'ObjectMerge', a: base, b: merged, target: result });
  stmts.push({ kind: 'ReturnLocal', source: result });
  return { name, params: [INPUT, DATA], returns: result, locals: fn.count, blocks: [{ stmts }], memo: env.overrides.key === '' };
}

export { Scope };
