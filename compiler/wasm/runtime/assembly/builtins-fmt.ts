// Native sprintf (Go fmt verbs as OPA passes arguments: integers as Go ints, other
// numbers as float64, strings as strings, everything else as its Rego text) and format_int.
import { alloc } from "./alloc";
import {
  T_NUMBER, T_STRING, N_INT, tagOf, lenOf, strPtr, arrGet, numRepr, numInt, opa_string,
} from "./value";
import { typeErr, builtinErr } from "./errors";
import { needStr, needNum, f64Val, intVal } from "./helpers";
import { refIsInteger } from "./number";
import { dumpValue, dumpString, dumpNumber } from "./json";
import { writeF64 } from "./number";
import { wBegin, wRestore, wByte, wBytes, wStr, wInt, wBuf, wLen } from "./writer";
import { dtoa_buffered } from "util/number";

// argument kinds after OPA's conversion
const K_INT: u32 = 1, K_BIGINT: u32 = 2, K_FLOAT: u32 = 3, K_STR: u32 = 4;

function kindOf(v: usize): u32 {
  if (tagOf(v) == T_NUMBER) {
    if (numRepr(v) == N_INT) return K_INT;
    if (numRepr(v) == 2 && refIsInteger(strPtr(v), lenOf(v))) return K_BIGINT;
    return K_FLOAT;
  }
  return K_STR;
}

function typeLabel(k: u32): string {
  if (k == K_INT) return "int";
  if (k == K_BIGINT) return "*big.Int";
  if (k == K_FLOAT) return "float64";
  return "string";
}

// writeArgText writes the argument's plain text (%v of a string is its raw bytes).
function writeArgText(v: usize): void {
  if (tagOf(v) == T_STRING) wBytes(strPtr(v), lenOf(v));
  else if (tagOf(v) == T_NUMBER) dumpNumber(v);
  else dumpValue(v, true);
}

let fMinus = false, fPlus = false, fZero = false, fSharp = false, fSpace = false;
let width: i32 = -1, prec: i32 = -1;

// pad writes the text produced in [start, wLen) padded to `width`.
function padFrom(start: u32, numeric: bool): void {
  let n = <i32>(wLen - start);
  if (width <= n) return;
  let fill = width - n;
  if (fMinus) { for (let i = 0; i < fill; i++) wByte(0x20); return; }
  let d = alloc(<usize>n);
  memory.copy(d, wBuf + start, n);
  wLen = start;
  let zero = fZero && numeric;
  let k: i32 = 0;
  if (zero && n > 0 && (load<u8>(d) == 0x2d || load<u8>(d) == 0x2b)) { wByte(load<u8>(d)); k = 1; }
  for (let i = 0; i < fill; i++) wByte(zero ? 0x30 : 0x20);
  wBytes(d + k, n - k);
}

function writeIntBase(x: i64, base: u32, upper: bool): void {
  let neg = x < 0;
  let u: u64 = neg ? <u64>(-x) : <u64>x;
  if (neg) wByte(0x2d); else if (fPlus) wByte(0x2b);
  let tmp = alloc(70), k = 0;
  do {
    let d = <u32>(u % base);
    store<u8>(tmp + k, <u8>(d < 10 ? 0x30 + d : (upper ? 0x41 : 0x61) + d - 10));
    u /= base; k++;
  } while (u);
  while (k > 0) { k--; wByte(load<u8>(tmp + k)); }
}

// writeFixed writes |x| with `p` decimals (p <= 17) when representable, else shortest.
function writeFixed(x: f64, p: i32): void {
  if (x < 0 || (x == 0 && 1 / x < 0)) { wByte(0x2d); x = -x; } else if (fPlus) wByte(0x2b);
  if (!isFinite(x)) { wStr(isNaN(x) ? "NaN" : "Inf"); return; }
  let scale = Math.pow(10, <f64>p);
  if (x * scale >= 9.0e18) { let d = alloc(40); let n = writeF64(d, x); wBytes(d, n); return; }
  let r = <u64>Math.round(x * scale);
  writeScaled(r, <u64>scale, p);
}

// writeScaled: r / scale with exactly p fraction digits (scale = 10^p), as "ip.fff".
function writeScaled(r: u64, scale: u64, p: i32): void {
  let ip = r / scale, fp = r % scale;
  wInt(<i64>ip);
  if (p > 0) {
    wByte(0x2e);
    let digits = alloc(20);
    for (let i = p - 1; i >= 0; i--) { store<u8>(digits + i, <u8>(0x30 + <u32>(fp % 10))); fp /= 10; }
    wBytes(digits, p);
  }
}

