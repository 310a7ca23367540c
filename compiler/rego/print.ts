// The Rego v1 printer: Module AST in, canonical source text out, in the style of `opa fmt`
// (tabs, `if` bodies in braces, `contains`, `:=` as written, comments re-attached by line).
// Output is deterministic and re-parses to the same AST (locations aside).
import {
  assertNever, INFIX_OPERATORS, MEMBER_2, MEMBER_3,
  type Annotations, type Body, type Comment, type Else, type Expr, type Head, type Import,
  type Module, type Package, type RefTerm, type Rule, type Term, type With,
} from './ast.ts';
import { quoteString, isPrintableIdent } from './lexical.ts';

/** Binding strength of infix calls (higher binds tighter); terms are TERM_PREC. */
const PREC: Readonly<Record<string, number>> = {
  [MEMBER_2]: 1,
  equal: 2, neq: 2, lt: 2, lte: 2, gt: 2, gte: 2,
  or: 3,
  and: 4,
  plus: 5, minus: 5,
  mul: 6, div: 6, rem: 6,
};
const TERM_PREC = 7;

const SYMBOL_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(INFIX_OPERATORS).map(([sym, name]) => [name, sym]),
);

/** Print a whole module. */
export function printModule(module: Module): string {
  const out = new Printer(module.comments);
  if (module.annotations) out.annotations(module.annotations, 0);
  out.before(module.package.loc.line, 0);
  out.line(0, printPackage(module.package), module.package.loc.line);
  if (module.imports.length > 0) {
    out.blank();
    for (const imp of module.imports) {
      out.before(imp.loc.line, 0);
      out.line(0, printImport(imp), imp.loc.line);
    }
  }
  module.rules.forEach((rule, i) => {
    out.blank();
    printRule(out, rule, module.rules[i + 1]?.loc.line ?? Number.POSITIVE_INFINITY);
  });
  out.rest();
  return out.text();
}

/** Print one term (used by diagnostics and the DSL's tests). */
export function printTerm(term: Term): string {
  return term_(term, TERM_PREC - 1);
}

/** Print one body expression on a single line. */
export function printExpr(e: Expr): string {
  return exprLine(e);
}

export function printPackage(pkg: Package): string {
  const [first, ...rest] = pkg.path;
  if (first === undefined) return 'package data';
  const head = isPrintableIdent(first) ? first : `data[${quoteString(first)}]`;
  return `package ${head}${rest.map((s) => (isPrintableIdent(s) ? `.${s}` : `[${quoteString(s)}]`)).join('')}`;
}

export function printImport(imp: Import): string {
  return `import ${printRef(imp.path)}${imp.alias !== undefined ? ` as ${imp.alias}` : ''}`;
}

/* ------------------------------------------------------------- layout */

/** Collects lines and interleaves the module's comments by source line. */
class Printer {
  private readonly lines: string[] = [];
  private next = 0;
  constructor(private readonly comments: readonly Comment[]) {}

  /** Emit every comment that starts before `line`. */
  before(line: number, indent: number): void {
    while (this.next < this.comments.length && this.comments[this.next]!.loc.line < line) {
      this.lines.push(`${'\t'.repeat(indent)}#${this.comments[this.next]!.text}`);
      this.next++;
    }
  }

  /** A line of code; a comment on the same source line is kept at its end. */
  line(indent: number, text: string, srcLine?: number): void {
    let suffix = '';
    while (srcLine !== undefined && this.next < this.comments.length && this.comments[this.next]!.loc.line === srcLine) {
      suffix += ` #${this.comments[this.next]!.text}`;
      this.next++;
    }
    this.lines.push(`${'\t'.repeat(indent)}${text}${suffix}`);
  }

  /** Emit the comments before `boundary` indented past `minCol` (the rest of a block's own). */
  inside(boundary: number, minCol: number, indent: number): void {
    while (this.next < this.comments.length) {
      const c = this.comments[this.next]!;
      if (c.loc.line >= boundary || c.loc.col <= minCol) return;
      this.lines.push(`${'\t'.repeat(indent)}#${c.text}`);
      this.next++;
    }
  }

  /** Continue the last line (`} else ...`). */
  append(text: string): void {
    const i = this.lines.length - 1;
    if (i >= 0) this.lines[i] += text;
    else this.lines.push(text);
  }

  blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }

  annotations(a: Annotations, indent: number): void {
    const pad = '\t'.repeat(indent);
    this.lines.push(`${pad}# METADATA`);
    const body = a.text.replace(/\n+$/, '');
    if (body === '') return;
    for (const l of body.split('\n')) this.lines.push(l === '' ? `${pad}#` : `${pad}# ${l}`);
  }

  rest(): void {
    if (this.next < this.comments.length) this.blank();
    this.before(Number.POSITIVE_INFINITY, 0);
  }

  text(): string {
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return `${this.lines.join('\n')}\n`;
  }
}

/* -------------------------------------------------------------- rules */

/**
 * Where a block's own comments end: comments before `boundary` (the next rule, `else` or
 * expression) and indented past `minCol` belong inside the block, above its `}`.
 */
interface BlockEnd { readonly boundary: number; readonly minCol: number }

function printRule(out: Printer, rule: Rule, nextLine: number): void {
  out.before(rule.loc.line, 0);
  if (rule.annotations) out.annotations(rule.annotations, 0);
  const head = `${rule.isDefault ? 'default ' : ''}${printHead(rule.head)}`;
  const end: BlockEnd = { boundary: rule.elses[0]?.loc.line ?? nextLine, minCol: 1 };
  if (rule.body.length === 0 && rule.head.value === undefined && rule.head.key === undefined && !rule.isDefault) {
    // `p if { true }` is the only way to write a value-less, body-less rule.
    printBlock(out, `${head} if {`, [], rule.loc.line, 0, end, true);
  } else if (rule.body.length === 0) {
    // With an `else` to follow on this line, a trailing comment must wait for the next line.
    out.line(0, head, rule.elses.length > 0 ? undefined : rule.loc.line);
  } else {
    printBlock(out, `${head} if {`, rule.body, rule.loc.line, 0, end);
  }
  rule.elses.forEach((e, i) => printElse(out, e, { boundary: rule.elses[i + 1]?.loc.line ?? nextLine, minCol: 1 }));
}

function printElse(out: Printer, e: Else, end: BlockEnd): void {
  const value = e.value === undefined ? '' : ` ${e.assign ? ':=' : '='} ${term_(e.value, TERM_PREC - 1)}`;
  // `else` continues the closing brace (or the head line of a body-less rule).
  if (e.body.length === 0) {
    out.append(` else${value}`);
    return;
  }
  out.append(` else${value} if {`);
  printBodyLines(out, e.body, 1, end);
  out.inside(end.boundary, end.minCol, 1);
  out.line(0, '}');
}

function printBlock(out: Printer, open: string, body: Body, srcLine: number, indent: number, end: BlockEnd, trueBody = false): void {
  out.line(indent, open, srcLine);
  if (trueBody) out.line(indent + 1, 'true');
  printBodyLines(out, body, indent + 1, end);
  out.inside(end.boundary, end.minCol, indent + 1);
  out.line(indent, '}');
}

function printBodyLines(out: Printer, body: Body, indent: number, end: BlockEnd): void {
  body.forEach((e, i) => {
    out.before(e.loc.line, indent);
    if (e.node.kind === 'Every' && e.with.length === 0 && !e.negated) {
      const inner: BlockEnd = { boundary: body[i + 1]?.loc.line ?? end.boundary, minCol: e.loc.col };
      printBlock(out, everyOpen(e.node), e.node.body, e.loc.line, indent, inner);
    } else {
      out.line(indent, exprLine(e), e.loc.line);
    }
  });
}

export function printHead(h: Head): string {
  let s = printRef(h.ref);
  if (h.args) s += `(${h.args.map((a) => term_(a, TERM_PREC - 1)).join(', ')})`;
  if (h.key !== undefined) s += ` contains ${term_(h.key, TERM_PREC - 1)}`;
  if (h.value !== undefined) s += ` ${h.assign ? ':=' : '='} ${term_(h.value, 0)}`;
  return s;
}

/* -------------------------------------------------------- expressions */

function exprLine(e: Expr): string {
  let s: string;
  const n = e.node;
  switch (n.kind) {
    case 'SomeVars':
      s = `some ${n.vars.map((v) => v.name).join(', ')}`;
      break;
    case 'SomeIn':
      s = `some ${n.key !== undefined ? `${term_(n.key, TERM_PREC - 1)}, ` : ''}${term_(n.value, TERM_PREC - 1)} in ${term_(n.collection, 2)}`;
      break;
    case 'Every':
      s = `${everyOpen(n)} ${inlineBody(n.body)} }`;
      break;
    default:
      s = topTerm(n);
  }
  if (e.negated) s = `not ${s}`;
  return s + e.with.map(printWith).join('');
}

