// Lookup in a case table of case-tables.ts: flat [start, end, stride, delta] runs sorted by
// start (gen-case-tables.ts makes them). The wasm runtime's case-map.ts does the same over
// the same numbers in linear memory.

/** The code point `cp` maps to by `runs`; stride 0 is a run of pairs that swap (even offsets up one, odd ones down one). */
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
  if (stride === 0) return (cp - start) % 2 === 0 ? cp + 1 : cp - 1;
  return (cp - start) % stride === 0 ? cp + runs[at + 3]! : cp;
}