// shortest decimal digits of x > 0: fills sd (ASCII digits), returns count; sdExp = decimal
// point position (value = 0.d1d2... * 10^sdExp).
let sdExp: i32 = 0;
function shortestDigits(x: f64, sd: usize): i32 {
  let buf = alloc(64);
  let n = <i32>dtoa_buffered(buf, x);
  let k: i32 = 0, dp: i32 = -1000, exp: i32 = 0, i: i32 = 0;
  let seenNonZero = false;
  let intDigits: i32 = 0;
  let afterPoint = false;
  let leadingZerosAfterPoint: i32 = 0;
  for (; i < n; i++) {
    let c = <u32>load<u16>(buf + (<usize>i << 1));
    if (c == 0x2e) { afterPoint = true; continue; }
    if (c == 0x65) break;
    if (c < 0x30 || c > 0x39) continue;
    if (!seenNonZero && c == 0x30) { if (afterPoint) leadingZerosAfterPoint++; continue; }
    seenNonZero = true;
    store<u8>(sd + k, <u8>c); k++;
    if (!afterPoint) intDigits++;
  }
  if (i < n) {
    i++;
    let sign: i32 = 1;
    let c = <u32>load<u16>(buf + (<usize>i << 1));
    if (c == 0x2d) { sign = -1; i++; } else if (c == 0x2b) i++;
    for (; i < n; i++) exp = exp * 10 + <i32>(<u32>load<u16>(buf + (<usize>i << 1)) - 0x30);
    exp *= sign;
  }
  dp = intDigits > 0 ? intDigits : -leadingZerosAfterPoint;
  while (k > 1 && load<u8>(sd + k - 1) == 0x30) k--;
  sdExp = dp + exp;
  return k;
}

function writeExp(e: i32, upper: bool = false): void {
  wByte(upper ? 0x45 : 0x65);
  if (e < 0) { wByte(0x2d); e = -e; } else wByte(0x2b);
  if (e < 10) wByte(0x30);
  wInt(e);
}

// writeG: Go's %v/%g for float64 (shortest digits; exponent form when exp < -4 || exp >= 21).
function writeG(x: f64): void {
  if (x == 0) { wByte(0x30); return; }
  if (x < 0) { wByte(0x2d); x = -x; } else if (fPlus) wByte(0x2b);
  if (!isFinite(x)) { wStr("Inf"); return; }
  let sd = alloc(32);
  let nd = shortestDigits(x, sd);
  let exp = sdExp - 1;
  if (exp < -4 || exp >= 21) {
    wByte(load<u8>(sd));
    if (nd > 1) { wByte(0x2e); wBytes(sd + 1, nd - 1); }
    writeExp(exp);
    return;
  }
  if (sdExp <= 0) {
    wByte(0x30); wByte(0x2e);
    for (let i = 0; i < -sdExp; i++) wByte(0x30);
    wBytes(sd, nd);
    return;
  }
  for (let i = 0; i < sdExp; i++) wByte(i < nd ? load<u8>(sd + i) : 0x30);
  if (nd > sdExp) { wByte(0x2e); wBytes(sd + sdExp, nd - sdExp); }
}

function writeE(x: f64, p: i32, upper: bool): void {
  if (x < 0) { wByte(0x2d); x = -x; } else if (fPlus) wByte(0x2b);
  let e: i32 = x == 0 ? 0 : <i32>Math.floor(Math.log10(x));
  let m = x == 0 ? 0 : x / Math.pow(10, <f64>e);
  let scale = Math.pow(10, <f64>p);
  let r = Math.round(m * scale);
  if (r >= 10 * scale) { e++; r = Math.round(x / Math.pow(10, <f64>e) * scale); }
  writeScaled(<u64>r, <u64>scale, p);
  writeExp(e, upper);
}

function badVerb(verb: u32, k: u32, v: usize): void {
  wByte(0x25); wByte(0x21); wByte(verb); wByte(0x28); wStr(typeLabel(k)); wByte(0x3d);
  writeArgText(v); wByte(0x29);
}