function everyOpen(n: Extract<Expr['node'], { kind: 'Every' }>): string {
  const kv = n.key !== undefined ? `${n.key.name}, ${n.value.name}` : n.value.name;
  return `every ${kv} in ${term_(n.domain, 2)} {`;
}

function printWith(w: With): string {
  return ` with ${term_(w.target, TERM_PREC - 1)} as ${term_(w.value, 0)}`;
}

/** An expression-level term: `:=`, `=` and `k, v in xs` are only infix here. */
function topTerm(t: Term): string {
  if (t.kind === 'Call' && t.args.length === 2 && (t.operator === 'assign' || t.operator === 'eq')) {
    const [l, r] = t.args as [Term, Term];
    return `${term_(l, 0)} ${SYMBOL_OF[t.operator]} ${term_(r, 0)}`;
  }
  if (t.kind === 'Call' && t.operator === MEMBER_3 && t.args.length === 3) {
    const [k, v, c] = t.args as [Term, Term, Term];
    return `${term_(k, 2)}, ${term_(v, 2)} in ${term_(c, 2)}`;
  }
  return term_(t, 0);
}

function inlineBody(body: Body): string {
  return body.map(exprLine).join('; ');
}

/* -------------------------------------------------------------- terms */

/** Print `t` where the context binds with strength `ctx`; parenthesise weaker infix calls. */
function term_(t: Term, ctx: number): string {
  switch (t.kind) {
    case 'Null': return 'null';
    case 'Boolean': return t.value ? 'true' : 'false';
    case 'Number': return t.text;
    case 'String': return t.raw && !t.value.includes('`') ? `\`${t.value}\`` : quoteString(t.value);
    case 'Var': return t.name.startsWith('$wildcard') ? '_' : t.name;
    case 'Ref': return printRef(t);
    case 'Array': return `[${t.items.map(item).join(', ')}]`;
    case 'Set': return t.items.length === 0 ? 'set()' : `{${t.items.map(item).join(', ')}}`;
    case 'Object': return `{${t.entries.map(([k, v]) => `${item(k)}: ${item(v)}`).join(', ')}}`;
    case 'ArrayComprehension': return `[${item(t.term)} | ${inlineBody(t.body)}]`;
    case 'SetComprehension': return `{${item(t.term)} | ${inlineBody(t.body)}}`;
    case 'ObjectComprehension': return `{${item(t.key)}: ${item(t.value)} | ${inlineBody(t.body)}}`;
    case 'Call': return printCall(t, ctx);
    default: return assertNever(t, 'term');
  }
}

/** Items of collections and call arguments: any infix term but `:=`/`=`. */
function item(t: Term): string {
  const s = term_(t, 0);
  // A top-level `|` would read as a comprehension bar inside `[...]` or `{...}`.
  return hasBareOr(t) ? `(${s})` : s;
}

function hasBareOr(t: Term): boolean {
  if (t.kind !== 'Call' || t.args.length !== 2) return false;
  const prec = PREC[t.operator];
  if (prec === undefined) return false;
  if (t.operator === 'or') return true;
  const [l, r] = t.args as [Term, Term];
  const bare = (x: Term, min: number): boolean => x.kind === 'Call' && (PREC[x.operator] ?? TERM_PREC) >= min && hasBareOr(x);
  return bare(l, prec) || bare(r, prec + 1);
}

function printCall(t: Extract<Term, { kind: 'Call' }>, ctx: number): string {
  if (t.operator === MEMBER_3 && t.args.length === 3) {
    const [k, v, c] = t.args as [Term, Term, Term];
    return `(${term_(k, 2)}, ${term_(v, 2)} in ${term_(c, 2)})`;
  }
  const prec = PREC[t.operator];
  if (prec !== undefined && t.args.length === 2) {
    const [l, r] = t.args as [Term, Term];
    const sym = t.operator === MEMBER_2 ? 'in' : SYMBOL_OF[t.operator]!;
    const s = `${term_(l, prec)} ${sym} ${term_(r, prec + 1)}`;
    return prec < ctx ? `(${s})` : s;
  }
  return `${t.operator}(${t.args.map(item).join(', ')})`;
}

export function printRef(r: RefTerm): string {
  let s = r.head.kind === 'Var' ? r.head.name : term_(r.head, TERM_PREC);
  for (const p of r.path) {
    if (p.kind === 'String' && isPrintableIdent(p.value)) s += `.${p.value}`;
    else s += `[${item(p)}]`;
  }
  return s;
}
