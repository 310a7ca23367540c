// Lexical facts of Rego v1 shared by the lexer and the printer: keywords, what counts as
// an identifier, and how strings are quoted (JSON-style escapes, as OPA prints them).

/** Words the v1 lexer never reads as identifiers. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'as', 'default', 'else', 'false', 'import', 'not', 'null', 'package', 'some', 'true', 'with',
  'if', 'contains', 'in', 'every',
]);

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when `s` can be written bare (`a.s`, a rule name); otherwise it needs `["..."]`. */
export function isPrintableIdent(s: string): boolean {
  return IDENT.test(s) && !KEYWORDS.has(s) && s !== '_';
}

/** A double-quoted Rego string literal for `s`. */
export function quoteString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      default:
        // Control characters and lone surrogates are escaped so the output stays valid UTF-8 text.
        if (c < 0x20 || c === 0x7f || isLoneSurrogate(s, i)) out += `\\u${c.toString(16).padStart(4, '0')}`;
        else out += s[i];
    }
  }
  return `${out}"`;
}

function isLoneSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff) {
    const n = s.charCodeAt(i + 1);
    return !(n >= 0xdc00 && n <= 0xdfff);
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const p = s.charCodeAt(i - 1);
    return !(p >= 0xd800 && p <= 0xdbff);
  }
  return false;
}
