// The Rego v1 module parser: source text in, a Module AST (every node located) and
// rego_parse_error diagnostics out. Rule heads, `else` chains and imports live here; terms
// and bodies in parse-term.ts. v0-only forms are refused with what to write instead.
import { error, type Diagnostic } from '../diagnostics/index.ts';
import type { Body, Else, Expr, Head, Import, Loc, Module, Package, RefTerm, Rule, Term } from './ast.ts';
import { Cursor, ParseFailure } from './parse-cursor.ts';
import { lex } from './lexer.ts';
import { parseBraceBody, parseIn, parseLiteral, parsePrimary } from './parse-term.ts';
import { splitComments, attachAnnotations } from './parse-annotations.ts';
import { printHead, printRef } from './print.ts';

export interface ParseResult {
  readonly module?: Module;
  readonly diagnostics: Diagnostic[];
}

/** Parse one Rego v1 module. Never throws on bad input: problems come back as diagnostics. */
export function parseModule(source: string, file: string): ParseResult {
  const lexed = lex(source);
  if (!lexed.ok) {
    return { diagnostics: [error('rego_parse_error', lexed.message, { file, line: lexed.line, col: lexed.col })] };
  }
  const c = new Cursor(lexed.tokens, file);
  try {
    const { comments, blocks } = splitComments(lexed.comments, file);
    const pkg = parsePackage(c);
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (c.tok.t !== 'eof') {
      if (!c.tok.nl) c.fail('expected a new line before the next statement');
      if (c.isKw('import')) {
        if (rules.length > 0) c.fail('imports must come before the rules');
        imports.push(parseImport(c));
      } else if (c.isKw('package')) {
        c.fail('a module has one package clause');
      } else {
        rules.push(parseRule(c));
      }
    }
    const deep = findTooDeep(rules, MAX_AST_DEPTH);
    if (deep) c.failAt(`expression nests more than ${MAX_AST_DEPTH} levels deep (a long chain of operators?); split it up`, deep);
    const attached = attachAnnotations(blocks, pkg, rules);
    const module: Module = {
      kind: 'Module', package: pkg, imports, rules: attached.rules, comments,
      ...(attached.module ? { annotations: attached.module } : {}),
      loc: pkg.loc,
    };
    return { module, diagnostics: [] };
  } catch (e) {
    if (e instanceof ParseFailure) return { diagnostics: [error('rego_parse_error', e.message, e.loc)] };
    // RangeError: a path the depth guard missed; still an error, never a crash.
    if (e instanceof RangeError) return { diagnostics: [error('rego_parse_error', 'input nests too deeply', c.loc())] };
    throw e;
  }
}

/**
 * Operator chains (`1 + 1 + ...`) nest without brackets, so the bracket guard does not
 * bound them; this bounds the whole tree, which later stages walk recursively.
 */
export const MAX_AST_DEPTH = 500;

/** The location of a node deeper than `max` nodes, found without recursion. */
function findTooDeep(roots: readonly Rule[], max: number): Loc | undefined {
  const stack: [Term | Expr, number][] = [];
  const body = (b: Body, d: number): void => { for (const e of b) stack.push([e, d]); };
  for (const r of roots) {
    for (const t of [r.head.ref, ...(r.head.args ?? []), r.head.key, r.head.value]) if (t) stack.push([t, 1]);
    body(r.body, 1);
    for (const e of r.elses) { if (e.value) stack.push([e.value, 1]); body(e.body, 1); }
  }
  while (stack.length > 0) {
    const [n, d] = stack.pop()!;
    if (d > max) return n.loc;
    const k = d + 1;
    switch (n.kind) {
      case 'Expr': {
        const x = n.node;
        if (x.kind === 'SomeVars') break;
        if (x.kind === 'SomeIn') { if (x.key) stack.push([x.key, k]); stack.push([x.value, k], [x.collection, k]); }
        else if (x.kind === 'Every') { stack.push([x.domain, k]); body(x.body, k); }
        else stack.push([x, k]);
        for (const w of n.with) stack.push([w.target, k], [w.value, k]);
        break;
      }
      case 'Ref': stack.push([n.head, k]); for (const p of n.path) stack.push([p, k]); break;
      case 'Array': case 'Set': for (const x of n.items) stack.push([x, k]); break;
      case 'Object': for (const [a, b] of n.entries) stack.push([a, k], [b, k]); break;
      case 'ArrayComprehension': case 'SetComprehension': stack.push([n.term, k]); body(n.body, k); break;
      case 'ObjectComprehension': stack.push([n.key, k], [n.value, k]); body(n.body, k); break;
      case 'Call': for (const x of n.args) stack.push([x, k]); break;
      default: break; // scalars and vars have no children
    }
  }
  return undefined;
}

