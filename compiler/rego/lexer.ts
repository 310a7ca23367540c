// The Rego v1 lexer: source text in, a flat token array and the comments out, in one
// linear pass. Tokens remember whether a newline (a body separator) or any whitespace
// came before them, since refs and calls must be written without spaces (`a.b[c](d)`).
import type { Loc } from '../diagnostics/index.ts';

export type TokKind = 'ident' | 'number' | 'string' | 'raw' | 'op' | 'eof';

export interface Token {
  readonly t: TokKind;
  /** identifier, number text or operator text; decoded value for strings */
  readonly v: string;
  readonly line: number;
  readonly col: number;
  /** a newline came between the previous token and this one */
  readonly nl: boolean;
  /** any whitespace or comment came between the previous token and this one */
  readonly ws: boolean;
}

export interface RawComment { readonly text: string; readonly line: number; readonly col: number }

export type LexResult =
  | { readonly ok: true; readonly tokens: Token[]; readonly comments: RawComment[] }
  | { readonly ok: false; readonly message: string; readonly line: number; readonly col: number };

const OPS2 = [':=', '==', '!=', '<=', '>='];
const OPS1 = '{}[]().,;:=<>+-*/%&|';

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function lex(src: string): LexResult {
  const tokens: Token[] = [];
  const comments: RawComment[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let nl = true;
  let ws = true;
  let start = 0;
  const col = (at: number): number => at - lineStart + 1;
  // Defined once, outside the loop: a closure per token costs more than the token.
  const push = (t: TokKind, v: string): void => {
    tokens.push({ t, v, line, col: start - lineStart + 1, nl, ws });
    nl = false;
    ws = false;
  };
  const fail = (message: string, at: number): LexResult => ({ ok: false, message, line, col: col(at) });

  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c === 10) { i++; line++; lineStart = i; nl = true; ws = true; continue; }
    if (c === 32 || c === 9 || c === 13 || c === 0xfeff) { i++; ws = true; continue; }
    if (c === 35) { // '#'
      const start = i;
      while (i < src.length && src.charCodeAt(i) !== 10) i++;
      comments.push({ text: src.slice(start + 1, i).replace(/\r$/, ''), line, col: col(start) });
      ws = true;
      continue;
    }
    start = i;
    if (isIdentStart(c)) {
      while (i < src.length && (isIdentStart(src.charCodeAt(i)) || isDigit(src.charCodeAt(i)))) i++;
      push('ident', src.slice(start, i));
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(i + 1)))) {
      const end = scanNumber(src, i);
      if (end < 0) return fail('invalid number', start);
      i = end;
      push('number', src.slice(start, i));
      continue;
    }
    if (c === 34) { // '"'
      const r = scanString(src, i + 1);
      if (typeof r === 'string') return fail(r, start);
      i = r.end;
      push('string', r.value);
      continue;
    }
    if (c === 96) { // '`'
      const end = src.indexOf('`', i + 1);
      if (end < 0) return fail('non-terminated raw string', start);
      const value = src.slice(i + 1, end);
      const startLine = line;
      const startCol = col(start);
      for (let k = i + 1; k < end; k++) if (src.charCodeAt(k) === 10) { line++; lineStart = k + 1; }
      i = end + 1;
      tokens.push({ t: 'raw', v: value, line: startLine, col: startCol, nl, ws });
      nl = false;
      ws = false;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (OPS2.includes(two)) { i += 2; push('op', two); continue; }
    if (OPS1.includes(src[i]!)) { i++; push('op', src[start]!); continue; }
    if (c === 33) return fail('illegal ! character (write `not` or `!=`)', start);
    return fail(`illegal character ${JSON.stringify(String.fromCodePoint(src.codePointAt(i)!))}`, start);
  }
  tokens.push({ t: 'eof', v: '', line, col: col(i), nl: true, ws: true });
  return { ok: true, tokens, comments };
}

/** JSON-style number; returns the end offset, or -1 when malformed. */
function scanNumber(src: string, i: number): number {
  let j = i;
  while (isDigit(src.charCodeAt(j))) j++;
  if (src.charCodeAt(j) === 46 && isDigit(src.charCodeAt(j + 1))) {
    j++;
    while (isDigit(src.charCodeAt(j))) j++;
  }
  const e = src.charCodeAt(j);
  if (e === 101 || e === 69) {
    let k = j + 1;
    const s = src.charCodeAt(k);
    if (s === 43 || s === 45) k++;
    if (!isDigit(src.charCodeAt(k))) return -1;
    while (isDigit(src.charCodeAt(k))) k++;
    j = k;
  }
  // `1a` or `1.` glued to a name is not a number followed by a name.
  if (isIdentStart(src.charCodeAt(j)) || src.charCodeAt(j) === 46 && !isIdentStart(src.charCodeAt(j + 1))) return -1;
  return j;
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t',
};

/** A double-quoted string body from `i`; the decoded value and end, or an error message. */
function scanString(src: string, i: number): { value: string; end: number } | string {
  let out = '';
  let j = i;
  let chunk = j;
  for (;;) {
    if (j >= src.length) return 'non-terminated string';
    const c = src.charCodeAt(j);
    if (c === 34) { out += src.slice(chunk, j); return { value: out, end: j + 1 }; }
    if (c === 10) return 'non-terminated string';
    if (c === 92) {
      out += src.slice(chunk, j);
      const e = src[j + 1];
      if (e === 'u') {
        const hex = src.slice(j + 2, j + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) return 'invalid \\u escape in string';
        out += String.fromCharCode(parseInt(hex, 16));
        j += 6;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        j += 2;
      } else {
        return `illegal escape sequence \\${e ?? ''} in string`;
      }
      chunk = j;
      continue;
    }
    j++;
  }
}

export function tokLoc(file: string, t: { line: number; col: number }): Loc {
  return { file, line: t.line, col: t.col };
}
