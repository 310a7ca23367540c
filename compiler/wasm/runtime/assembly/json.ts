// JSON and Rego-value text: parsing (JSON, plus sets and non-string keys in Rego mode)
// and dumping (JSON with sets as arrays, or Rego syntax). Strings without escapes point
// into the source buffer instead of being copied.
import { alloc } from "./alloc";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, N_INT, N_FLOAT,
  tagOf, lenOf, strPtr, arrGet, objKey, objVal, numInt, numFloat, numRepr,
  opa_null, opa_boolean, opa_number_int, opa_number_ref, opa_string,
  objectWithCap, setWithCap, opa_array_with_cap, opa_array_append, pushRaw, sortUnique,
} from "./value";
import { writeI64, writeF64 } from "./number";
import { wBegin, wRestore, wByte, wBytes, wReserve, wStr, wBuf, wLen } from "./writer";

let pos: usize = 0;
let end: usize = 0;
let rego: bool = false;
let failed: bool = false;

// @ts-ignore: decorator
@inline function peek(): u32 { return pos < end ? <u32>load<u8>(pos) : 0; }

function skipWs(): void {
  while (pos < end) {
    let c = load<u8>(pos);
    if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) pos++; else break;
  }
}

function fail(): usize { failed = true; return 0; }

function hex4(p: usize): i32 {
  let r: i32 = 0;
  for (let i = 0; i < 4; i++) {
    let c = <i32>load<u8>(p + i);
    let d: i32;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if (c >= 0x61 && c <= 0x66) d = c - 0x57;
    else if (c >= 0x41 && c <= 0x46) d = c - 0x37;
    else return -1;
    r = (r << 4) | d;
  }
  return r;
}

// writeUtf8 encodes code point cp at q; returns bytes written.
export function writeUtf8(q: usize, cp: u32): u32 {
  if (cp < 0x80) { store<u8>(q, <u8>cp); return 1; }
  if (cp < 0x800) { store<u8>(q, <u8>(0xc0 | (cp >> 6))); store<u8>(q, <u8>(0x80 | (cp & 0x3f)), 1); return 2; }
  if (cp < 0x10000) {
    store<u8>(q, <u8>(0xe0 | (cp >> 12))); store<u8>(q, <u8>(0x80 | ((cp >> 6) & 0x3f)), 1);
    store<u8>(q, <u8>(0x80 | (cp & 0x3f)), 2); return 3;
  }
  store<u8>(q, <u8>(0xf0 | (cp >> 18))); store<u8>(q, <u8>(0x80 | ((cp >> 12) & 0x3f)), 1);
  store<u8>(q, <u8>(0x80 | ((cp >> 6) & 0x3f)), 2); store<u8>(q, <u8>(0x80 | (cp & 0x3f)), 3);
  return 4;
}

function parseString(): usize {
  pos++; // opening quote
  let start = pos;
  while (pos < end) {
    let c = load<u8>(pos);
    if (c == 0x22) { let v = opa_string(start, <u32>(pos - start)); pos++; return v; }
    if (c == 0x5c) break;
    if (c < 0x20) return fail();
    pos++;
  }
  if (pos >= end) return fail();
  // slow path with escapes: decoded output is never longer than the source
  let scan = pos;
  while (scan < end && load<u8>(scan) != 0x22) { if (load<u8>(scan) == 0x5c) scan++; scan++; }
  let out = alloc(scan - start + 4);
  let n = <u32>(pos - start);
  memory.copy(out, start, n);
  while (pos < end) {
    let c = load<u8>(pos);
    if (c == 0x22) { pos++; return opa_string(out, n); }
    if (c < 0x20) return fail();
    if (c != 0x5c) { store<u8>(out + n, c); n++; pos++; continue; }
    pos++;
    if (pos >= end) return fail();
    let e = load<u8>(pos); pos++;
    let r: u32 = 0;
    switch (e) {
      case 0x22: r = 0x22; break;
      case 0x5c: r = 0x5c; break;
      case 0x2f: r = 0x2f; break;
      case 0x62: r = 0x08; break;
      case 0x66: r = 0x0c; break;
      case 0x6e: r = 0x0a; break;
      case 0x72: r = 0x0d; break;
      case 0x74: r = 0x09; break;
      case 0x75: {
        if (pos + 4 > end) return fail();
        let cp = hex4(pos);
        if (cp < 0) return fail();
        pos += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && pos + 6 <= end && load<u8>(pos) == 0x5c && load<u8>(pos + 1) == 0x75) {
          let lo = hex4(pos + 2);
          if (lo >= 0xdc00 && lo < 0xe000) { cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00); pos += 6; }
        }
        if (cp >= 0xd800 && cp < 0xe000) cp = 0xfffd;
        n += writeUtf8(out + n, <u32>cp);
        continue;
      }
      default: return fail();
    }
    store<u8>(out + n, <u8>r); n++;
  }
  return fail();
}

