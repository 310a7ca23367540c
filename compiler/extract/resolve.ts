// Resolves names in policy sources: an identifier (or `CONST.a.b`) to the literal
// initializer of a const, and a callee to a const arrow function or function declaration
// of the policy project (never a library or DSL function), and recognizes the DSL's toNumber.
import { Node, type Expression, type ParameterDeclaration } from 'ts-morph';

/** Follow an identifier or `CONST.a.b` to the literal initializer of a const, if it is one. */
export function resolveConstant(node: Node): Expression | null {
  const strip = (n: Node | undefined): Node | undefined => {
    while (n && (Node.isAsExpression(n) || Node.isSatisfiesExpression(n) || Node.isParenthesizedExpression(n))) n = n.getExpression();
    return n;
  };
  if (Node.isIdentifier(node)) {
    const sym = node.getSymbol();
    const target = sym?.getAliasedSymbol() ?? sym;
    const decl = target?.getDeclarations()[0];
    if (!decl || !Node.isVariableDeclaration(decl)) return null;
    if (decl.getVariableStatement()?.getDeclarationKind() !== 'const') return null;
    const init = strip(decl.getInitializer());
    if (!init || Node.isArrowFunction(init) || Node.isFunctionExpression(init) || Node.isCallExpression(init)) return null;
    return init as Expression;
  }
  if (Node.isPropertyAccessExpression(node) || Node.isElementAccessExpression(node)) {
    const base = resolveConstant(node.getExpression());
    if (!base || !Node.isObjectLiteralExpression(base)) {
      if (base && Node.isArrayLiteralExpression(base) && Node.isElementAccessExpression(node)) {
        const idx = node.getArgumentExpression();
        if (idx && Node.isNumericLiteral(idx)) {
          const el = base.getElements()[idx.getLiteralValue()];
          return el ? (strip(el) as Expression) : null;
        }
      }
      return null;
    }
    let key: string | null = null;
    if (Node.isPropertyAccessExpression(node)) key = node.getName();
    else {
      const a = node.getArgumentExpression();
      if (a && (Node.isStringLiteral(a) || Node.isNoSubstitutionTemplateLiteral(a))) key = a.getLiteralValue();
    }
    if (key === null) return null;
    const prop = base.getProperty(key);
    if (prop && Node.isPropertyAssignment(prop)) return (strip(prop.getInitializer()) as Expression) ?? null;
    return null;
  }
  return null;
}

/** Follow an identifier to a const arrow function or a function declaration. */
export function resolveFunction(callee: Node): (Node & { getParameters(): ParameterDeclaration[] }) | null {
  const sym = callee.getSymbol();
  const target = sym?.getAliasedSymbol() ?? sym;
  const decl = target?.getDeclarations()[0];
  // Library and DSL functions are not predicates: only the policy project's own helpers inline.
  if (!decl || decl.getSourceFile().isFromExternalLibrary() || decl.getSourceFile().isDeclarationFile() || /compiler\/dsl\//.test(decl.getSourceFile().getFilePath())) return null;
  if (Node.isFunctionDeclaration(decl)) return decl;
  if (Node.isVariableDeclaration(decl) && decl.getVariableStatement()?.getDeclarationKind() === 'const') {
    let init: Node | undefined = decl.getInitializer();
    while (init && (Node.isAsExpression(init) || Node.isSatisfiesExpression(init) || Node.isParenthesizedExpression(init))) init = init.getExpression();
    if (init && (Node.isArrowFunction(init) || Node.isFunctionExpression(init))) return init;
  }
  return null;
}


/** Whether a callee is the DSL's `toNumber` (imported from 'leash', under any local name). */
export function isDslToNumber(callee: Node): boolean {
  const sym = callee.getSymbol();
  const target = sym?.getAliasedSymbol() ?? sym;
  const decl = target?.getDeclarations()[0];
  return !!decl && Node.isFunctionDeclaration(decl) && decl.getName() === 'toNumber'
    && /compiler\/dsl\/to-number\.ts$/.test(decl.getSourceFile().getFilePath());
}
