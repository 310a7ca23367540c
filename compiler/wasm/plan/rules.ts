// Rule functions: one per rule node (all definitions of a complete rule, partial set,
// partial object or function), with `else` chains, `default` and conflict detection.
import type { Term, Rule, Body } from '../../rego/ast.ts';
import type { Func, Local, Stmt } from '../ir/index.ts';
import { INPUT, DATA } from '../ir/index.ts';
import type { Env, Planner, Overrides } from './context.ts';
import { FuncCtx, Scope, block, makeEnv, NO_OVERRIDES } from './context.ts';
import type { RuleEntry, RuleNode } from './tree.ts';
import { planBody, declareVars, safeOrder } from './body.ts';
import { planTerm, planSeq, unifyLocal, emitConst, constJson } from './terms.ts';
import { ruleFuncName } from './data.ts';
import { PlanError } from './errors.ts';

// Both OPA phrasings, so either version of OPA's expected message matches.
const conflictComplete = (path: string): string => `complete rules must not produce multiple outputs: rule data.${path} produced conflicting values`;
const conflictFunc = (path: string): string => `functions must not produce multiple outputs for same inputs: function data.${path} produced conflicting values for the same inputs`;
const CONFLICT_OBJECT = 'object keys must be unique';

export function requestRuleFunc(planner: Planner, node: RuleNode, overrides: Overrides = NO_OVERRIDES): string {
  const name = overrides.key ? `${ruleFuncName(node)}#${overrides.key}` : ruleFuncName(node);
  if (planner.funcs.has(name) || planner.pending.has(name)) return name;
  planner.pending.set(name, () => planRuleFunc(planner, node, name, overrides));
  return name;
}

const NO_PRELUDE = (_scope: Scope, out: Stmt[], then: (out: Stmt[]) => void): void => then(out);

const TRUE_TERM = (loc: Term['loc']): Term => ({ kind: 'Boolean', value: true, loc });

function planRuleFunc(planner: Planner, node: RuleNode, name: string, overrides: Overrides): Func {
  const kind = node.kind!;
  const first = node.rules[0]!;
  const arity = kind === 'func' ? (first.rule.head.args ?? []).length : 0;
  const fn = new FuncCtx(2 + arity);
  const params: Local[] = [INPUT, DATA];
  for (let i = 0; i < arity; i++) params.push(2 + i);
  const result = fn.local();
  const stmts: Stmt[] = [];
  if (kind === 'set') stmts.push({ kind: 'MakeSet', target: result });
  else if (kind === 'object' || kind === 'nested') stmts.push({ kind: 'MakeObject', target: result });
  else stmts.push({ kind: 'ResetLocal', target: result });

  const defaults: RuleEntry[] = [];
  for (const entry of node.rules) {
    if (entry.rule.isDefault) { defaults.push(entry); continue; }
    const env = makeEnv(planner, entry.module, fn, INPUT, DATA, overrides);
    if (kind === 'nested') {
      const b = block();
      const scope = new Scope();
      const rule = entry.rule;
      const leaf: Term = rule.head.key ?? rule.head.value ?? TRUE_TERM(rule.loc);
      planBody(env, scope, safeOrder(env, rule.body, NO_PRELUDE), 0, b.stmts, (o) => planSeq(env, scope, [...entry.keys!, leaf], o, (ls, o2) => {
        o2.push({ kind: 'ObjectInsertPath', object: result, path: ls.slice(0, -1), value: ls[ls.length - 1]!, set: rule.head.key !== undefined,
          message: conflictComplete(node.path.join('.')), loc: rule.loc });
      }));
      stmts.push({ kind: 'Block', blocks: [b], loc: rule.loc });
      continue;
    }
    if (kind === 'set' || kind === 'object') {
      const b = block();
      const scope = new Scope();
      planBody(env, scope, safeOrder(env, entry.rule.body, NO_PRELUDE), 0, b.stmts, (o) => {
        if (kind === 'set') {
          planTerm(env, scope, entry.rule.head.key!, o, (kl, o2) => o2.push({ kind: 'SetAdd', set: result, value: kl, loc: entry.rule.loc }));
        } else {
          planTerm(env, scope, entry.key!, o, (kl, o2) => planTerm(env, scope, entry.rule.head.value ?? TRUE_TERM(entry.rule.loc), o2, (vl, o3) => {
            o3.push({ kind: 'ObjectInsertOnce', object: result, key: kl, value: vl, message: CONFLICT_OBJECT, loc: entry.rule.loc });
          }));
        }
      });
      stmts.push({ kind: 'Block', blocks: [b], loc: entry.rule.loc });
      continue;
    }
    planChain(env, entry.rule, params.slice(2), result, kind === 'func' ? conflictFunc(node.path.join('.')) : conflictComplete(node.path.join('.')), stmts);
  }
  if (defaults.length > 1) throw new PlanError(`multiple default rules for ${node.path.join('.')}`, defaults[1]!.rule.loc);
  const def = defaults[0];
  if (def) {
    const b = block([{ kind: 'IsUndefined', source: result }]);
    const env = makeEnv(planner, def.module, fn, INPUT, DATA, overrides);
    const scope = new Scope();
    const bindArgs = (o: Stmt[], i: number, then: (o: Stmt[]) => void): void => {
      const args = def.rule.head.args ?? [];
      if (i === args.length) return then(o);
      declareVars(scope, args[i]!);
      unifyLocal(env, scope, args[i]!, params[2 + i]!, o, (o2) => bindArgs(o2, i + 1, then));
    };
    bindArgs(b.stmts, 0, (o) => planTerm(env, scope, def.rule.head.value ?? TRUE_TERM(def.rule.loc), o, (v, o2) => {
      o2.push({ kind: 'AssignVar', source: v, target: result });
    }));
    stmts.push({ kind: 'Block', blocks: [b] });
  }
  stmts.push({ kind: 'ReturnLocal', source: result });
  const memo = kind !== 'func' && overrides.key === '';
  return { name, params, returns: result, locals: fn.count, blocks: [{ stmts }], memo, loc: first.rule.loc };
}