function parsePackage(c: Cursor): Package {
  const loc = c.loc();
  if (!c.eatKw('package')) c.fail('expected `package` first');
  const ref = parseRefOnly(c, 'package path');
  const segs = [ref.head, ...ref.path].map((t) => {
    if (t.kind === 'Var') return t.name;
    if (t.kind === 'String') return t.value;
    return c.failAt('package path segments must be names or strings', t.loc);
  });
  if (segs[0] === 'data' && segs.length > 1) segs.shift();
  return { kind: 'Package', path: segs, loc };
}

function parseImport(c: Cursor): Import {
  const loc = c.loc();
  c.next();
  const path = parseRefOnly(c, 'import path');
  const root = path.head.kind === 'Var' ? path.head.name : '';
  if (!['data', 'input', 'future', 'rego'].includes(root)) {
    c.failAt(`invalid import path ${printRef(path)}: it must begin with data, input, future or rego`, path.loc);
  }
  if (c.eatKw('as')) {
    if (!c.isName()) c.fail('expected an alias name after `as`');
    return { kind: 'Import', path, alias: c.next().v, loc };
  }
  return { kind: 'Import', path, loc };
}

/** A plain ref (`a.b["c"][x]`): a name, then `.name` / `[term]`. */
function parseRefOnly(c: Cursor, what: string): RefTerm {
  if (!c.isName()) c.fail(`expected a ${what}`);
  const t = parsePrimary(c);
  if (t.kind === 'Var') return { kind: 'Ref', head: t, path: [], loc: t.loc };
  if (t.kind === 'Ref' && t.head.kind === 'Var') return t;
  return c.failAt(`expected a ${what}`, t.loc);
}

function parseRule(c: Cursor): Rule {
  const loc = c.loc();
  const isDefault = c.eatKw('default');
  if (!c.isName()) {
    if (c.tok.t === 'ident') c.fail('a keyword cannot name a rule');
    c.fail('expected a rule');
  }
  const head = parseHead(c);
  const what = printRef(head.ref);
  if (isDefault) {
    if (head.value === undefined || head.key !== undefined) c.failAt(`default rule ${what} must be \`default ${what} := value\``, head.loc);
    if (c.isKw('if') || c.isOp('{')) c.fail('a default rule has no body');
    const bad = nonConstant(head.value!);
    if (bad) c.failAt(`default rule value cannot contain ${bad.kind === 'Var' ? 'var' : bad.kind === 'Ref' ? 'ref' : 'call'} (a default is a constant)`, bad.loc);
    return { kind: 'Rule', isDefault, head, body: [], elses: [], loc };
  }
  const body = parseRuleBody(c, () => adviceFor(head));
  if (body.length === 0 && head.value === undefined && head.key === undefined) {
    const last = head.ref.path[head.ref.path.length - 1];
    if (last !== undefined && last.kind !== 'String' && !head.args) {
      c.failAt(`rule ${what} needs \`contains\` for a multi-value rule (\`${printRef({ ...head.ref, path: head.ref.path.slice(0, -1) })} contains ...\`) or a value (\`${what} := value\`)`, head.loc);
    }
    c.failAt(`rule ${what} needs a value (\`${what} := value\`) or a body (\`${what} if { ... }\`)`, head.loc);
  }
  const elses: Else[] = [];
  while (c.isKw('else')) elses.push(parseElse(c));
  return { kind: 'Rule', isDefault, head, body, elses, loc };
}

/** The first var, ref or call of a default value, outside comprehensions (which OPA allows). */
function nonConstant(t: Term): Term | undefined {
  switch (t.kind) {
    case 'Var': case 'Ref': case 'Call': return t;
    case 'Array': case 'Set': for (const x of t.items) { const b = nonConstant(x); if (b) return b; } return undefined;
    case 'Object': for (const [k, v] of t.entries) { const b = nonConstant(k) ?? nonConstant(v); if (b) return b; } return undefined;
    default: return undefined;
  }
}

function parseHead(c: Cursor): Head {
  const loc = c.loc();
  const name = c.next();
  const path: Term[] = [];
  const ref: RefTerm = { kind: 'Ref', head: { kind: 'Var', name: name.v, loc }, path, loc };
  // Ref heads: `a.b.c`, `p[k]`, `a.b[k]` written without spaces.
  for (;;) {
    if (c.tok.ws || c.tok.t !== 'op') break;
    if (c.eatOp('.')) {
      const seg = c.tok;
      if (seg.t !== 'ident' || seg.ws) c.fail('expected a name after `.`');
      c.next();
      path.push({ kind: 'String', value: seg.v, loc: c.loc(seg) });
    } else if (c.eatOp('[')) {
      const key = parseIn(c, false);
      c.expectOp(']');
      path.push(key);
    } else {
      break;
    }
  }
  let args: Term[] | undefined;
  if (c.isOp('(') && !c.tok.ws) {
    c.next();
    args = [];
    while (!c.isOp(')')) {
      args.push(parseIn(c, false));
      if (!c.eatOp(',')) break;
    }
    c.expectOp(')', '`,` or `)`');
  }
  let key: Term | undefined;
  if (c.eatKw('contains')) {
    if (args) c.fail('a function cannot use `contains`');
    key = parseIn(c, false);
  }
  let value: Term | undefined;
  let assign = false;
  if (c.isOp(':=') || c.isOp('=')) {
    if (key !== undefined) c.fail('a `contains` rule has no value');
    assign = c.next().v === ':=';
    value = parseIn(c, false);
  }
  return {
    kind: 'Head', ref, assign, loc,
    ...(args ? { args } : {}), ...(key !== undefined ? { key } : {}), ...(value !== undefined ? { value } : {}),
  };
}

