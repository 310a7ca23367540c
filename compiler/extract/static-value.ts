// Reads the settings of a policy (the object given to definePolicy, resource, upstream)
// as plain values without running the file: literals, arrays, objects, const references
// and the DSL calls. Functions stay syntax nodes (`FnRef`) for the translator. Every object
// remembers where it was written, so model problems point at the right line.
import { Node, SyntaxKind, type Expression } from 'ts-morph';
import type { Loc } from '../diagnostics/index.ts';
import { Unsupported, type LocOf } from './translate.ts';

/** A function written in the policy: a predicate, reason or cost. */
export interface FnRef { readonly fnNode: Node }
export const isFnRef = (v: unknown): v is FnRef => typeof v === 'object' && v !== null && 'fnNode' in v;

const DSL_FILE = /compiler\/dsl\/define\.ts$/;

/** Which DSL function a call expression calls, if any. */
export function dslCallee(call: Node): string | null {
  if (!Node.isCallExpression(call)) return null;
  const callee = call.getExpression();
  const sym = callee.getSymbol();
  const target = sym?.isAlias() ? sym.getAliasedSymbol() : sym;
  const decl = target?.getDeclarations()[0];
  if (!decl || !DSL_FILE.test(decl.getSourceFile().getFilePath())) return null;
  return target?.getName() ?? null;
}

export class StaticReader {
  readonly locs = new WeakMap<object, Loc>();
  /** Where each property of an object literal was written, for problems about one field. */
  readonly fieldLocs = new WeakMap<object, Map<string, Loc>>();
  private readonly active = new Set<Node>();
  constructor(private readonly locOf: LocOf) {}

  read(node: Node): unknown {
    if (Node.isParenthesizedExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node) || Node.isNonNullExpression(node)) {
      return this.read(node.getExpression());
    }
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return node.getLiteralValue();
    if (Node.isNumericLiteral(node)) return node.getLiteralValue();
    if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.MinusToken && Node.isNumericLiteral(node.getOperand())) {
      return -(node.getOperand() as import('ts-morph').NumericLiteral).getLiteralValue();
    }
    switch (node.getKind()) {
      case SyntaxKind.TrueKeyword: return true;
      case SyntaxKind.FalseKeyword: return false;
      case SyntaxKind.NullKeyword: return null;
      default: break;
    }
    if (Node.isArrowFunction(node) || Node.isFunctionExpression(node)) return this.mark({ fnNode: node }, node);
    if (Node.isArrayLiteralExpression(node)) {
      return this.mark(node.getElements().map((el) => {
        if (Node.isSpreadElement(el)) return this.fail(el, 'spread is not supported in policy settings; list the items');
        return this.read(el);
      }), node);
    }
    if (Node.isObjectLiteralExpression(node)) {
      const out: Record<string, unknown> = {};
      const fields = new Map<string, Loc>();
      this.fieldLocs.set(out, fields);
      for (const prop of node.getProperties()) {
        if (Node.isPropertyAssignment(prop) || Node.isShorthandPropertyAssignment(prop) || Node.isMethodDeclaration(prop)) {
          fields.set(prop.getName().replace(/^['"]|['"]$/g, ''), this.locOf(prop));
        }
        if (Node.isPropertyAssignment(prop)) {
          const nameNode = prop.getNameNode();
          const key = Node.isStringLiteral(nameNode) || Node.isNumericLiteral(nameNode) ? String(nameNode.getLiteralValue()) : Node.isIdentifier(nameNode) ? nameNode.getText() : null;
          if (key === null) this.fail(nameNode, 'computed keys are not supported in policy settings; write the name');
          out[key!] = this.read(prop.getInitializerOrThrow());
        } else if (Node.isShorthandPropertyAssignment(prop)) {
          out[prop.getName()] = this.readIdentifier(prop.getNameNode());
        } else if (Node.isMethodDeclaration(prop)) {
          out[prop.getName()] = this.mark({ fnNode: prop }, prop);
        } else {
          this.fail(prop, 'spread and accessors are not supported in policy settings; write each property');
        }
      }
      return this.mark(out, node);
    }
    if (Node.isIdentifier(node)) return this.readIdentifier(node);
    if (Node.isCallExpression(node)) {
      const name = dslCallee(node);
      const args = node.getArguments();
      if (name === 'resource' && args.length === 2) {
        const route = this.read(args[0]!);
        const spec = this.read(args[1]!);
        const out = this.mark({ kind: 'resource', route, ...(spec as object) }, node);
        const fields = new Map(this.fieldLocs.get(spec as object) ?? []);
        fields.set('route', this.locOf(args[0]!));
        this.fieldLocs.set(out, fields);
        return out;
      }
      if (name === 'tool' && args.length === 2) {
        const toolName = this.read(args[0]!);
        const spec = this.read(args[1]!);
        const out = this.mark({ kind: 'tool', name: toolName, ...(spec as object) }, node);
        const fields = new Map(this.fieldLocs.get(spec as object) ?? []);
        fields.set('name', this.locOf(args[0]!));
        this.fieldLocs.set(out, fields);
        return out;
      }
      if ((name === 'upstream' || name === 'mcpServer' || name === 'definePolicy') && args.length === 1) {
        const spec = this.read(args[0]!) as object;
        const out = this.mark({ kind: name === 'upstream' ? 'upstream' : name === 'mcpServer' ? 'mcp-server' : 'policy', ...spec }, node);
        const fields = this.fieldLocs.get(spec);
        if (fields) this.fieldLocs.set(out, fields);
        return out;
      }
      return this.fail(node, 'policy settings are literal values; only resource(...), upstream(...), mcpServer(...) and tool(...) may be called here');
    }
    if (Node.isPropertyAccessExpression(node)) {
      const base = this.read(node.getExpression());
      if (typeof base === 'object' && base !== null && Object.prototype.hasOwnProperty.call(base, node.getName())) {
        return (base as Record<string, unknown>)[node.getName()];
      }
      return this.fail(node, `'${node.getText()}' is not a known constant value`);
    }
    return this.fail(node, `${node.getKindName()} is not supported in policy settings; use literals and const values`);
  }

  private readIdentifier(id: Node): unknown {
    if (id.getText() === 'undefined') return undefined;
    const sym = id.getSymbol();
    const target = sym?.isAlias() ? sym.getAliasedSymbol() : sym;
    const decl = target?.getDeclarations()[0];
    if (decl && Node.isFunctionDeclaration(decl)) return this.mark({ fnNode: decl }, decl);
    if (!decl || !Node.isVariableDeclaration(decl) || decl.getVariableStatement()?.getDeclarationKind() !== 'const' || !decl.getInitializer()) {
      return this.fail(id, `'${id.getText()}' must be a const declared in the policy sources`);
    }
    const init = decl.getInitializer()!;
    if (this.active.has(init)) return this.fail(id, `'${id.getText()}' refers to itself`);
    this.active.add(init);
    try {
      return this.read(init);
    } finally {
      this.active.delete(init);
    }
  }

  private mark<T extends object>(v: T, node: Node): T {
    this.locs.set(v, this.locOf(node));
    return v;
  }

  private fail(node: Node, message: string): never {
    throw new Unsupported(node, message);
  }
}

export type { Expression };