/** One rule with its else chain: the first body with a solution gives the value. */
function planChain(env: Env, rule: Rule, args: Local[], result: Local, message: string, out: Stmt[]): void {
  const chain: { body: Body; value: Term; loc: Term['loc'] }[] = [
    { body: rule.body, value: rule.head.value ?? TRUE_TERM(rule.loc), loc: rule.loc },
    ...rule.elses.map((e) => ({ body: e.body, value: e.value ?? TRUE_TERM(e.loc), loc: e.loc })),
  ];
  const single = chain.length === 1;
  const tmp = single ? result : env.fn.local();
  if (!single) out.push({ kind: 'ResetLocal', target: tmp });
  for (const link of chain) {
    const b = block();
    if (!single) b.stmts.push({ kind: 'IsUndefined', source: tmp });
    const scope = new Scope();
    const params = rule.head.args ?? [];
    const bindArgs = (sc: Scope, o: Stmt[], i: number, then: (o: Stmt[]) => void): void => {
      if (i === params.length) return then(o);
      declareVars(sc, params[i]!);
      unifyLocal(env, sc, params[i]!, args[i]!, o, (o2) => bindArgs(sc, o2, i + 1, then));
    };
    const body = safeOrder(env, link.body, (sc, o, then) => bindArgs(sc, o, 0, then));
    bindArgs(scope, b.stmts, 0, (o) => planBody(env, scope, body, 0, o, (o2) => {
      const j = constJson(link.value);
      const v = j !== undefined ? emitConst(env, j, o2, link.loc) : undefined;
      const assign = (vl: Local, o3: Stmt[]): void => {
        o3.push({ kind: 'AssignVarOnce', source: vl, target: tmp, message, loc: link.loc });
      };
      if (v !== undefined) assign(v, o2);
      else planTerm(env, scope, link.value, o2, assign);
    }));
    out.push({ kind: 'Block', blocks: [b], loc: link.loc });
  }
  if (!single) {
    out.push({ kind: 'Block', blocks: [block([
      { kind: 'IsDefined', source: tmp },
      { kind: 'AssignVarOnce', source: tmp, target: result, message, loc: rule.loc },
    ])] });
  }
}
