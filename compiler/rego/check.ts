// The Rego checker: parsed modules in, OPA-coded diagnostics out. Its stages run in a
// fixed order, like OPA's compiler: module-level facts first (imports, the rule index and
// its conflicts), then per-rule safety and calls, then recursion over the whole set.
import type { Diagnostic } from '../diagnostics/index.ts';
import type { Module } from './ast.ts';
import { checkCalls } from './check-calls.ts';
import { checkImports, checkRecursion, checkRuleGroups } from './check-rules.ts';
import { SafetyChecker } from './check-safety.ts';
import { indexRules, ModuleScope, type RuleIndex } from './rule-index.ts';

export interface CheckResult {
  readonly diagnostics: Diagnostic[];
  readonly index: RuleIndex;
}

/** Check modules that are compiled together (one bundle). */
export function checkModules(modules: readonly Module[]): Diagnostic[] {
  return checkModulesWithIndex(modules).diagnostics;
}

/** As checkModules, also returning the rule index the planner can reuse. */
export function checkModulesWithIndex(modules: readonly Module[]): CheckResult {
  const out: Diagnostic[] = [];
  // 1. imports: unknown future/rego imports and name clashes, per module.
  for (const m of modules) checkImports(m, out);
  // 2. the rule index; conflicting kinds, arities, defaults and paths.
  const index = indexRules(modules);
  checkRuleGroups(index, out);
  // 3. per rule: variable safety and declarations, then calls and static types.
  for (const m of modules) {
    const scope = new ModuleScope(m, index);
    const safety = new SafetyChecker(scope, index, out);
    for (const rule of m.rules) {
      safety.checkRule(rule);
      checkCalls(rule, scope, index, out);
    }
  }
  // 4. recursion, once every reference can be resolved.
  checkRecursion(index, out);
  return { diagnostics: dedupe(out), index };
}

/** Drop repeats; sort by position. */
function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const kept = ds.filter((d) => {
    const k = `${d.code}|${d.message}|${d.loc?.file}:${d.loc?.line}:${d.loc?.col}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  // Source order (file, line, column), as a reader goes through the files.
  const pos = (d: Diagnostic): [string, number, number] => [d.loc?.file ?? '', d.loc?.line ?? 0, d.loc?.col ?? 0];
  return kept.sort((a, b) => {
    const [fa, la, ca] = pos(a);
    const [fb, lb, cb] = pos(b);
    return fa < fb ? -1 : fa > fb ? 1 : la - lb || ca - cb;
  });
}