function parseNumber(): usize {
  let start = pos;
  let neg = false;
  if (peek() == 0x2d) { neg = true; pos++; }
  let digits = pos;
  let acc: u64 = 0;
  while (pos < end) {
    let c = <u32>load<u8>(pos) - 0x30;
    if (c > 9) break;
    acc = acc * 10 + c; pos++;
  }
  let nd = pos - digits;
  if (nd == 0) return fail();
  let c = peek();
  if (c != 0x2e && c != 0x65 && c != 0x45 && nd <= 19) {
    // 19 digits fit u64 without wrapping; keep them as i64 when in range
    if (nd <= 18 || acc <= <u64>i64.MAX_VALUE) return opa_number_int(neg ? -<i64>acc : <i64>acc);
    if (neg && acc == <u64>i64.MAX_VALUE + 1) return opa_number_int(i64.MIN_VALUE);
  }
  if (c == 0x2e) { pos++; let f = pos; while (pos < end && <u32>load<u8>(pos) - 0x30 <= 9) pos++; if (pos == f) return fail(); }
  c = peek();
  if (c == 0x65 || c == 0x45) {
    pos++;
    c = peek();
    if (c == 0x2b || c == 0x2d) pos++;
    let f = pos; while (pos < end && <u32>load<u8>(pos) - 0x30 <= 9) pos++;
    if (pos == f) return fail();
  }
  return opa_number_ref(start, <u32>(pos - start));
}

function lit(p: usize, s: u64, n: u32): bool {
  if (pos + n > end) return false;
  for (let i: u32 = 0; i < n; i++) if (<u64>load<u8>(pos + i) != ((s >> (i * 8)) & 0xff)) return false;
  pos += n;
  return true;
}

function parseValue(depth: i32): usize {
  if (depth > 1000) return fail();
  skipWs();
  let c = peek();
  switch (c) {
    case 0x22: return parseString();
    case 0x7b: return parseObject(depth);
    case 0x5b: {
      pos++;
      let a = opa_array_with_cap(4);
      skipWs();
      if (peek() == 0x5d) { pos++; return a; }
      while (true) {
        let x = parseValue(depth + 1);
        if (!x) return 0;
        opa_array_append(a, x);
        skipWs();
        let d = peek();
        if (d == 0x2c) { pos++; if (rego) { skipWs(); if (peek() == 0x5d) { pos++; return a; } } continue; }
        if (d == 0x5d) { pos++; return a; }
        return fail();
      }
    }
    case 0x74: if (lit(pos, 0x65757274, 4)) return opa_boolean(1); return fail();
    case 0x66: if (lit(pos, 0x65736c6166, 5)) return opa_boolean(0); return fail();
    case 0x6e: if (lit(pos, 0x6c6c756e, 4)) return opa_null(); return fail();
    case 0x73: if (rego && lit(pos, 0x2928746573, 5)) return setWithCap(0); return fail();
  }
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber();
  return fail();
}

function parseObject(depth: i32): usize {
  pos++;
  skipWs();
  let o = objectWithCap(8);
  if (peek() == 0x7d) { pos++; return o; }
  let isSet = false;
  let first = true;
  while (true) {
    skipWs();
    let k = rego ? parseValue(depth + 1) : (peek() == 0x22 ? parseString() : fail());
    if (!k) return 0;
    skipWs();
    if (first) { isSet = rego && peek() != 0x3a; first = false; if (isSet) store<u8>(o, T_SET); }
    let v: usize = 0;
    if (!isSet) {
      if (peek() != 0x3a) return fail();
      pos++;
      v = parseValue(depth + 1);
      if (!v) return 0;
      skipWs();
    }
    pushRaw(o, k, v);
    let d = peek();
    if (d == 0x2c) { pos++; if (rego) { skipWs(); if (peek() == 0x7d) { pos++; break; } } continue; }
    if (d == 0x7d) { pos++; break; }
    return fail();
  }
  sortUnique(o, !isSet);
  return o;
}

export function parse(p: usize, n: u32, regoMode: bool): usize {
  pos = p; end = p + n; rego = regoMode; failed = false;
  let v = parseValue(0);
  if (failed || !v) return 0;
  skipWs();
  if (pos != end) return 0;
  return v;
}

export function opa_json_parse(p: usize, n: u32): usize { return parse(p, n, false); }
export function opa_value_parse(p: usize, n: u32): usize { return parse(p, n, true); }

