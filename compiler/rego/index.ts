// The Rego v1 front end's public surface: the AST contract, the printer, the parser and
// the checker. Other areas import from here only.
export * from './ast.ts';
export { printModule, printTerm, printExpr, printHead, printRef } from './print.ts';
export { parseModule, type ParseResult } from './parse-module.ts';
