// Module-level checks over the rule index: imports OPA does not know, conflicting rule
// kinds or function arities, several defaults, rules that clash with packages or with
// other rules' paths, and recursion between rules (rego_recursion_error).
import { error, type Diagnostic } from '../diagnostics/index.ts';
import type { Module, Rule, Term } from './ast.ts';
import { pathKey, ruleKind, ModuleScope, type RuleGroup, type RuleIndex } from './rule-index.ts';
import { printRef } from './print.ts';
import { walkRule } from './walk.ts';
import { declaredIn } from './vars.ts';

// `not` enables body negation (`not { ... }`), which the parser refuses with its own message.
const FUTURE_KEYWORDS = new Set(['in', 'every', 'if', 'contains', 'not']);

export function checkImports(module: Module, out: Diagnostic[]): void {
  const seen = new Map<string, string>();
  const ruleNames = new Set(module.rules.map((r) => (r.head.ref.head.kind === 'Var' ? r.head.ref.head.name : '')));
  for (const imp of module.imports) {
    const text = printRef(imp.path);
    const segs = [imp.path.head.kind === 'Var' ? imp.path.head.name : '', ...imp.path.path.map((t) => (t.kind === 'String' ? t.value : '?'))];
    const root = segs[0];
    if (root === 'future') {
      const ok = segs[1] === 'keywords' && (segs.length === 2 || (segs.length === 3 && FUTURE_KEYWORDS.has(segs[2]!)));
      if (!ok || imp.alias !== undefined) out.push(error('rego_compile_error', `unknown import ${text}: the future keywords are ${[...FUTURE_KEYWORDS].join(', ')} (in, every, if and contains are always on in Rego v1)`, imp.loc));
      continue;
    }
    if (root === 'rego') {
      if (text !== 'rego.v1' || imp.alias !== undefined) out.push(error('rego_compile_error', `unknown import ${text}: only rego.v1 is known`, imp.loc));
      continue;
    }
    const name = imp.alias ?? (imp.path.path.length > 0 ? lastName(imp) : root);
    if (name === undefined) continue;
    if (imp.path.path.length === 0 && imp.alias === undefined) continue; // `import input` / `import data`
    const prev = seen.get(name);
    if (prev !== undefined) out.push(error('rego_compile_error', `import ${text} shadows import ${prev} (both are named ${name})`, imp.loc));
    else if (ruleNames.has(name)) out.push(error('rego_compile_error', `rules must not shadow import ${text} (${name})`, imp.loc));
    seen.set(name, text);
  }
}

function lastName(imp: Module['imports'][number]): string | undefined {
  const last = imp.path.path[imp.path.path.length - 1];
  return last?.kind === 'String' ? last.value : undefined;
}

export function checkRuleGroups(index: RuleIndex, out: Diagnostic[]): void {
  const byPath = new Map<string, RuleGroup[]>();
  for (const g of index.groups.values()) {
    const k = pathKey(g.path);
    byPath.set(k, [...(byPath.get(k) ?? []), g]);
    const defaults = g.rules.filter((r) => r.rule.isDefault);
    if (defaults.length > 1) out.push(error('rego_compile_error', `multiple default rules ${g.path.join('.')} found`, defaults[1]!.rule.loc));
    if (g.kind === 'function') {
      for (const { rule } of g.rules) {
        if (rule.head.args && rule.head.args.length !== g.arity) {
          out.push(error('rego_type_error', `function ${g.path.join('.')} has arity ${g.arity} but this definition has ${rule.head.args.length}`, rule.loc));
        }
      }
    }
    for (const { rule } of g.rules) {
      if (ruleKind(rule) !== g.kind) out.push(error('rego_compile_error', `conflicting rules ${g.path.join('.')} found`, rule.loc));
    }
  }
  for (const groups of byPath.values()) {
    if (groups.length > 1) {
      const r = groups[1]!.rules[0]!.rule;
      out.push(error('rego_compile_error', `conflicting rules ${groups[0]!.path.join('.')} found`, r.loc));
    }
  }
  // A rule with a fully ground path is a whole value: nothing may live below it.
  for (const g of index.groups.values()) {
    if (g.kind !== 'complete' && g.kind !== 'function') continue;
    for (let n = 1; n < g.path.length; n++) {
      const prefix = g.path.slice(0, n);
      const above = index.groups.get(pathKey(prefix));
      if (above && (above.kind === 'complete' || above.kind === 'function')) {
        out.push(error('rego_type_error', `rule ${prefix.join('.')} conflicts with [${g.path.join('.')}]`, g.rules[0]!.rule.loc));
      }
    }
    const pkg = index.packages.get(pathKey(g.path));
    if (pkg) out.push(error('rego_type_error', `package ${pkg.slice(1).join('.')} conflicts with rule ${g.path.join('.')}`, g.rules[0]!.rule.loc));
  }
}