function formatOne(verb: u32, v: usize): void {
  let k = kindOf(v);
  let start = wLen;
  let numeric = k != K_STR;
  switch (verb) {
    case 0x76: // v
      if (k == K_FLOAT) writeG(f64Val(v));
      else if (k == K_INT) writeIntBase(numInt(v), 10, false);
      else writeArgText(v);
      break;
    case 0x73: // s
      if (k == K_STR || k == K_BIGINT) { writeArgText(v); numeric = false; }
      else badVerb(verb, k, v);
      break;
    case 0x64: // d
      if (k == K_INT) writeIntBase(numInt(v), 10, false);
      else if (k == K_BIGINT) { if (fPlus && load<u8>(strPtr(v)) != 0x2d) wByte(0x2b); writeArgText(v); }
      else badVerb(verb, k, v);
      break;
    case 0x78: case 0x58: case 0x6f: case 0x62: { // x X o b
      let base: u32 = verb == 0x6f ? 8 : (verb == 0x62 ? 2 : 16);
      if (k == K_INT) writeIntBase(numInt(v), base, verb == 0x58);
      else if (k == K_STR && base == 16) {
        let s = tagOf(v) == T_STRING ? v : 0;
        if (s) for (let i: u32 = 0; i < lenOf(s); i++) {
          let b = <u32>load<u8>(strPtr(s) + i);
          let hi = b >> 4, lo = b & 15;
          let a: u32 = verb == 0x58 ? 0x41 : 0x61;
          wByte(hi < 10 ? 0x30 + hi : a + hi - 10); wByte(lo < 10 ? 0x30 + lo : a + lo - 10);
        } else badVerb(verb, k, v);
      } else badVerb(verb, k, v);
      break;
    }
    case 0x66: case 0x46: // f F
      if (k == K_FLOAT) writeFixed(f64Val(v), prec < 0 ? 6 : prec);
      else badVerb(verb, k, v);
      break;
    case 0x65: case 0x45: // e E
      if (k == K_FLOAT) writeE(f64Val(v), prec < 0 ? 6 : prec, verb == 0x45);
      else badVerb(verb, k, v);
      break;
    case 0x67: case 0x47: // g G
      if (k == K_FLOAT) writeG(f64Val(v));
      else badVerb(verb, k, v);
      break;
    case 0x71: // q
      if (k == K_STR) {
        if (tagOf(v) == T_STRING) dumpString(strPtr(v), lenOf(v));
        else { let saved = wLen; writeArgText(v); let n = wLen - saved; let t = alloc(n); memory.copy(t, wBuf + saved, n); wLen = saved; dumpString(t, n); }
      } else badVerb(verb, k, v);
      break;
    case 0x74: // t: OPA passes booleans as strings
      badVerb(verb, k, v);
      break;
    default:
      badVerb(verb, k, v);
  }
  if (k == K_STR && prec >= 0 && (verb == 0x73 || verb == 0x76)) {
    // precision truncates strings to prec runes
    let p = wBuf + start, n = wLen - start, runes = 0, i: u32 = 0;
    while (i < n && runes < prec) { i++; while (i < n && (load<u8>(p + i) & 0xc0) == 0x80) i++; runes++; }
    wLen = start + i;
  }
  if (width >= 0) padFrom(start, numeric);
}

export function builtin_sprintf(f: usize, args: usize): usize {
  if (!needStr("sprintf", 1, f)) return 0;
  if (tagOf(args) != 5) return typeErr("sprintf", 2, "array", args);
  let p = strPtr(f), n = lenOf(f);
  let saved = wBegin(n + 32);
  let ai: u32 = 0;
  let i: u32 = 0;
  while (i < n) {
    let c = <u32>load<u8>(p + i);
    if (c != 0x25) { wByte(c); i++; continue; }
    i++;
    if (i >= n) { wStr("%!(NOVERB)"); break; }
    fMinus = false; fPlus = false; fZero = false; fSharp = false; fSpace = false; width = -1; prec = -1;
    while (i < n) {
      let g = load<u8>(p + i);
      if (g == 0x2d) fMinus = true; else if (g == 0x2b) fPlus = true; else if (g == 0x30) fZero = true;
      else if (g == 0x23) fSharp = true; else if (g == 0x20) fSpace = true; else break;
      i++;
    }
    while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) { width = (width < 0 ? 0 : width) * 10 + <i32>(load<u8>(p + i) - 0x30); i++; }
    if (i < n && load<u8>(p + i) == 0x2e) {
      i++; prec = 0;
      while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) { prec = prec * 10 + <i32>(load<u8>(p + i) - 0x30); i++; }
    }
    if (i >= n) { wStr("%!(NOVERB)"); break; }
    let verb = <u32>load<u8>(p + i); i++;
    if (verb == 0x25) { wByte(0x25); continue; }
    if (ai >= lenOf(args)) { wByte(0x25); wByte(0x21); wByte(verb); wStr("(MISSING)"); continue; }
    formatOne(verb, arrGet(args, ai));
    ai++;
  }
  if (ai < lenOf(args)) {
    wStr("%!(EXTRA ");
    for (let j = ai; j < lenOf(args); j++) {
      if (j > ai) wStr(", ");
      let v = arrGet(args, j);
      wStr(typeLabel(kindOf(v))); wByte(0x3d); writeArgText(v);
    }
    wByte(0x29);
  }
  let r = opa_string(wBuf, wLen);
  wRestore(saved);
  return r;
}

export function builtin_format_int(x: usize, b: usize): usize {
  if (!needNum("format_int", 1, x) || !needNum("format_int", 2, b)) return 0;
  let base = intVal(b);
  if (base != 2 && base != 8 && base != 10 && base != 16) return builtinErr("format_int", "operand 2 must be one of {2, 8, 10, 16}");
  let f = f64Val(x);
  let i: i64 = numRepr(x) == N_INT ? numInt(x) : <i64>Math.floor(f);
  let saved = wBegin(72);
  fPlus = false;
  writeIntBase(i, <u32>base, false);
  let r = opa_string(wBuf, wLen);
  wRestore(saved);
  return r;
}

