// The Rego v1 front end's public surface: the AST contract, the printer, the parser and
// the checker. Other areas import from here only.
export * from './ast.ts';
export { printModule, printTerm, printExpr, printHead, printRef } from './print.ts';
export { parseModule, parseQuery, parseTermText, type ParseResult } from './parse-module.ts';
export { checkModules, checkModulesWithIndex, type CheckResult } from './check.ts';
export { indexRules, ruleKind, rulePath, ModuleScope, type RuleIndex, type RuleGroup, type RuleKind, type RuleRef } from './rule-index.ts';
export { BUILTINS, lookupBuiltin, NONDETERMINISTIC, type BuiltinInfo } from './builtins.ts';
export { walkTerm, walkExpr, walkBody, walkRule } from './walk.ts';
export { checkRegoFiles, checkRegoSources, findRegoFiles, formatRego, type RegoCheckResult } from './files.ts';
