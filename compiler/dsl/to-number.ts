// `toNumber(x)`: the DSL's number conversion, whose plain-JS meaning is exactly Rego's
// `to_number` (the extractor lowers it one to one). JavaScript's `Number` differs (NaN for
// "abc", 0 for "" and blanks, 16 for "0x10"), so policies use this instead; see docs/dsl.md.
import { Undefined } from './strict-view.ts';

/** What Go's strconv.ParseFloat accepts in decimal form (OPA's to_number parses strings with it). */
const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/**
 * A number from a number, boolean (1/0), null (0) or decimal number string such as "12",
 * "-3.5", "+1e3" or ".5". Anything else (other text, blanks, hex, "NaN", "Inf", a value too
 * large for a float, an array or object) has no number: like `to_number` in Rego, the
 * expression using it is undefined, so the predicate is false and a cost is missing.
 */
export function toNumber(x: unknown): number {
  if (typeof x === 'number') return x + 0;
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (x === null) return 0;
  if (typeof x === 'string' && DECIMAL.test(x)) {
    // Out of float range is ParseFloat's range error, so undefined; -0 prints as 0 in JSON.
    const n = Number(x);
    if (Number.isFinite(n)) return n + 0;
  }
  throw new Undefined(`toNumber(${typeof x === 'string' ? JSON.stringify(x) : Array.isArray(x) ? 'an array' : typeof x})`);
}
