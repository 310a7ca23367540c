// Translates one DSL arrow function (a predicate, a reason or a cost) into the predicate
// expression model. Supported constructs map one to one; anything else is an `Unsupported`
// naming the exact node and what to write instead. Never a silent change of meaning.
import { Node, SyntaxKind, type Expression } from 'ts-morph';
import type { Loc } from '../diagnostics/index.ts';
import type { ArithOp, CmpOp, PExpr, PFunction, Root } from './pexpr.ts';
import { ROOTS } from './pexpr.ts';
import { describe, isPrimitive, onlyTag, typeTags } from './types-of.ts';
import { isDslToNumber, resolveConstant, resolveFunction } from './resolve.ts';
import { BINARY_ADVICE, unsupportedAdvice } from './advice.ts';

export class Unsupported extends Error {
  constructor(readonly node: Node, message: string) {
    super(message);
  }
}

type Binding =
  | { readonly kind: 'ctx' }
  | { readonly kind: 'root'; readonly root: Root }
  | { readonly kind: 'local'; readonly name: string }
  | { readonly kind: 'expr'; readonly e: PExpr };

type Env = ReadonlyMap<string, Binding>;

export type LocOf = (n: Node) => Loc;

/** Why JavaScript's Number is refused, and what to write instead. */
const NUMBER_ADVICE = "JavaScript's Number(x) is NaN for text such as 'abc' (so !(n > 1) holds) and 0 for '' or blanks, "
  + "where Rego's to_number is undefined (so the predicate is false); use toNumber(x) from 'leash', which means to_number in both";

/** Names a lambda variable must not take in Rego: keywords, roots and generated rule names. */
const RESERVED = new Set([
  'as', 'default', 'else', 'false', 'import', 'not', 'null', 'package', 'some', 'true', 'with', 'if', 'contains', 'in', 'every',
  'input', 'data', 'params', 'applies', 'candidates', 'grants', 'denials', 'matched_access', 'deny_reasons', 'refusal_reasons',
  'limit_entries', 'broken_limits', 'explicit_high', 'explicit_normal', 'segs', 'key', 'cost', 'msg',
]);