/** Rules (by group) that depend on themselves through refs or calls. */
export function checkRecursion(index: RuleIndex, out: Diagnostic[]): void {
  const groups = [...index.groups.values()];
  const ids = new Map(groups.map((g, i) => [g, i]));
  // Groups by path prefix, so a ref to `data.a` depends on every rule below it.
  const byKey = new Map<string, number[]>();
  groups.forEach((g, i) => {
    let k = '';
    for (let n = 1; n <= g.path.length; n++) {
      k = n === 1 ? g.path[0]! : `${k}\u0000${g.path[n - 1]}`;
      const list = byKey.get(k);
      if (list) list.push(i); else byKey.set(k, [i]);
    }
  });
  const scopes = new Map<Module, ModuleScope>();
  const edges: number[][] = groups.map(() => []);
  groups.forEach((g, i) => {
    const targets = new Set<number>();
    for (const { module, rule } of g.rules) {
      let scope = scopes.get(module);
      if (!scope) { scope = new ModuleScope(module, index); scopes.set(module, scope); }
      const locals = localNames(rule);
      const isLocal = (n: string): boolean => locals.has(n);
      const add = (path: readonly string[] | undefined): void => {
        if (!path || path[0] !== 'data') return;
        for (const j of byKey.get(pathKey(path)) ?? []) targets.add(j);
        for (const above of groupsAbove(index, path, path.length - 1)) targets.add(ids.get(above)!);
      };
      const addAbove = (path: readonly string[] | undefined): void => {
        if (!path || path[0] !== 'data') return;
        for (const above of groupsAbove(index, path, path.length)) targets.add(ids.get(above)!);
      };
      // A ref counts once, by its longest ground prefix: not again through its head var.
      const refHeads = new Set<Term>([rule.head.ref, rule.head.ref.head]);
      walkRule(rule, (t) => {
        if (refHeads.has(t)) return;
        if (t.kind === 'Ref') refHeads.add(t.head);
        if (t.kind === 'Var' || t.kind === 'Ref') {
          const path = scope.resolveTerm(t, isLocal);
          // `data[2]`: a scalar key that is not a string can reach no rule below the prefix.
          const next = t.kind === 'Ref' && path ? t.path[path.length - (t.head.kind === 'Var' ? (scope.resolveName(t.head.name)?.length ?? 1) : 1)] : undefined;
          if (next && (next.kind === 'Number' || next.kind === 'Boolean' || next.kind === 'Null')) addAbove(path);
          else add(path);
        }
        else if (t.kind === 'Call') add(scope.resolveCall(t.operator));
      });
    }
    edges[i] = [...targets];
  });
  for (const cycle of findCycles(edges)) {
    const names = cycle.map((i) => groups[i]!.path.join('.'));
    const g = groups[cycle[0]!]!;
    out.push(error('rego_recursion_error', `rule ${names[0]} is recursive: ${[...names, names[0]].join(' -> ')}`, g.rules[0]!.rule.loc));
  }
}

/** Groups whose path is one of the first `upTo` prefixes of `path`. */
function groupsAbove(index: RuleIndex, path: readonly string[], upTo: number): RuleGroup[] {
  const out: RuleGroup[] = [];
  let k = '';
  for (let n = 1; n <= upTo; n++) {
    k = n === 1 ? path[0]! : `${k}\u0000${path[n - 1]}`;
    const g = index.groups.get(k);
    if (g) out.push(g);
    const dynamic = index.groups.get(`${k}[*]`); // `p[k] := v` under this prefix
    if (dynamic) out.push(dynamic);
  }
  return out;
}

/** Names a rule binds locally (args, `:=`, `some`), which shadow rule names. */
function localNames(rule: Rule): Set<string> {
  const names = new Set<string>();
  for (const a of rule.head.args ?? []) walkTermVars(a, names);
  const bodies = [rule.body, ...rule.elses.map((e) => e.body)];
  for (const b of bodies) for (const e of b) {
    const d = declaredIn(e, () => true);
    for (const n of d.assigned.keys()) names.add(n);
    for (const n of d.declared.keys()) names.add(n);
    if (e.node.kind === 'Every') {
      names.add(e.node.value.name);
      if (e.node.key) names.add(e.node.key.name);
    }
  }
  return names;
}

function walkTermVars(t: Term, names: Set<string>): void {
  if (t.kind === 'Var') names.add(t.name);
  else if (t.kind === 'Array' || t.kind === 'Set') for (const x of t.items) walkTermVars(x, names);
  else if (t.kind === 'Object') for (const [, v] of t.entries) walkTermVars(v, names);
}

/** Strongly connected components with a cycle (iterative Tarjan: no deep recursion). */
function findCycles(edges: readonly number[][]): number[][] {
  const n = edges.length;
  const index = new Array<number>(n).fill(-1);
  const low = new Array<number>(n).fill(0);
  const onStack = new Array<boolean>(n).fill(false);
  const stack: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (let s = 0; s < n; s++) {
    if (index[s] !== -1) continue;
    const work: [number, number][] = [[s, 0]];
    index[s] = low[s] = counter++;
    stack.push(s);
    onStack[s] = true;
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const [v, i] = top;
      const succ = edges[v]!;
      if (i < succ.length) {
        top[1]++;
        const w = succ[i]!;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = true;
          work.push([w, 0]);
        } else if (onStack[w]) low[v] = Math.min(low[v]!, index[w]!);
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let w: number;
        do { w = stack.pop()!; onStack[w] = false; comp.push(w); } while (w !== v);
        if (comp.length > 1 || succ.includes(v)) out.push(comp.reverse());
      }
    }
  }
  return out;
}
