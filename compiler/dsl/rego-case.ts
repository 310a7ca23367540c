// Rego's `lower` and `upper` in TypeScript, for the DSL reference: a policy's `.toLowerCase()`
// compiles to `lower`, which OPA runs as Go's strings.ToLower (one code point to one, by
// Unicode's simple case mapping). JavaScript's own methods differ on a few letters (İ → i̇,
// ß → SS, a final Σ → ς), so the reference runs predicates with these in their place
// (withRegoCase) and `leash test` agrees with the bundle the gateway asks.
import { LOWER_RUNS, mapCodePoint, UPPER_RUNS } from '../unicode/index.ts';

function mapString(s: string, runs: readonly number[]): string {
  let out = '';
  for (const ch of s) out += String.fromCodePoint(mapCodePoint(runs, ch.codePointAt(0)!));
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
