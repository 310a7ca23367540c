// Writes case-tables.ts: the case-mapping tables of Rego's `lower` and `upper` (and the
// case-folding orbits of `(?i)` in regex builtins) as OPA computes them: Go's
// strings.ToLower/ToUpper, one code point to one code point by Unicode's simple case mapping
// (UnicodeData.txt), in Go's Unicode version. The wasm runtime (through its build) and the
// DSL reference read the same numbers, so a policy's `.toLowerCase()` means one thing in
// `leash test` and in the bundle.
//
// The mappings come from this Node's ICU, one code point at a time: where JavaScript's full
// mapping gives one code point it is the simple mapping. Where it gives several (ß → SS,
// İ → i̇, ᾳ → ΑΙ), the simple mapping is UnicodeData's, listed below. Letters whose case
// pair is newer than Go's Unicode are left out, so a newer ICU does not map what OPA keeps.
// Run: node --import tsx compiler/unicode/gen-case-tables.ts (the runtime build notices).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mapCodePoint } from './case-runs.ts';

/** Go 1.21 to 1.26 (OPA 1.x releases) carry Unicode 15.0.0 in package unicode. */
export const GO_UNICODE_VERSION = '15.0.0';

// Case pairs added in Unicode 16.0 and 17.0 (Cyrillic Tje, Latin Extended-D letters, Garay,
// Beria Erfe): a mapping from or to one of these code points is not in Go's tables.
const NEWER_THAN_GO: readonly (readonly [number, number])[] = [
  [0x1c89, 0x1c8a], [0xa7cb, 0xa7cd], [0xa7ce, 0xa7cf], [0xa7d2, 0xa7d2], [0xa7d4, 0xa7d4],
  [0xa7da, 0xa7dc], [0x10d50, 0x10d65], [0x10d70, 0x10d85], [0x16ea0, 0x16eb8], [0x16ebb, 0x16ed3],
];

// Simple mappings of the letters whose full mapping is longer (UnicodeData.txt fields 12 and
// 13); every other such letter has no simple mapping and stays as it is.
const SIMPLE_LOWER: ReadonlyMap<number, number> = new Map([[0x0130, 0x0069]]);
const SIMPLE_UPPER: ReadonlyMap<number, number> = new Map([
  ...[0x1f80, 0x1f90, 0x1fa0].flatMap((base) => Array.from({ length: 8 }, (_, i) => [base + i, base + i + 8] as [number, number])),
  [0x1fb3, 0x1fbc], [0x1fc3, 0x1fcc], [0x1ff3, 0x1ffc],
]);

const newer = (cp: number): boolean => NEWER_THAN_GO.some(([lo, hi]) => cp >= lo && cp <= hi);

/** code point → simple mapping, for every code point the mapping changes */
export function simpleMappings(direction: 'lower' | 'upper'): Map<number, number> {
  const special = direction === 'lower' ? SIMPLE_LOWER : SIMPLE_UPPER;
  const out = new Map<number, number>();
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const s = String.fromCodePoint(cp);
    const full = [...(direction === 'lower' ? s.toLowerCase() : s.toUpperCase())];
    const mapped = full.length === 1 ? full[0]!.codePointAt(0)! : special.get(cp);
    if (mapped === undefined || mapped === cp || newer(cp) || newer(mapped)) continue;
    out.set(cp, mapped);
  }
  return out;
}

/**
 * Runs of code points that map by one delta, as flat [start, end, stride, delta] quadruples
 * sorted by start: stride 1 for blocks (A-Z), 2 for every other code point (Ā Ă Ą → ā ă ą),
 * and stride 0 for pairs that map to each other (Ā ↔ ā, Ă ↔ ă: even offsets up one, odd
 * offsets down one; delta 0), which folding orbits are full of.
 */
