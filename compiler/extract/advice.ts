// What to write instead: the advice attached to each construct the translator refuses.
import { SyntaxKind, type Node } from 'ts-morph';

export const BINARY_ADVICE: Readonly<Record<string, string>> = {
  '==': "loose equality '==' converts types; write '===' instead",
  '!=': "loose inequality '!=' converts types; write '!==' instead",
  '??': "'??' is not supported; test the field with 'in' or '?.' and use the conditional operator",
  '**': "'**' is not supported; multiply explicitly",
  instanceof: "'instanceof' is not supported; predicates see JSON, compare fields instead",
};

/** Advice for a node kind that has no translation at all. */
export function unsupportedAdvice(node: Node): string {
  switch (node.getKind()) {
    case SyntaxKind.NewExpression: return "'new' is not supported; predicates compare JSON values";
    case SyntaxKind.TypeOfExpression: return "'typeof' is not supported; the declared types are what the predicate sees";
    case SyntaxKind.AwaitExpression: return 'predicates are synchronous; no await';
    case SyntaxKind.ObjectLiteralExpression: return 'object literals are not supported in predicates; compare fields one by one';
    case SyntaxKind.ArrowFunction: case SyntaxKind.FunctionExpression: return 'functions are only supported as the argument of .some() or .every()';
    case SyntaxKind.RegularExpressionLiteral: return 'regular expressions are not supported; use startsWith, endsWith or includes';
    case SyntaxKind.PostfixUnaryExpression: case SyntaxKind.DeleteExpression: return 'predicates cannot change anything';
    case SyntaxKind.TaggedTemplateExpression: return 'tagged templates are not supported; use a plain template literal';
    default: return `${node.getKindName()} is not supported in policies; see docs/dsl.md for what predicates may use`;
  }
}
