// Planner entry: checked Rego modules and entrypoint paths (`pkg/rule`) → IR policy.
// Plans each entrypoint as a data ref, then every rule/doc function it reaches, lazily,
// so rules no entrypoint needs are never compiled.
import type { Module, Term } from '../../rego/ast.ts';
import type { Diagnostic, Loc } from '../../diagnostics/index.ts';
import { error } from '../../diagnostics/index.ts';
import type { Block, Func, Plan, Policy, Stmt } from '../ir/index.ts';
import { INPUT, DATA } from '../ir/index.ts';
import type { Planner } from './context.ts';
import { FuncCtx, Scope, makeEnv } from './context.ts';
import { PlanError } from './errors.ts';
import { buildTree, findNode } from './tree.ts';
import { planData } from './data.ts';

export { PlanError };

function callees(blocks: readonly Block[], out: string[] = []): string[] {
  for (const b of blocks) {
    for (const st of b.stmts) {
      if (st.kind === 'Call') out.push(st.func);
      else if (st.kind === 'Block') callees(st.blocks, out);
      else if (st.kind === 'Scan') callees([st.block], out);
    }
  }
  return out;
}

/** A cycle among planned functions (rules that depend on themselves), which would never end. */
function findCycle(funcs: ReadonlyMap<string, Func>): Func[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: Func[] = [];
  const visit = (f: Func): Func[] | undefined => {
    state.set(f.name, 1);
    stack.push(f);
    for (const c of callees(f.blocks)) {
      const g = funcs.get(c);
      if (!g) continue;
      if (state.get(c) === 1) return [...stack.slice(stack.indexOf(g)), g];
      if (!state.has(c)) {
        const found = visit(g);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(f.name, 2);
    return undefined;
  };
  for (const f of funcs.values()) {
    if (!state.has(f.name)) {
      const found = visit(f);
      if (found) return found;
    }
  }
  return undefined;
}

export interface PlanResult {
  readonly policy?: Policy;
  readonly diagnostics: Diagnostic[];
}

const NOWHERE: Loc = { file: '<entrypoint>', line: 1, col: 1 };

export function planPolicy(modules: readonly Module[], entrypoints: readonly string[]): PlanResult {
  try {
    const root = buildTree(modules);
    const planner: Planner = { root, slots: 0, funcs: new Map(), pending: new Map(), builtins: new Map() };
    const plans: Plan[] = [];
    const anyModule: Module = modules[0] ?? {
      kind: 'Module', package: { kind: 'Package', path: [], loc: NOWHERE }, imports: [], rules: [], comments: [], loc: NOWHERE,
    };
    for (const ep of entrypoints) {
      const segs = ep.split('/').filter((s) => s.length > 0);
      if (!findNode(root, segs)?.hasAnyRules) {
        return { diagnostics: [error('leash_project_error', `entrypoint ${ep} names no rule or package of the compiled modules`)] };
      }
      const fn = new FuncCtx(2);
      const env = { ...makeEnv(planner, anyModule, fn, INPUT, DATA), imports: new Map(), pkgNode: undefined };
      const stmts: Stmt[] = [];
      const path: Term[] = segs.map((s) => ({ kind: 'String', value: s, loc: NOWHERE }));
      planData(env, new Scope(), path, stmts, (v, o) => {
        o.push({ kind: 'ResultSetAdd', value: v });
      });
      plans.push({ name: ep, locals: fn.count, blocks: [{ stmts }] });
    }
    while (planner.pending.size > 0) {
      const [name, make] = planner.pending.entries().next().value!;
      planner.pending.delete(name);
      planner.funcs.set(name, make());
    }
    const cycle = findCycle(planner.funcs);
    if (cycle) throw new PlanError(`recursion: ${cycle.map((f) => f.name.replace(/^(g0|doc)\.data\./, '')).join(' → ')}`, cycle[0]!.loc);
    return { policy: { plans, funcs: [...planner.funcs.values()], builtins: planner.builtins, slots: planner.slots }, diagnostics: [] };
  } catch (e) {
    if (e instanceof PlanError) {
      return { diagnostics: [error('leash_plan_unsupported', e.message, e.loc)] };
    }
    throw e;
  }
}
