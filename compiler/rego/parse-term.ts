// Recursive-descent parsing of Rego terms, expressions and bodies, with OPA's operator
// precedence (weakest first): `:=`/`=` (expression level only), `in`, comparisons, `|`,
// `&`, `+ -`, `* / %`. Every entry into a nested term or body passes the depth guard.
import {
  MEMBER_2, MEMBER_3,
  type Body, type Expr, type Term, type VarTerm, type With, type RefTerm, type Loc,
} from './ast.ts';
import { ParseFailure, type Cursor } from './parse-cursor.ts';
import { printRef } from './print.ts';

const RELATION: Readonly<Record<string, string>> = { '==': 'equal', '!=': 'neq', '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };
const ARITH: Readonly<Record<string, string>> = { '+': 'plus', '-': 'minus' };
const FACTOR: Readonly<Record<string, string>> = { '*': 'mul', '/': 'div', '%': 'rem' };

const call = (operator: string, args: Term[], loc: Loc): Term => ({ kind: 'Call', operator, args, loc });

/** A body up to (not including) the `close` operator: literals split by `;` or newlines. */
export function parseBody(c: Cursor, close: string): Body {
  c.enter();
  const exprs: Expr[] = [];
  for (;;) {
    if (c.isOp(close)) {
      if (exprs.length === 0) c.fail('found empty body');
      break;
    }
    exprs.push(parseLiteral(c));
    if (c.eatOp(';') || c.isOp(close) || c.tok.nl) continue;
    c.fail(`expected \\n or ; or ${close}`);
  }
  c.leave();
  return exprs;
}

/** `{ body }` */
export function parseBraceBody(c: Cursor): Body {
  c.expectOp('{');
  const body = parseBody(c, '}');
  c.expectOp('}');
  return body;
}

/** One body literal: `some ...`, `every ...`, or `[not] expr [with ... as ...]*`. */
export function parseLiteral(c: Cursor): Expr {
  const start = c.tok;
  const loc = c.loc(start);
  if (c.eatKw('some')) return { kind: 'Expr', negated: false, node: parseSome(c, loc), with: parseWiths(c), loc };
  if (c.isKw('every')) return { kind: 'Expr', negated: false, node: parseEvery(c), with: parseWiths(c), loc };
  const negated = c.eatKw('not');
  if (negated && (c.isKw('some') || c.isKw('every') || c.isKw('not'))) c.fail('expected an expression after `not`');
  let node: Term;
  if (negated && c.isOp('{')) {
    // `not {1, 2}` negates a set; `not { body }` is OPA's newer body negation, not supported.
    const at = c.tok;
    try {
      node = parseExprTerm(c);
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      c.fail('body negation `not { ... }` (future.keywords.not) is not supported; move the body into a helper rule and negate that', at);
    }
  } else {
    node = parseExprTerm(c);
  }
  return { kind: 'Expr', negated, node, with: parseWiths(c), loc };
}

function parseWiths(c: Cursor): With[] {
  const withs: With[] = [];
  while (c.isKw('with')) {
    const loc = c.loc();
    c.next();
    const target = parsePrimary(c);
    if (!c.eatKw('as')) c.fail('expected `as` after the `with` target');
    const value = parseIn(c, false);
    withs.push({ kind: 'With', target, value, loc });
  }
  return withs;
}

/** An expression-level term: `a := b`, `a = b`, `k, v in xs`, or any infix term. */
function parseExprTerm(c: Cursor): Term {
  const lhs = parseIn(c, true);
  for (const [sym, name] of [[':=', 'assign'], ['=', 'eq']] as const) {
    if (c.isOp(sym)) {
      c.next();
      const rhs = parseIn(c, false);
      return call(name, [lhs, rhs], lhs.loc);
    }
  }
  return lhs;
}

function parseSome(c: Cursor, loc: Loc): Expr['node'] {
  const terms: Term[] = [parseRelation(c, false)];
  while (c.eatOp(',')) terms.push(parseRelation(c, false));
  if (c.eatKw('in')) {
    if (terms.length > 2) c.fail('expected at most a key and a value before `in`');
    const collection = parseRelation(c, false);
    const [a, b] = terms as [Term, Term | undefined];
    return b === undefined ? { kind: 'SomeIn', value: a, collection, loc } : { kind: 'SomeIn', key: a, value: b, collection, loc };
  }
  const vars: VarTerm[] = [];
  for (const t of terms) {
    if (t.kind !== 'Var') c.failAt('expected variable names after `some` (or `some x in xs`)', t.loc);
    vars.push(t);
  }
  return { kind: 'SomeVars', vars, loc };
}

function parseEvery(c: Cursor): Expr['node'] {
  const loc = c.loc();
  c.next();
  const first = parseVarName(c);
  let key: VarTerm | undefined;
  let value = first;
  if (c.eatOp(',')) {
    key = first;
    value = parseVarName(c);
  }
  if (!c.eatKw('in')) c.fail('expected `in` after the `every` variables');
  const domain = parseRelation(c, false);
  if (!c.isOp('{')) c.fail('expected `{` to open the `every` body');
  const body = parseBraceBody(c);
  return key === undefined ? { kind: 'Every', value, domain, body, loc } : { kind: 'Every', key, value, domain, body, loc };
}

function parseVarName(c: Cursor): VarTerm {
  if (!c.isName()) c.fail('expected a variable name');
  const t = c.next();
  return { kind: 'Var', name: t.v === '_' ? c.wildcard() : t.v, loc: c.loc(t) };
}

/* ----------------------------------------------------------- infix terms */

/** The `in` level; `keyVal` allows `k, v in xs` (expression level only). */
export function parseIn(c: Cursor, keyVal: boolean, noOr = false): Term {
  let lhs = parseRelation(c, noOr);
  if (keyVal && c.isOp(',')) {
    c.next();
    const v = parseRelation(c, noOr);
    if (!c.eatKw('in')) c.fail('expected `in` after `key, value`');
    const coll = parseRelation(c, noOr);
    lhs = call(MEMBER_3, [lhs, v, coll], lhs.loc);
  }
  while (c.eatKw('in')) lhs = call(MEMBER_2, [lhs, parseRelation(c, noOr)], lhs.loc);
  return lhs;
}

function parseRelation(c: Cursor, noOr: boolean): Term {
  let lhs = parseOr(c, noOr);
  while (c.tok.t === 'op' && RELATION[c.tok.v] !== undefined) {
    const op = RELATION[c.next().v]!;
    lhs = call(op, [lhs, parseOr(c, noOr)], lhs.loc);
  }
  return lhs;
}

function parseOr(c: Cursor, noOr: boolean): Term {
  let lhs = parseAnd(c);
  while (!noOr && c.isOp('|')) {
    c.next();
    lhs = call('or', [lhs, parseAnd(c)], lhs.loc);
  }
  return lhs;
}

function parseAnd(c: Cursor): Term {
  let lhs = parseArith(c);
  while (c.eatOp('&')) lhs = call('and', [lhs, parseArith(c)], lhs.loc);
  return lhs;
}

function parseArith(c: Cursor): Term {
  let lhs = parseFactor(c);
  while (c.tok.t === 'op' && ARITH[c.tok.v] !== undefined && !startsNegativeNumber(c)) {
    const op = ARITH[c.next().v]!;
    lhs = call(op, [lhs, parseFactor(c)], lhs.loc);
  }
  return lhs;
}

/** `-1` at the start of a line begins a new expression; it does not subtract. */
function startsNegativeNumber(c: Cursor): boolean {
  return c.tok.nl && c.isOp('-') && c.peek().t === 'number' && !c.peek().ws;
}

function parseFactor(c: Cursor): Term {
  let lhs = parsePrimary(c);
  while (c.tok.t === 'op' && FACTOR[c.tok.v] !== undefined) {
    const op = FACTOR[c.next().v]!;
    lhs = call(op, [lhs, parsePrimary(c)], lhs.loc);
  }
  return lhs;
}

/* -------------------------------------------------------- primary terms */

/** A scalar, var, collection, comprehension or parenthesised term, then refs and calls. */
export function parsePrimary(c: Cursor): Term {
  c.enter();
  const t = c.tok;
  const loc = c.loc(t);
  let term: Term;
  if (t.t === 'number') {
    c.next();
    term = { kind: 'Number', text: t.v, loc };
  } else if (c.isOp('-') && c.peek().t === 'number' && !c.peek().ws) {
    c.next();
    term = { kind: 'Number', text: `-${c.next().v}`, loc };
  } else if (t.t === 'string') {
    c.next();
    term = { kind: 'String', value: t.v, loc };
  } else if (t.t === 'raw') {
    c.next();
    term = { kind: 'String', value: t.v, raw: true, loc };
  } else if (c.isKw('true') || c.isKw('false')) {
    c.next();
    term = { kind: 'Boolean', value: t.v === 'true', loc };
  } else if (c.isKw('null')) {
    c.next();
    term = { kind: 'Null', loc };
  } else if (c.isName() || (c.isKw('contains') && c.isOp('(', c.peek()) && !c.peek().ws)) {
    // `contains(s, t)` is the builtin, not the keyword.
    c.next();
    if (t.v === 'set' && c.isOp('(') && !c.tok.ws && c.isOp(')', c.peek())) {
      c.next();
      c.next();
      term = { kind: 'Set', items: [], loc };
    } else {
      term = { kind: 'Var', name: t.v === '_' ? c.wildcard() : t.v, loc };
    }
  } else if (c.isOp('[')) {
    term = parseArray(c);
  } else if (c.isOp('{')) {
    term = parseBrace(c);
  } else if (c.isOp('(')) {
    c.next();
    term = parseIn(c, true);
    c.expectOp(')');
  } else {
    c.fail('expected a term');
  }
  term = parsePostfix(c, term);
  c.leave();
  return term;
}

/** `.name`, `[term]` and `(args)` written right after a term (no space between). */
function parsePostfix(c: Cursor, start: Term): Term {
  const term = postfixLoop(c, start);
  if (term.kind === 'Ref') growable.delete(term.path); // sealed: the AST is shared from here on
  return term;
}

function postfixLoop(c: Cursor, start: Term): Term {
  let term = start;
  for (;;) {
    const t = c.tok;
    if (t.ws || t.t !== 'op') return term;
    if (t.v === '.') {
      c.next();
      const name = c.tok;
      if (name.t !== 'ident' || name.ws) c.fail('expected a name after `.`');
      c.next();
      term = appendRef(term, { kind: 'String', value: name.v, loc: c.loc(name) });
    } else if (t.v === '[') {
      c.next();
      const key = parseIn(c, false);
      c.expectOp(']');
      term = appendRef(term, key);
    } else if (t.v === '(') {
      const operator = callName(term);
      if (operator === undefined) return term;
      c.next();
      term = { kind: 'Call', operator, args: parseTermList(c, ')'), loc: term.loc };
      c.expectOp(')');
    } else {
      return term;
    }
  }
}

/**
 * `term` extended by one path segment. The path array of a Ref this parser just built is
 * still private to it, so it grows in place: a long `a.b.c...` stays linear to parse.
 */
function appendRef(term: Term, seg: Term): RefTerm {
  if (term.kind === 'Ref' && growable.has(term.path)) {
    (term.path as Term[]).push(seg);
    return term;
  }
  const path: Term[] = term.kind === 'Ref' ? [...term.path, seg] : [seg];
  growable.add(path);
  return term.kind === 'Ref' ? { kind: 'Ref', head: term.head, path, loc: term.loc } : { kind: 'Ref', head: term, path, loc: term.loc };
}

/** Path arrays created by appendRef during the current postfix run (see parsePostfix). */
const growable = new WeakSet<readonly Term[]>();

/** The dotted name of a callable ref (`f`, `a.b.c`, `data.lib["x"]`), or undefined. */
export function callName(term: Term): string | undefined {
  if (term.kind === 'Var') return term.name;
  if (term.kind === 'Ref' && term.head.kind === 'Var' && term.path.every((p) => p.kind === 'String')) return printRef(term);
  return undefined;
}

/** Comma-separated terms up to `close` (a trailing comma is allowed). */
function parseTermList(c: Cursor, close: string): Term[] {
  const items: Term[] = [];
  while (!c.isOp(close)) {
    items.push(parseIn(c, false));
    if (!c.eatOp(',')) break;
  }
  if (!c.isOp(close)) c.fail(`expected , or ${close}`);
  return items;
}

function parseArray(c: Cursor): Term {
  const loc = c.loc();
  c.next();
  if (c.eatOp(']')) return { kind: 'Array', items: [], loc };
  const first = parseIn(c, false, true);
  if (c.eatOp('|')) {
    const body = parseBody(c, ']');
    c.expectOp(']');
    return { kind: 'ArrayComprehension', term: first, body, loc };
  }
  const items = [first];
  if (c.eatOp(',')) items.push(...parseTermList(c, ']'));
  c.expectOp(']', '`,` or `]`');
  return { kind: 'Array', items, loc };
}

function parseBrace(c: Cursor): Term {
  const loc = c.loc();
  c.next();
  if (c.eatOp('}')) return { kind: 'Object', entries: [], loc };
  const first = parseIn(c, false, true);
  if (c.eatOp(':')) {
    const value = parseIn(c, false, true);
    if (c.eatOp('|')) {
      const body = parseBody(c, '}');
      c.expectOp('}');
      return { kind: 'ObjectComprehension', key: first, value, body, loc };
    }
    const entries: (readonly [Term, Term])[] = [[first, value]];
    while (c.eatOp(',')) {
      if (c.isOp('}')) break;
      const k = parseIn(c, false);
      c.expectOp(':', '`:` after an object key');
      entries.push([k, parseIn(c, false)]);
    }
    c.expectOp('}', '`,` or `}`');
    return { kind: 'Object', entries, loc };
  }
  if (c.eatOp('|')) {
    const body = parseBody(c, '}');
    c.expectOp('}');
    return { kind: 'SetComprehension', term: first, body, loc };
  }
  const items = [first];
  if (c.eatOp(',')) items.push(...parseTermList(c, '}'));
  c.expectOp('}', '`,` or `}`');
  return { kind: 'Set', items, loc };
}
