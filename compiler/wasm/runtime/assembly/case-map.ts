// Lookups in the case tables (case-tables.ts, which the runtime build writes from
// compiler/unicode/case-tables.ts): Rego's lower/upper and the case-folding orbits of (?i) in
// regular expressions. compiler/unicode/case-runs.ts is the same lookup for the DSL reference.
import { FOLD_RUNS, FOLD_RUN_COUNT } from "./case-tables";

// The code point cp maps to by a table of [start, end, stride, delta] runs sorted by start;
// stride 0 is a run of pairs that swap (even offsets up one, odd offsets down one).
export function mapCodePoint(runs: usize, count: u32, cp: u32): u32 {
  let lo: i32 = 0, hi: i32 = <i32>count - 1;
  while (lo < hi) {
    let mid = (lo + hi + 1) >> 1;
    if (<u32>load<i32>(runs + (<usize>mid << 4)) <= cp) lo = mid; else hi = mid - 1;
  }
  let at = runs + (<usize>lo << 4);
  let start = <u32>load<i32>(at);
  if (cp < start || cp > <u32>load<i32>(at, 4)) return cp;
  let stride = <u32>load<i32>(at, 8);
  if (stride == 0) return ((cp - start) & 1) == 0 ? cp + 1 : cp - 1;
  return (cp - start) % stride == 0 ? <u32>(<i32>cp + load<i32>(at, 12)) : cp;
}

// The next member of cp's case-folding orbit (Go's unicode.SimpleFold); cp itself when it
// folds to nothing else.
export function nextFold(cp: u32): u32 { return mapCodePoint(FOLD_RUNS, FOLD_RUN_COUNT, cp); }

// Every run start and end of the fold table, for visiting the cased code points of a range
// without stepping through all of it.
export function foldRunCount(): u32 { return FOLD_RUN_COUNT; }
export function foldRunStart(i: u32): u32 { return <u32>load<i32>(FOLD_RUNS + (<usize>i << 4)); }
export function foldRunEnd(i: u32): u32 { return <u32>load<i32>(FOLD_RUNS + (<usize>i << 4), 4); }