// ---- dump ----

const HEX = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

let htmlEscape = false;
// setHtmlEscape makes dumps escape <, > and & as \u003c etc. (Go's json.Marshal, used by
// json.marshal).
export function setHtmlEscape(on: bool): void { htmlEscape = on; }

export function dumpString(p: usize, n: u32): void {
  let d = wReserve(n + 2);
  store<u8>(d, 0x22);
  let k: u32 = 1;
  let i: u32 = 0;
  for (; i < n; i++) {
    let c = load<u8>(p + i);
    if (c < 0x20 || c == 0x22 || c == 0x5c || (htmlEscape && (c == 0x3c || c == 0x3e || c == 0x26))) break;
    store<u8>(d + k, c); k++;
  }
  wLen += k;
  for (; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x22) { wByte(0x5c); wByte(0x22); }
    else if (c == 0x5c) { wByte(0x5c); wByte(0x5c); }
    else if (c == 0x0a) { wByte(0x5c); wByte(0x6e); }
    else if (c == 0x0d) { wByte(0x5c); wByte(0x72); }
    else if (c == 0x09) { wByte(0x5c); wByte(0x74); }
    else if (c < 0x20 || (htmlEscape && (c == 0x3c || c == 0x3e || c == 0x26))) {
      wByte(0x5c); wByte(0x75); wByte(0x30); wByte(0x30);
      wByte(load<u8>(HEX + (c >> 4))); wByte(load<u8>(HEX + (c & 15)));
    } else wByte(c);
  }
  wByte(0x22);
}

export function dumpNumber(v: usize): void {
  let r = numRepr(v);
  if (r == N_INT) { let d = wReserve(24); wLen += writeI64(d, numInt(v)); return; }
  if (r == N_FLOAT) { let d = wReserve(40); wLen += writeF64(d, numFloat(v)); return; }
  wBytes(strPtr(v), lenOf(v));
}

// sep writes ',' (JSON) or ', ' (Rego text, as OPA prints values).
function sep(asRego: bool): void { wByte(0x2c); if (asRego) wByte(0x20); }

export function dumpValue(v: usize, asRego: bool): void {
  switch (tagOf(v)) {
    case T_NULL: wStr("null"); return;
    case T_BOOL: wStr(load<u8>(v, 1) ? "true" : "false"); return;
    case T_NUMBER: dumpNumber(v); return;
    case T_STRING: dumpString(strPtr(v), lenOf(v)); return;
    case T_ARRAY: {
      wByte(0x5b);
      let n = lenOf(v);
      for (let i: u32 = 0; i < n; i++) { if (i) sep(asRego); dumpValue(arrGet(v, i), asRego); }
      wByte(0x5d);
      return;
    }
    case T_SET: {
      let n = lenOf(v);
      if (asRego && n == 0) { wStr("set()"); return; }
      wByte(asRego ? 0x7b : 0x5b);
      for (let i: u32 = 0; i < n; i++) { if (i) sep(asRego); dumpValue(arrGet(v, i), asRego); }
      wByte(asRego ? 0x7d : 0x5d);
      return;
    }
    case T_OBJECT: {
      wByte(0x7b);
      let n = lenOf(v);
      for (let i: u32 = 0; i < n; i++) {
        if (i) sep(asRego);
        let k = objKey(v, i);
        if (tagOf(k) == T_STRING || asRego) dumpValue(k, asRego);
        else { let s = toJsonString(k); dumpString(strPtr(s), lenOf(s)); }
        wByte(0x3a);
        if (asRego) wByte(0x20);
        dumpValue(objVal(v, i), asRego);
      }
      wByte(0x7d);
      return;
    }
  }
}

// dumpCString dumps v to a fresh NUL-terminated buffer.
function dumpCString(v: usize, asRego: bool): usize {
  let saved = wBegin(256);
  dumpValue(v, asRego);
  wByte(0);
  let out = wBuf;
  wRestore(saved);
  return out;
}

// toJsonString returns v's JSON text as a string value.
export function toJsonString(v: usize): usize {
  let saved = wBegin(64);
  dumpValue(v, false);
  let s = opa_string(wBuf, wLen);
  wRestore(saved);
  return s;
}

export function leash_value_to_json_string(v: usize): usize { return toJsonString(v); }

export function toRegoString(v: usize): usize {
  let saved = wBegin(64);
  dumpValue(v, true);
  let s = opa_string(wBuf, wLen);
  wRestore(saved);
  return s;
}

export function opa_json_dump(v: usize): usize { return dumpCString(v, false); }
export function opa_value_dump(v: usize): usize { return dumpCString(v, true); }