const CMP: Readonly<Record<string, CmpOp>> = { '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const ARITH: Readonly<Record<string, ArithOp>> = { '-': 'minus', '*': 'mul', '/': 'div', '%': 'rem' };

/** Translate a DSL function whose body is a condition (predicate) or a value (reason, cost). */
export function translateFunction(fn: Node, role: PFunction['role'], locOf: LocOf): PFunction {
  return new Translator(locOf).fn(fn, role);
}

class Translator {
  private depth = 0;
  private locals = 0;
  constructor(private readonly locOf: LocOf) {}

  fn(fn: Node, role: PFunction['role']): PFunction {
    if (!Node.isArrowFunction(fn) && !Node.isFunctionExpression(fn)) {
      throw new Unsupported(fn, 'expected an arrow function such as ({ params, task }) => params.id === task.id');
    }
    const params = fn.getParameters();
    if (params.length > 1) throw new Unsupported(params[1]!, 'a DSL function takes one parameter: the context { params, agent, task, request, query, body }');
    const env = new Map<string, Binding>();
    if (params[0]) this.bindPattern(params[0].getNameNode(), { kind: 'ctx' }, env);
    const body = this.bodyExpression(fn);
    return { body: role === 'condition' ? this.cond(body, env) : this.value(body, env), role, loc: this.locOf(fn) };
  }

  private bodyExpression(fn: Node): Expression {
    if (!Node.isArrowFunction(fn) && !Node.isFunctionExpression(fn) && !Node.isFunctionDeclaration(fn)) throw new Unsupported(fn, 'expected a function');
    const body = fn.getBody();
    if (body && Node.isBlock(body)) {
      const stmts = body.getStatements();
      const ret = stmts[0];
      if (stmts.length !== 1 || !ret || !Node.isReturnStatement(ret) || !ret.getExpression()) {
        throw new Unsupported(stmts.find((s) => !Node.isReturnStatement(s)) ?? body, 'a DSL function body must be a single expression (or one return statement); combine conditions with && and ||, or use named constants');
      }
      return ret.getExpression()!;
    }
    if (!body || !Node.isExpression(body)) throw new Unsupported(fn, 'a DSL function needs a body');
    return body;
  }

  /** Bind a parameter name or destructuring pattern to the context (or a part of it). */
  private bindPattern(name: Node, to: Binding, env: Map<string, Binding>): void {
    if (Node.isIdentifier(name)) { env.set(name.getText(), to); return; }
    if (!Node.isObjectBindingPattern(name)) throw new Unsupported(name, 'destructure the context with { params, task, ... } or name it (ctx)');
    for (const el of name.getElements()) {
      if (el.getDotDotDotToken()) throw new Unsupported(el, 'rest patterns are not supported; name the fields you use');
      if (el.getInitializer()) throw new Unsupported(el, 'default values are not supported; a missing field makes the predicate false, test presence with `in` instead');
      const key = (el.getPropertyNameNode() ?? el.getNameNode()).getText();
      let sub: Binding;
      if (to.kind === 'ctx') {
        if (!(key in ROOTS)) throw new Unsupported(el, `the context has no field '${key}'; it has ${Object.keys(ROOTS).join(', ')}`);
        sub = { kind: 'root', root: key as Root };
      } else {
        sub = { kind: 'expr', e: this.step(this.bindingExpr(to, el), key, false, el) };
      }
      this.bindPattern(el.getNameNode(), sub, env);
    }
  }

  private bindingExpr(b: Binding, at: Node): PExpr {
    const loc = this.locOf(at);
    switch (b.kind) {
      case 'ctx': throw new Unsupported(at, 'use a field of the context (params, agent, task, request, query, body), not the context itself');
      case 'root': return { k: 'ref', base: { root: b.root }, path: [], loc };
      case 'local': return { k: 'ref', base: { local: b.name }, path: [], loc };
      case 'expr': return b.e;
    }
  }

  private step(base: PExpr, key: string | PExpr, optional: boolean, at: Node): PExpr {
    if (base.k !== 'ref') throw new Unsupported(at, 'only fields of the context and of constants can be read');
    const k: PExpr = typeof key === 'string' ? { k: 'lit', value: key, loc: this.locOf(at) } : key;
    return { k: 'ref', base: base.base, path: [...base.path, { key: k, optional }], loc: base.loc };
  }

  /* ------------------------------------------------------------ conditions */

  cond(node: Expression, env: Env): PExpr {
    const loc = this.locOf(node);
    if (Node.isParenthesizedExpression(node) || Node.isNonNullExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node)) {
      return this.cond(node.getExpression(), env);
    }
    if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.ExclamationToken) {
      return { k: 'not', e: this.cond(node.getOperand(), env), loc };
    }
    if (Node.isConditionalExpression(node)) {
      return { k: 'cond', c: this.cond(node.getCondition(), env), t: this.cond(node.getWhenTrue(), env), f: this.cond(node.getWhenFalse(), env), loc };
    }
    if (Node.isBinaryExpression(node)) {
      const op = node.getOperatorToken().getText();
      const l = node.getLeft();
      const r = node.getRight();
      if (op === '&&' || op === '||') return { k: op === '&&' ? 'and' : 'or', l: this.cond(l, env), r: this.cond(r, env), loc };
      if (op === '===' || op === '!==') {
        const lt = typeTags(l);
        const rt = typeTags(r);
        if (!isPrimitive(lt) && !isPrimitive(rt)) {
          throw new Unsupported(node, `'${op}' compares objects by identity in JavaScript but by value in Rego; compare primitive fields instead (types: ${describe(lt)} and ${describe(rt)})`);
        }
        const lv = this.value(l, env);
        const rv = this.value(r, env);
        if (hasOptional(lv) && hasOptional(rv)) throw new Unsupported(node, "only one side of a comparison may use '?.' (two missing values would be equal in JavaScript)");
        const eq: PExpr = { k: 'cmp', op: 'equal', l: lv, r: rv, loc };
        return op === '===' ? eq : { k: 'not', e: eq, loc };
      }
      const cmp = CMP[op];
      if (cmp) {
        const lt = onlyTag(typeTags(l));
        const rt = onlyTag(typeTags(r));
        if (!lt || lt !== rt || (lt !== 'number' && lt !== 'string')) {
          throw new Unsupported(node, `'${op}' needs two numbers or two strings (got ${describe(typeTags(l))} and ${describe(typeTags(r))}); convert with toNumber(...) from 'leash' first`);
        }
        const lv = this.value(l, env);
        const rv = this.value(r, env);
        if (hasOptional(lv) && hasOptional(rv)) throw new Unsupported(node, "only one side of a comparison may use '?.'");
        return { k: 'cmp', op: cmp, l: lv, r: rv, loc };
      }
      if (op === 'in') {
        const o = typeTags(r);
        if (onlyTag(o) !== 'object') throw new Unsupported(node, `'in' tests a key of an object (got ${describe(o)}); for arrays use .includes(x)`);
        const key = this.value(l, env);
        const obj = this.value(r, env);
        if (hasOptional(obj) || hasOptional(key)) throw new Unsupported(node, "'in' on a '?.' chain is not supported; test the parent first");
        return { k: 'haskey', key, obj, loc };
      }
      const advice = BINARY_ADVICE[op];
      if (advice) throw new Unsupported(node.getOperatorToken(), advice);
    }
    if (Node.isCallExpression(node)) {
      const c = this.callCond(node, env);
      if (c) return c;
    }
    if (node.getKind() === SyntaxKind.TrueKeyword || node.getKind() === SyntaxKind.FalseKeyword) {
      return { k: 'lit', value: node.getKind() === SyntaxKind.TrueKeyword, loc };
    }
    const tags = typeTags(node);
    if (onlyTag(tags) === 'boolean') return { k: 'bool', e: this.value(node, env), loc };
    throw new Unsupported(node, `a condition must be a boolean; write an explicit comparison such as x !== '' or x > 0 (this is ${describe(tags)})`);
  }

  private callCond(node: Node & { getExpression(): Expression; getArguments(): Node[] }, env: Env): PExpr | null {
    const callee = node.getExpression();
    const loc = this.locOf(node);
    const args = node.getArguments();
    if (Node.isPropertyAccessExpression(callee)) {
      const method = callee.getName();
      const recv = callee.getExpression();
      const rt = onlyTag(typeTags(recv));
      if (callee.hasQuestionDotToken()) throw new Unsupported(callee, "'?.' before a method call is not supported; test the value first");
      if (method === 'startsWith' || method === 'endsWith' || (method === 'includes' && rt === 'string')) {
        if (rt !== 'string') throw new Unsupported(recv, `.${method}() needs a string (this is ${describe(typeTags(recv))})`);
        this.arity(node, args, 1);
        const arg = args[0] as Expression;
        if (onlyTag(typeTags(arg)) !== 'string') throw new Unsupported(arg, `.${method}() needs a string argument`);
        const fn = method === 'startsWith' ? 'startswith' : method === 'endsWith' ? 'endswith' : 'contains';
        return { k: 'call', fn, args: [this.value(recv, env), this.value(arg, env)], loc };
      }
      if (method === 'includes') {
        if (rt !== 'array') throw new Unsupported(recv, `.includes() needs a string or an array (this is ${describe(typeTags(recv))})`);
        this.arity(node, args, 1);
        const item = args[0] as Expression;
        if (!isPrimitive(typeTags(item))) throw new Unsupported(item, '.includes() compares objects by identity in JavaScript; look for a primitive value');
        return { k: 'member', item: this.value(item, env), coll: this.value(recv, env), loc };
      }
      if (method === 'some' || method === 'every') {
        if (rt !== 'array') throw new Unsupported(recv, `.${method}() needs an array (this is ${describe(typeTags(recv))})`);
        this.arity(node, args, 1);
        const fn = args[0]!;
        if (!Node.isArrowFunction(fn) || fn.getParameters().length !== 1 || !Node.isIdentifier(fn.getParameters()[0]!.getNameNode())) {
          throw new Unsupported(fn, `.${method}() takes an arrow function of one named parameter, e.g. xs.${method}((x) => x === 'a')`);
        }
        const name = fn.getParameters()[0]!.getName();
        // Rego variable for the element: the JS name, unless it could clash with a generated name.
        const clean = name.replace(/[^A-Za-z0-9_]/g, '_');
        const v = `${RESERVED.has(clean) || /^tmp[0-9]+$/.test(clean) ? `${clean}_` : clean}${++this.locals > 1 ? this.locals : ''}`;
        const inner = new Map(env);
        inner.set(name, { kind: 'local', name: v });
        return { k: 'quant', q: method, coll: this.value(recv, env), v, body: this.cond(this.bodyExpression(fn), inner), loc };
      }
      return null;
    }
    // toNumber(...) is a number, not a condition: the caller reports it as such.
    if (Node.isIdentifier(callee) && !isDslToNumber(callee)) return this.inline(node, callee, args, env, 'condition');
    return null;
  }

  private arity(node: Node, args: Node[], n: number): void {
    if (args.length !== n) throw new Unsupported(node, `expected ${n} argument${n === 1 ? '' : 's'}`);
    for (const a of args) if (Node.isSpreadElement(a)) throw new Unsupported(a, 'spread arguments are not supported');
  }

  /** Inline a call to a named predicate or helper declared with const or function. */
  private inline(node: Node, callee: Node, args: Node[], env: Env, role: PFunction['role']): PExpr {
    const decl = resolveFunction(callee);
    if (!decl) {
      const name = callee.getText();
      const advice = name === 'Number' ? `: ${NUMBER_ADVICE}` : ['Date', 'Math', 'JSON', 'RegExp', 'parseInt', 'parseFloat', 'String', 'Boolean'].includes(name)
        ? `; ${name} is not available in policies (no clocks, randomness or parsing): compare request fields, and use toNumber(x) from 'leash' for numbers`
        : '; call only predicates and helpers declared with const or function in the policy sources';
      throw new Unsupported(callee, `cannot call '${name}' here${advice}`);
    }
    if (++this.depth > 32) throw new Unsupported(node, 'predicates calling each other recursively are not supported');
    try {
      const params = decl.getParameters();
      if (args.length !== params.length) throw new Unsupported(node, `'${callee.getText()}' takes ${params.length} argument(s)`);
      const inner = new Map<string, Binding>();
      params.forEach((p, i) => {
        const arg = args[i] as Expression;
        this.bindPattern(p.getNameNode(), this.argBinding(arg, env), inner);
      });
      const body = this.bodyExpression(decl);
      return role === 'condition' ? this.cond(body, inner) : this.value(body, inner);
    } finally {
      this.depth--;
    }
  }

  /** What an argument passes: the context, or a value. */
  private argBinding(arg: Expression, env: Env): Binding {
    if (Node.isIdentifier(arg)) {
      const b = env.get(arg.getText());
      if (b?.kind === 'ctx') return b;
    }
    if (Node.isObjectLiteralExpression(arg)) {
      // `{ params, task }` passed on: rebuild the context from the caller's fields.
      const props = arg.getProperties();
      if (props.every((p) => Node.isShorthandPropertyAssignment(p) && env.get(p.getName())?.kind === 'root')) return { kind: 'ctx' };
    }
    return { kind: 'expr', e: this.value(arg, env) };
  }

  /* ---------------------------------------------------------------- values */

  value(node: Expression, env: Env): PExpr {
    const loc = this.locOf(node);
    if (Node.isParenthesizedExpression(node) || Node.isNonNullExpression(node) || Node.isAsExpression(node) || Node.isSatisfiesExpression(node)) {
      return this.value(node.getExpression(), env);
    }
    if (Node.isStringLiteral(node) || Node.isNoSubstitutionTemplateLiteral(node)) return { k: 'lit', value: node.getLiteralValue(), loc };
    if (Node.isNumericLiteral(node)) return { k: 'lit', value: node.getLiteralValue(), loc };
    switch (node.getKind()) {
      case SyntaxKind.TrueKeyword: return { k: 'lit', value: true, loc };
      case SyntaxKind.FalseKeyword: return { k: 'lit', value: false, loc };
      case SyntaxKind.NullKeyword: return { k: 'lit', value: null, loc };
      default: break;
    }
    if (Node.isPrefixUnaryExpression(node) && node.getOperatorToken() === SyntaxKind.MinusToken) {
      const e = this.value(node.getOperand(), env);
      if (e.k === 'lit' && typeof e.value === 'number') return { k: 'lit', value: -e.value, loc };
      this.needNumber(node.getOperand());
      return { k: 'arith', op: 'minus', l: { k: 'lit', value: 0, loc }, r: e, loc };
    }
    if (Node.isArrayLiteralExpression(node)) {
      return { k: 'array', items: node.getElements().map((el) => {
        if (Node.isSpreadElement(el)) throw new Unsupported(el, 'spread is not supported in arrays; list the items');
        return this.value(el, env);
      }), loc };
    }
    if (Node.isTemplateExpression(node)) {
      const parts: { e: PExpr; str: boolean }[] = [];
      const head = node.getHead().getLiteralText();
      if (head !== '') parts.push({ e: { k: 'lit', value: head, loc }, str: true });
      for (const span of node.getTemplateSpans()) {
        const e = span.getExpression();
        const v = this.value(e, env);
        if (hasOptional(v)) throw new Unsupported(e, "'?.' inside a template would print 'undefined'; test the value first");
        parts.push({ e: v, str: onlyTag(typeTags(e)) === 'string' });
        const text = span.getLiteral().getLiteralText();
        if (text !== '') parts.push({ e: { k: 'lit', value: text, loc }, str: true });
      }
      return { k: 'concat', parts, loc };
    }
    if (Node.isConditionalExpression(node)) {
      return { k: 'cond', c: this.cond(node.getCondition(), env), t: this.value(node.getWhenTrue(), env), f: this.value(node.getWhenFalse(), env), loc };
    }
    if (Node.isBinaryExpression(node)) {
      const op = node.getOperatorToken().getText();
      const l = node.getLeft();
      const r = node.getRight();
      if (op === '+') {
        const lt = onlyTag(typeTags(l));
        const rt = onlyTag(typeTags(r));
        if (lt === 'number' && rt === 'number') return this.arith('plus', l, r, env, loc);
        if (lt === 'string' || rt === 'string') {
          return { k: 'concat', parts: [l, r].map((x) => ({ e: this.value(x, env), str: onlyTag(typeTags(x)) === 'string' })), loc };
        }
        throw new Unsupported(node, `'+' needs two numbers or a string (got ${describe(typeTags(l))} and ${describe(typeTags(r))})`);
      }
      const a = ARITH[op];
      if (a) return this.arith(a, l, r, env, loc);
      const advice = BINARY_ADVICE[op];
      if (advice) throw new Unsupported(node.getOperatorToken(), advice);
      if (['&&', '||', '===', '!==', '<', '<=', '>', '>=', 'in'].includes(op)) {
        throw new Unsupported(node, 'a condition cannot be used as a value here; conditions go in when: predicates or before ? in a conditional');
      }
      throw new Unsupported(node.getOperatorToken(), `operator '${op}' is not supported in policies`);
    }
    if (Node.isIdentifier(node)) {
      const b = env.get(node.getText());
      if (b) return this.bindingExpr(b, node);
      return this.constant(node, env);
    }
    if (Node.isPropertyAccessExpression(node)) {
      const name = node.getName();
      const recv = node.getExpression();
      if (name === 'length') {
        const t = onlyTag(typeTags(recv));
        if (t === 'array') return { k: 'call', fn: 'count', args: [this.value(recv, env)], loc };
        if (t === 'string') throw new Unsupported(node, "a string's .length counts UTF-16 units in JavaScript but characters in Rego; compare the string itself");
      }
      if (Node.isIdentifier(recv) && env.get(recv.getText())?.kind === 'ctx') {
        if (!(name in ROOTS)) throw new Unsupported(node, `the context has no field '${name}'`);
        return { k: 'ref', base: { root: name as Root }, path: [], loc };
      }
      const staticNode = resolveConstant(node);
      if (staticNode) return this.value(staticNode, new Map());
      return this.step(this.value(recv, env), name, node.hasQuestionDotToken(), node);
    }
    if (Node.isElementAccessExpression(node)) {
      const arg = node.getArgumentExpression();
      if (!arg) throw new Unsupported(node, 'an index is missing');
      const kt = onlyTag(typeTags(arg));
      if (kt !== 'string' && kt !== 'number') throw new Unsupported(arg, `an index must be a string or a number (this is ${describe(typeTags(arg))})`);
      const staticNode = resolveConstant(node);
      if (staticNode) return this.value(staticNode, new Map());
      const key = this.value(arg, env);
      if (hasOptional(key)) throw new Unsupported(arg, "'?.' inside an index is not supported");
      return this.step(this.value(node.getExpression(), env), key, node.hasQuestionDotToken(), node);
    }
    if (Node.isCallExpression(node)) {
      const callee = node.getExpression();
      const args = node.getArguments();
      if (Node.isIdentifier(callee) && isDslToNumber(callee)) {
        this.arity(node, args, 1);
        return { k: 'call', fn: 'to_number', args: [this.value(args[0] as Expression, env)], loc };
      }
      if (Node.isPropertyAccessExpression(callee) && ['toLowerCase', 'toUpperCase'].includes(callee.getName())) {
        const recv = callee.getExpression();
        if (onlyTag(typeTags(recv)) !== 'string') throw new Unsupported(recv, `.${callee.getName()}() needs a string`);
        this.arity(node, args, 0);
        return { k: 'call', fn: callee.getName() === 'toLowerCase' ? 'lower' : 'upper', args: [this.value(recv, env)], loc };
      }
      if (Node.isIdentifier(callee)) return this.inline(node, callee, args, env, 'value');
      if (Node.isPropertyAccessExpression(callee)) {
        const m = callee.getName();
        const owner = callee.getExpression().getText();
        if (['Date', 'Math', 'JSON', 'Object', 'Array', 'crypto', 'Number', 'String'].includes(owner)) {
          throw new Unsupported(callee, `${owner}.${m}() is not available in policies (no clocks, randomness or parsing): compare request fields, and use toNumber(x) from 'leash' for numbers`);
        }
        const regex = ['match', 'matchAll', 'test', 'replace', 'replaceAll', 'search', 'split'].includes(m);
        throw new Unsupported(callee.getNameNode(), regex
          ? `.${m}() is not supported (no regular expressions or rewriting); use startsWith, endsWith or includes`
          : `.${m}() is not supported; strings have startsWith, endsWith, includes, toLowerCase, toUpperCase, arrays have includes, some, every and length`);
      }
    }
    throw new Unsupported(node, unsupportedAdvice(node));
  }

  private needNumber(n: Expression): void {
    if (onlyTag(typeTags(n)) !== 'number') throw new Unsupported(n, `arithmetic needs numbers (this is ${describe(typeTags(n))}); convert with toNumber(...) from 'leash'`);
  }

  private arith(op: ArithOp, l: Expression, r: Expression, env: Env, loc: Loc): PExpr {
    this.needNumber(l);
    this.needNumber(r);
    return { k: 'arith', op, l: this.value(l, env), r: this.value(r, env), loc };
  }

  private constant(id: Node, env: Env): PExpr {
    const text = id.getText();
    if (text === 'undefined') throw new Unsupported(id, "'undefined' is not a JSON value; test presence with 'in', or compare with null");
    const init = resolveConstant(id);
    if (!init) throw new Unsupported(id, `'${text}' is not a const with a literal value; predicates may read the context and const declarations only`);
    void env;
    return this.value(init, new Map());
  }
}

function hasOptional(e: PExpr): boolean {
  return e.k === 'ref' && e.path.some((s) => s.optional);
}

