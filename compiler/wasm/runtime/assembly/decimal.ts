// Exact decimal arithmetic for numbers beyond i64 or written as decimals: a number is
// sign × digits × 10^exp. Used by comparison (so 1e400 > 1e399 and 0.1 < 0.10000000000001
// hold exactly) and by plus/minus/mul/sum/product (so 1e30 + 1 and 2^64 + 1 stay exact).
import { alloc } from "./alloc";
import { writeI64, writeF64 } from "./number";

const N_INT: u32 = 0;
const N_FLOAT: u32 = 1;
const MAX_DIGITS: i32 = 2000;

// A decimal lives in 16 bytes: +0 neg u32, +4 digits ptr, +8 count u32, +12 exp i32.
// @ts-ignore: decorator
@inline function dNeg(d: usize): bool { return load<u32>(d) != 0; }
// @ts-ignore: decorator
@inline function dPtr(d: usize): usize { return <usize>load<u32>(d, 4); }
// @ts-ignore: decorator
@inline function dN(d: usize): i32 { return load<i32>(d, 8); }
// @ts-ignore: decorator
@inline function dExp(d: usize): i32 { return load<i32>(d, 12); }

function makeDec(neg: bool, p: usize, n: i32, exp: i32): usize {
  // normalise: strip leading and trailing zeros
  while (n > 0 && load<u8>(p) == 0x30) { p++; n--; }
  while (n > 0 && load<u8>(p + n - 1) == 0x30) { n--; exp++; }
  let d = alloc(16);
  store<u32>(d, neg && n > 0 ? 1 : 0); store<u32>(d, <u32>p, 4); store<i32>(d, n, 8); store<i32>(d, n == 0 ? 0 : exp, 12);
  return d;
}

// parseDec reads a JSON-style number literal; 0 when malformed or the exponent is absurd.
function parseDec(p: usize, n: u32): usize {
  let i: u32 = 0;
  let neg = false;
  if (i < n && (load<u8>(p) == 0x2d || load<u8>(p) == 0x2b)) { neg = load<u8>(p) == 0x2d; i++; }
  let buf = alloc(n);
  let k: i32 = 0, exp: i32 = 0;
  let afterPoint = false;
  for (; i < n; i++) {
    let c = load<u8>(p + i);
    if (c == 0x2e) { afterPoint = true; continue; }
    if (c == 0x65 || c == 0x45) break;
    if (<u32>c - 0x30 > 9) return 0;
    store<u8>(buf + k, c); k++;
    if (afterPoint) exp--;
  }
  if (i < n) {
    i++;
    let sign: i32 = 1;
    if (i < n && (load<u8>(p + i) == 0x2d || load<u8>(p + i) == 0x2b)) { if (load<u8>(p + i) == 0x2d) sign = -1; i++; }
    let e: i32 = 0;
    for (; i < n; i++) {
      let c = <u32>load<u8>(p + i) - 0x30;
      if (c > 9) return 0;
      if (e < 100000000) e = e * 10 + <i32>c;
    }
    exp += sign * e;
  }
  return makeDec(neg, buf, k, exp);
}

// toDec converts any number value to a decimal (floats through their shortest text).
export function toDec(v: usize): usize {
  let r = load<u8>(v, 1);
  if (r == N_INT) {
    let x = load<i64>(v, 8);
    let buf = alloc(24);
    let n = writeI64(buf, x);
    return parseDec(buf, n);
  }
  if (r == N_FLOAT) {
    let buf = alloc(40);
    let n = writeF64(buf, load<f64>(v, 8));
    return parseDec(buf, n);
  }
  return parseDec(<usize>load<u32>(v, 8), load<u32>(v, 4));
}

function cmpMag(a: usize, b: usize): i32 {
  let na = dN(a), nb = dN(b);
  if (na == 0 || nb == 0) return na == nb ? 0 : (na == 0 ? -1 : 1);
  let ma = na + dExp(a), mb = nb + dExp(b);
  if (ma != mb) return ma < mb ? -1 : 1;
  let m = na < nb ? na : nb;
  for (let i = 0; i < m; i++) {
    let x = load<u8>(dPtr(a) + i), y = load<u8>(dPtr(b) + i);
    if (x != y) return x < y ? -1 : 1;
  }
  return na == nb ? 0 : (na < nb ? -1 : 1);
}

export function compareDec(a: usize, b: usize): i32 {
  if (a == 0 || b == 0) return 2; // unknown
  let sa = dNeg(a), sb = dNeg(b);
  if (sa != sb) return sa ? -1 : 1;
  let c = cmpMag(a, b);
  return sa ? -c : c;
}

// aligned writes d's digits scaled to exponent e (e <= dExp(d)) into a little-endian digit
// array of `len` entries (values 0..9).
function aligned(d: usize, e: i32, len: i32): usize {
  let out = alloc(<usize>len);
  memory.fill(out, 0, <usize>len);
  let shift = dExp(d) - e;
  let n = dN(d);
  for (let i = 0; i < n; i++) store<u8>(out + shift + (n - 1 - i), load<u8>(dPtr(d) + i) - 0x30);
  return out;
}

