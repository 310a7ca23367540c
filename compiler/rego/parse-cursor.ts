// The parser's cursor over the token array: look-ahead, expectations, the nesting-depth
// guard and the first parse error (parsing stops at it: a ParseFailure unwinds to
// parseModule, which turns it into a rego_parse_error diagnostic).
import type { Loc } from '../diagnostics/index.ts';
import type { Token } from './lexer.ts';
import { KEYWORDS } from './lexical.ts';

/** Nesting deeper than this is refused, so hostile input cannot overflow the stack. */
export const MAX_DEPTH = 100;

export class ParseFailure {
  constructor(readonly message: string, readonly loc: Loc) {}
}

export class Cursor {
  pos = 0;
  depth = 0;
  wildcards = 0;
  constructor(readonly tokens: readonly Token[], readonly file: string) {}

  get tok(): Token {
    return this.tokens[this.pos]!;
  }
  peek(n = 1): Token {
    return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)]!;
  }
  next(): Token {
    const t = this.tok;
    if (t.t !== 'eof') this.pos++;
    return t;
  }
  loc(t: Token = this.tok): Loc {
    return { file: this.file, line: t.line, col: t.col };
  }

  isOp(v: string, t: Token = this.tok): boolean {
    return t.t === 'op' && t.v === v;
  }
  isKw(v: string, t: Token = this.tok): boolean {
    return t.t === 'ident' && t.v === v;
  }
  /** An identifier that is not a keyword. */
  isName(t: Token = this.tok): boolean {
    return t.t === 'ident' && !KEYWORDS.has(t.v);
  }

  eatOp(v: string): boolean {
    if (!this.isOp(v)) return false;
    this.pos++;
    return true;
  }
  eatKw(v: string): boolean {
    if (!this.isKw(v)) return false;
    this.pos++;
    return true;
  }
  expectOp(v: string, what?: string): Token {
    if (!this.isOp(v)) this.fail(`expected ${what ?? `\`${v}\``}`);
    return this.next();
  }

  fail(expected: string, at: Token = this.tok): never {
    throw new ParseFailure(`unexpected ${describe(at)}: ${expected}`, this.loc(at));
  }
  failAt(message: string, loc: Loc): never {
    throw new ParseFailure(message, loc);
  }

  enter(): void {
    if (++this.depth > MAX_DEPTH) this.failAt(`nesting is deeper than ${MAX_DEPTH} levels`, this.loc());
  }
  leave(): void {
    this.depth--;
  }

  wildcard(): string {
    return `$wildcard${this.wildcards++}`;
  }
}

export function describe(t: Token): string {
  switch (t.t) {
    case 'eof': return 'end of file';
    case 'ident': return KEYWORDS.has(t.v) ? `${t.v} keyword` : `identifier ${t.v}`;
    case 'number': return `number ${t.v}`;
    case 'string': case 'raw': return 'string';
    case 'op': return `${t.v} token`;
  }
}
