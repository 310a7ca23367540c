// Rego's `lower` and `upper` in TypeScript, for the DSL reference: a policy's `.toLowerCase()`
// compiles to `lower`, which OPA runs as Go's strings.ToLower (one code point to one, by
// Unicode's simple case mapping). JavaScript's own methods differ on a few letters (İ → i̇,
// ß → SS, a final Σ → ς), so the reference runs predicates with these in their place
// (withRegoCase) and `leash test` agrees with the bundle the gateway asks.
import { LOWER_RUNS, UPPER_RUNS } from './case-tables.ts';

/** The code point `cp` maps to by `runs` ([start, end, stride, delta] quadruples sorted by start; gen-case-tables.ts). */
export function mapCodePoint(runs: readonly number[], cp: number): number {
  let lo = 0;
  let hi = runs.length / 4 - 1;
  // the last run that starts at or before cp
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (runs[mid * 4]! <= cp) lo = mid;
    else hi = mid - 1;
  }
  const at = lo * 4;
  const start = runs[at]!;
  const stride = runs[at + 2]!;
  if (cp < start || cp > runs[at + 1]!) return cp;
  // stride 0: pairs that swap (even offsets up one, odd ones down one)
  if (stride === 0) return (cp - start) % 2 === 0 ? cp + 1 : cp - 1;
  return (cp - start) % stride === 0 ? cp + runs[at + 3]! : cp;
}

function mapString(s: string, runs: readonly number[]): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    // ASCII letters are most of every real string: skip the search for them
    out += cp < 0x80 ? (runs === LOWER_RUNS ? (cp >= 0x41 && cp <= 0x5a ? String.fromCharCode(cp + 32) : ch) : (cp >= 0x61 && cp <= 0x7a ? String.fromCharCode(cp - 32) : ch))
      : String.fromCodePoint(mapCodePoint(runs, cp));
  }
  return out;
}

export const regoLower = (s: string): string => mapString(s, LOWER_RUNS);
export const regoUpper = (s: string): string => mapString(s, UPPER_RUNS);

const nativeLower = String.prototype.toLowerCase;
const nativeUpper = String.prototype.toUpperCase;

// as the native methods do: null and undefined throw, anything else is made a string
function ownString(value: unknown, method: string): string {
  if (value === null || value === undefined) throw new TypeError(`String.prototype.${method} called on ${value}`);
  return String(value);
}

/**
 * Runs `fn` with String.prototype.toLowerCase and toUpperCase doing what Rego's lower and
 * upper do, and puts JavaScript's back after (also when `fn` throws). Predicates run
 * synchronously, so nothing else sees the swap.
 */
export function withRegoCase<T>(fn: () => T): T {
  if (String.prototype.toLowerCase !== nativeLower) return fn(); // already inside
  String.prototype.toLowerCase = function (this: string) { return regoLower(ownString(this, 'toLowerCase')); };
  String.prototype.toUpperCase = function (this: string) { return regoUpper(ownString(this, 'toUpperCase')); };
  try {
    return fn();
  } finally {
    String.prototype.toLowerCase = nativeLower;
    String.prototype.toUpperCase = nativeUpper;
  }
}