// addDec returns a + b (or a - b when negateB), 0 when the operands are too far apart.
export function addDec(a: usize, b: usize, negateB: bool): usize {
  let nb = dNeg(b) != negateB && dN(b) > 0;
  if (dN(a) == 0) return makeDec(nb, dPtr(b), dN(b), dExp(b));
  if (dN(b) == 0) return a;
  let e = dExp(a) < dExp(b) ? dExp(a) : dExp(b);
  let la = dN(a) + dExp(a) - e, lb = dN(b) + dExp(b) - e;
  let len = (la > lb ? la : lb) + 1;
  if (len > MAX_DIGITS) return 0;
  let x = aligned(a, e, len), y = aligned(b, e, len);
  let out = alloc(<usize>len);
  let neg: bool;
  if (dNeg(a) == nb) {
    let carry: i32 = 0;
    for (let i = 0; i < len; i++) {
      let s = <i32>load<u8>(x + i) + <i32>load<u8>(y + i) + carry;
      carry = s >= 10 ? 1 : 0;
      store<u8>(out + i, <u8>(s - carry * 10));
    }
    neg = dNeg(a);
  } else {
    // subtract the smaller magnitude from the larger
    let c = cmpMag(a, b);
    if (c == 0) return makeDec(false, out, 0, 0);
    let big = c > 0 ? x : y, small = c > 0 ? y : x;
    neg = c > 0 ? dNeg(a) : nb;
    let borrow: i32 = 0;
    for (let i = 0; i < len; i++) {
      let s = <i32>load<u8>(big + i) - <i32>load<u8>(small + i) - borrow;
      borrow = s < 0 ? 1 : 0;
      store<u8>(out + i, <u8>(s + borrow * 10));
    }
  }
  // back to most-significant-first ASCII
  let txt = alloc(<usize>len);
  for (let i = 0; i < len; i++) store<u8>(txt + i, load<u8>(out + len - 1 - i) + 0x30);
  return makeDec(neg, txt, len, e);
}

export function mulDec(a: usize, b: usize): usize {
  let na = dN(a), nb = dN(b);
  if (na == 0 || nb == 0) return makeDec(false, 0, 0, 0);
  let len = na + nb;
  if (len > MAX_DIGITS) return 0;
  let acc = alloc(<usize>len * 4);
  memory.fill(acc, 0, <usize>len * 4);
  for (let i = 0; i < na; i++) {
    let x = <u32>load<u8>(dPtr(a) + na - 1 - i) - 0x30;
    if (x == 0) continue;
    for (let j = 0; j < nb; j++) {
      let y = <u32>load<u8>(dPtr(b) + nb - 1 - j) - 0x30;
      let at = acc + (<usize>(i + j) << 2);
      store<u32>(at, load<u32>(at) + x * y);
    }
  }
  let txt = alloc(<usize>len);
  let carry: u32 = 0;
  for (let i = 0; i < len; i++) {
    let s = load<u32>(acc + (<usize>i << 2)) + carry;
    carry = s / 10;
    store<u8>(txt + len - 1 - i, <u8>(0x30 + s % 10));
  }
  return makeDec(dNeg(a) != dNeg(b), txt, len, dExp(a) + dExp(b));
}

// decToValue: an i64 int when it fits, otherwise the exact decimal text as a number ref.
// Returns 0 when the text would be unreasonably long (callers fall back to f64).
import { opa_number_int, opa_number_ref } from "./value";
export function decToValue(d: usize): usize {
  let n = dN(d), e = dExp(d), neg = dNeg(d);
  if (n == 0) return opa_number_int(0);
  if (e >= 0 && n + e <= 18) {
    let x: i64 = 0;
    for (let i = 0; i < n; i++) x = x * 10 + <i64>(load<u8>(dPtr(d) + i) - 0x30);
    for (let i = 0; i < e; i++) x *= 10;
    return opa_number_int(neg ? -x : x);
  }
  let width = e >= 0 ? n + e : (-e >= n ? 2 - e : n + 1);
  if (width > MAX_DIGITS) return 0;
  let out = alloc(<usize>width + 1), k = 0;
  if (neg) { store<u8>(out, 0x2d); k = 1; }
  if (e >= 0) {
    memory.copy(out + k, dPtr(d), n); k += n;
    for (let i = 0; i < e; i++) { store<u8>(out + k, 0x30); k++; }
  } else if (-e >= n) {
    store<u8>(out + k, 0x30); store<u8>(out + k + 1, 0x2e); k += 2;
    for (let i = 0; i < -e - n; i++) { store<u8>(out + k, 0x30); k++; }
    memory.copy(out + k, dPtr(d), n); k += n;
  } else {
    let ip = n + e;
    memory.copy(out + k, dPtr(d), ip); k += ip;
    store<u8>(out + k, 0x2e); k++;
    memory.copy(out + k, dPtr(d) + ip, n - ip); k += n - ip;
  }
  return opa_number_ref(out, k);
}