/** `if { body }`, `if literal`, or nothing; a bare `{` is the v0 form and is refused. */
function parseRuleBody(c: Cursor, advice: () => string): Body {
  if (c.eatKw('if')) {
    if (!c.isOp('{')) return [parseLiteral(c)];
    if (c.isOp('}', c.peek())) c.fail('found empty body', c.peek());
    // `if {x: 1 | ...}` may be a one-literal body that starts with a collection, as in OPA:
    // try the braced body first, then the literal, and report the body's error if both fail.
    const pos = c.pos;
    const wildcards = c.wildcards;
    try {
      return parseBraceBody(c);
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      c.pos = pos;
      c.wildcards = wildcards;
      c.depth = 0;
      try {
        const lit = parseLiteral(c);
        if (c.tok.nl || c.isKw('else')) return [lit];
      } catch (e2) {
        if (!(e2 instanceof ParseFailure)) throw e2;
      }
      throw e;
    }
  }
  if (c.isOp('{')) c.fail(`\`if\` keyword is required before rule body${advice()}`);
  return [];
}

function adviceFor(head: Head): string {
  const last = head.ref.path[head.ref.path.length - 1];
  if (head.value === undefined && head.key === undefined && !head.args && last !== undefined && last.kind !== 'String') {
    const set = printRef({ ...head.ref, path: head.ref.path.slice(0, -1) });
    return ` (a v0 partial set rule is written \`${set} contains ... if { ... }\` in Rego v1)`;
  }
  return ` (write \`${printHead(head)} if { ... }\`)`;
}

function parseElse(c: Cursor): Else {
  const loc = c.loc();
  c.next();
  let value: Term | undefined;
  let assign = false;
  if (c.isOp(':=') || c.isOp('=')) {
    assign = c.next().v === ':=';
    value = parseIn(c, false);
  }
  const body = parseRuleBody(c, () => ' (write `else := value if { ... }`)');
  if (value === undefined && body.length === 0) c.failAt('`else` needs a value (`else := v`) or a body (`else if { ... }`)', loc);
  return value !== undefined ? { kind: 'Else', value, assign, body, loc } : { kind: 'Else', assign, body, loc };
}

/** Parse a query (a body: literals split by `;` or newlines), e.g. `data.test.p = x`. */
export function parseQuery(source: string, file: string): { body?: Body; diagnostics: Diagnostic[] } {
  return parseFragment(source, file, (c) => {
    const body: Body[number][] = [];
    while (c.tok.t !== 'eof') {
      body.push(parseLiteral(c));
      if (c.eatOp(';') || c.tok.nl) continue;
      c.fail('expected \\n or ; or end of query');
    }
    if (body.length === 0) c.fail('found empty query');
    return body;
  }, 'body');
}

/** Parse one term (e.g. a conformance case's `input_term`, `{"foo": {{1}}}`). */
export function parseTermText(source: string, file: string): { term?: Term; diagnostics: Diagnostic[] } {
  return parseFragment(source, file, (c) => {
    const t = parseIn(c, false);
    if (c.tok.t !== 'eof') c.fail('expected end of term');
    return t;
  }, 'term');
}

function parseFragment<T, K extends string>(source: string, file: string, run: (c: Cursor) => T, key: K): { diagnostics: Diagnostic[] } & Partial<Record<K, T>> {
  const lexed = lex(source);
  if (!lexed.ok) {
    return { diagnostics: [error('rego_parse_error', lexed.message, { file, line: lexed.line, col: lexed.col })] } as { diagnostics: Diagnostic[] } & Partial<Record<K, T>>;
  }
  const c = new Cursor(lexed.tokens, file);
  try {
    return { [key]: run(c), diagnostics: [] } as unknown as { diagnostics: Diagnostic[] } & Partial<Record<K, T>>;
  } catch (e) {
    if (e instanceof ParseFailure) return { diagnostics: [error('rego_parse_error', e.message, e.loc)] } as { diagnostics: Diagnostic[] } & Partial<Record<K, T>>;
    if (e instanceof RangeError) return { diagnostics: [error('rego_parse_error', 'input nests too deeply', c.loc())] } as { diagnostics: Diagnostic[] } & Partial<Record<K, T>>;
    throw e;
  }
}