export function runsOf(mappings: ReadonlyMap<number, number>): number[] {
  const cps = [...mappings.keys()].sort((a, b) => a - b);
  const runs: number[][] = [];
  const swapsWithNext = (cp: number) => mappings.get(cp) === cp + 1 && mappings.get(cp + 1) === cp;
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    const last = runs.at(-1);
    if (swapsWithNext(cp)) {
      if (last && last[2] === 0 && last[1] === cp - 1) last[1] = cp + 1;
      else runs.push([cp, cp + 1, 0, 0]);
      i++; // cp + 1 is in the pair
      continue;
    }
    const delta = mappings.get(cp)! - cp;
    if (last && last[2] !== 0 && last[3] === delta) {
      const [start, end, stride] = last as [number, number, number];
      if (start === end && (cp - end === 1 || cp - end === 2)) { last[1] = cp; last[2] = cp - end; continue; }
      if (start !== end && cp - end === stride) { last[1] = cp; continue; }
    }
    runs.push([cp, cp, 1, delta]);
  }
  return runs.flat();
}

// Go's unicode.SimpleFold keeps the Turkic dotted and dotless i to themselves (CaseFolding.txt
// folds them only in its Turkic entries), though they lower and upper to ASCII.
const FOLDS_ALONE: ReadonlySet<number> = new Set([0x0130, 0x0131]);

/**
 * Case-folding orbits as RE2's `(?i)` uses them (Go's unicode.SimpleFold): the code points
 * joined by simple lower and upper mappings (k, K and the Kelvin sign; s, S and ſ). Each
 * member maps to the next larger one of its orbit, the largest to the smallest, so walking
 * from any member visits the orbit once.
 */
export function foldOrbitNext(lower: ReadonlyMap<number, number>, upper: ReadonlyMap<number, number>): Map<number, number> {
  const parent = new Map<number, number>();
  const find = (x: number): number => {
    let r = x;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const table of [lower, upper]) {
    for (const [from, to] of table) {
      if (FOLDS_ALONE.has(from) || FOLDS_ALONE.has(to)) continue;
      const [a, b] = [find(from), find(to)];
      if (a !== b) parent.set(a, b);
    }
  }
  const orbits = new Map<number, number[]>();
  for (const cp of parent.keys()) {
    const root = find(cp);
    orbits.set(root, [...(orbits.get(root) ?? []), cp]);
  }
  const next = new Map<number, number>();
  for (const members of orbits.values()) {
    if (members.length < 2) continue;
    members.sort((a, b) => a - b);
    members.forEach((m, i) => next.set(m, members[(i + 1) % members.length]!));
  }
  return next;
}

function lines(values: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < values.length; i += 4) out.push(`  ${values.slice(i, i + 4).map((v) => (v < 0 ? String(v) : `0x${v.toString(16)}`)).join(', ')},`);
  return out.join('\n');
}


if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const here = dirname(fileURLToPath(import.meta.url));
  const lowerMap = simpleMappings('lower');
  const upperMap = simpleMappings('upper');
  const [lower, upper, fold] = ([['lower', lowerMap], ['upper', upperMap], ['fold', foldOrbitNext(lowerMap, upperMap)]] as const).map(([name, mappings]) => {
    const runs = runsOf(mappings);
    // the runs must give back every mapping, and nothing else, by the lookup the runtimes use
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (mapCodePoint(runs, cp) !== (mappings.get(cp) ?? cp)) throw new Error(`${name} runs map U+${cp.toString(16)} wrongly`);
    }
    return runs;
  }) as [number[], number[], number[]];
  writeFileSync(join(here, 'case-tables.ts'), `// Generated by compiler/unicode/gen-case-tables.ts; do not edit.
// Rego's lower/upper: Unicode ${GO_UNICODE_VERSION} simple case mapping as Go applies it, and the
// folding orbits of (?i): each cased code point to the next of its orbit.
// [start, end, stride, delta] per run, sorted by start (case-runs.ts).
export const LOWER_RUNS: readonly number[] = [
${lines(lower)}
];
export const UPPER_RUNS: readonly number[] = [
${lines(upper)}
];
export const FOLD_RUNS: readonly number[] = [
${lines(fold)}
];
`);
  process.stdout.write(`lower: ${lower.length / 4} runs, upper: ${upper.length / 4} runs, fold: ${fold.length / 4} runs\n`);
}
