// Numbers: int (i64), float (f64) and ref (exact JSON literal text) representations,
// conversion between them, OPA's numeric comparison, and decimal formatting.
import { alloc } from "./alloc";
import { strtod } from "util/string";
import { dtoa_buffered } from "util/number";
import { toDec, compareDec } from "./decimal";

// Layout constants duplicated from value.ts to avoid an import cycle.
const N_INT: u32 = 0;
const N_FLOAT: u32 = 1;

// refIsInteger: the literal has no '.', 'e' or 'E'.
export function refIsInteger(p: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c == 0x2e || c == 0x65 || c == 0x45) return false;
  }
  return true;
}

// parseDecimal converts ASCII number text to f64 through AssemblyScript's strtod, which
// reads a UTF-16 string: build one in scratch heap memory with the length header.
export function parseDecimal(p: usize, n: u32): f64 {
  let buf = alloc(4 + (<usize>n << 1));
  store<u32>(buf, n << 1);
  let s = buf + 4;
  for (let i: u32 = 0; i < n; i++) store<u16>(s + (<usize>i << 1), load<u8>(p + i));
  return strtod(changetype<string>(s));
}

export function toF64(v: usize): f64 {
  let r = load<u8>(v, 1);
  if (r == N_INT) return <f64>load<i64>(v, 8);
  if (r == N_FLOAT) return load<f64>(v, 8);
  return parseDecimal(<usize>load<u32>(v, 8), load<u32>(v, 4));
}

// toInt reports whether v is an integral number fitting i64 and stores it in intOut.
export let intOut: i64 = 0;
export function toInt(v: usize): bool {
  let r = load<u8>(v, 1);
  if (r == N_INT) { intOut = load<i64>(v, 8); return true; }
  let f = toF64(v);
  if (f != Math.floor(f) || Math.abs(f) > 9.2e18) return false;
  intOut = <i64>f;
  return true;
}

// compareBigInts compares two integer literals exactly (sign, digit count, digits).
function compareIntText(pa: usize, na: u32, pb: usize, nb: u32): i32 {
  let nega = na > 0 && load<u8>(pa) == 0x2d, negb = nb > 0 && load<u8>(pb) == 0x2d;
  if (nega != negb) return nega ? -1 : 1;
  if (nega) { pa++; na--; pb++; nb--; }
  while (na > 1 && load<u8>(pa) == 0x30) { pa++; na--; }
  while (nb > 1 && load<u8>(pb) == 0x30) { pb++; nb--; }
  let c: i32 = 0;
  if (na != nb) c = na < nb ? -1 : 1;
  else {
    for (let i: u32 = 0; i < na; i++) {
      let x = load<u8>(pa + i), y = load<u8>(pb + i);
      if (x != y) { c = x < y ? -1 : 1; break; }
    }
  }
  return nega ? -c : c;
}

export function compareNumbers(a: usize, b: usize): i32 {
  let ra = load<u8>(a, 1), rb = load<u8>(b, 1);
  if (ra == N_INT && rb == N_INT) {
    let x = load<i64>(a, 8), y = load<i64>(b, 8);
    return x == y ? 0 : (x < y ? -1 : 1);
  }
  if (ra == 2 || rb == 2) {
    // a decimal or big literal on either side: compare exactly
    let c = compareDec(toDec(a), toDec(b));
    if (c != 2) return c;
  }
  let x = toF64(a), y = toF64(b);
  if (x == y) return 0;
  return x < y ? -1 : 1;
}

// ---- formatting ----

const SCRATCH = memory.data(64, 8);

// writeI64 writes the decimal digits of i at p; returns the byte count.
export function writeI64(p: usize, i: i64): u32 {
  let neg = i < 0;
  let u: u64 = neg ? <u64>(-i) : <u64>i;
  let tmp = SCRATCH + 40;
  let k: u32 = 0;
  do { store<u8>(tmp + k, <u8>(0x30 + <u32>(u % 10))); u /= 10; k++; } while (u);
  let n: u32 = 0;
  if (neg) { store<u8>(p, 0x2d); n = 1; }
  while (k) { k--; store<u8>(p + n, load<u8>(tmp + k)); n++; }
  return n;
}

// writeF64 writes the shortest round-trip decimal of f (JSON-compatible) at p (<= 32 bytes).
export function writeF64(p: usize, f: f64): u32 {
  if (f == Math.floor(f) && Math.abs(f) < 9.0e15) return writeI64(p, <i64>f);
  if (!isFinite(f)) { store<u8>(p, 0x30); return 1; }
  let n = dtoa_buffered(SCRATCH, f);
  for (let i: u32 = 0; i < n; i++) store<u8>(p + i, <u8>load<u16>(SCRATCH + (<usize>i << 1)));
  return n;
}

// numberText returns a string-like header {len at +4, ptr at +8} with the number's text.
export function numberText(v: usize): usize {
  let r = load<u8>(v, 1);
  if (r == 2) return v;
  let out = alloc(16 + 32);
  let n = r == N_INT ? writeI64(out + 16, load<i64>(v, 8)) : writeF64(out + 16, load<f64>(v, 8));
  store<u8>(out, 4); store<u32>(out, n, 4); store<u32>(out, <u32>(out + 16), 8);
  return out;
}
