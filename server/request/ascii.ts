// Case and blanks as HTTP defines them: ASCII only. JavaScript's toLowerCase and trim reach
// further (the Kelvin sign lowers to k, NBSP and U+3000 are trimmed), so a header name, host
// or method hint spelled with those would read as a plain ASCII one here while the upstream,
// which compares bytes, sees another.

/** `s` with A-Z lowered and every other character kept. */
export function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]+/g, (run) => run.toLowerCase()) : s;
}

/** `s` with a-z raised and every other character kept. */
export function asciiUpper(s: string): string {
  return /[a-z]/.test(s) ? s.replace(/[a-z]+/g, (run) => run.toUpperCase()) : s;
}

/** `s` without leading and trailing spaces and tabs (HTTP's optional whitespace). */
export function trimOws(s: string): string {
  return s.replace(/^[ \t]+|[ \t]+$/g, '');
}
