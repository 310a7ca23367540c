// Native builtins: type tests (is_*), type_name, to_number, and the encodings
// (base64, base64url, hex, urlquery, json.marshal/unmarshal/is_valid).
import { alloc } from "./alloc";
import {
  T_NULL, T_BOOL, T_NUMBER, T_STRING, T_ARRAY, T_OBJECT, T_SET, tagOf, lenOf, strPtr, arrGet,
  objKey, objVal, opa_boolean, opa_string, opa_object, opa_array_with_cap, opa_array_append,
  opa_object_insert, objectGet, opa_number_int, opa_number_ref,
} from "./value";
import { typeErr, typeName, builtinErr, builtinErrS } from "./errors";
import { needStr, needObj, isStr, sv, intResult } from "./helpers";
import { parse, dumpValue, setHtmlEscape } from "./json";
import { wBegin, wRestore, wBuf, wLen, wByte } from "./writer";
import { b64encode, b64decode, b64ErrAt } from "./base64";

export function builtin_is_number(x: usize): usize { return opa_boolean(tagOf(x) == T_NUMBER ? 1 : 0); }
export function builtin_is_string(x: usize): usize { return opa_boolean(tagOf(x) == T_STRING ? 1 : 0); }
export function builtin_is_boolean(x: usize): usize { return opa_boolean(tagOf(x) == T_BOOL ? 1 : 0); }
export function builtin_is_array(x: usize): usize { return opa_boolean(tagOf(x) == T_ARRAY ? 1 : 0); }
export function builtin_is_set(x: usize): usize { return opa_boolean(tagOf(x) == T_SET ? 1 : 0); }
export function builtin_is_object(x: usize): usize { return opa_boolean(tagOf(x) == T_OBJECT ? 1 : 0); }
export function builtin_is_null(x: usize): usize { return opa_boolean(tagOf(x) == T_NULL ? 1 : 0); }
export function builtin_type_name(x: usize): usize { return sv(typeName(x)); }

// validNumberText accepts Go's ParseFloat decimal syntax (sign, digits, '.', exponent).
function validNumberText(p: usize, n: u32): bool {
  let i: u32 = 0;
  if (i < n && (load<u8>(p) == 0x2d || load<u8>(p) == 0x2b)) i++;
  let digits: u32 = 0;
  while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) { i++; digits++; }
  if (i < n && load<u8>(p + i) == 0x2e) { i++; while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) { i++; digits++; } }
  if (digits == 0) return false;
  if (i < n && (load<u8>(p + i) == 0x65 || load<u8>(p + i) == 0x45)) {
    i++;
    if (i < n && (load<u8>(p + i) == 0x2d || load<u8>(p + i) == 0x2b)) i++;
    let e: u32 = 0;
    while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) { i++; e++; }
    if (e == 0) return false;
  }
  return i == n;
}

// isNanOrInf: the spellings Go's ParseFloat accepts for NaN and infinities, which OPA
// rejects as a type error.
function isNanOrInf(p: usize, n: u32): bool {
  let i: u32 = 0;
  if (n > 0 && (load<u8>(p) == 0x2b || load<u8>(p) == 0x2d)) i = 1;
  let m = n - i;
  if (m != 3 && m != 8) return false;
  let word = m == 3 ? (load<u8>(p + i) | 0x20) == 0x6e ? "nan" : "inf" : "infinity";
  for (let j: u32 = 0; j < m; j++) if (<u32>(load<u8>(p + i + j) | 0x20) != <u32>word.charCodeAt(j)) return false;
  return true;
}

// The largest float64 is 1.7976931348623157e308; text at or above the halfway point to
// the next power (these digits, times 10^309 scale) rounds to infinity, which Go's
// ParseFloat reports as out of range and OPA's to_number then leaves undefined.
const F64_OVERFLOW_DIGITS = "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792";

let canonLen: u32 = 0;

// canonicalNumberText rewrites text that validNumberText accepted into JSON number
// syntax ("+7" → "7", ".5" → "0.5", "5." → "5", "-.5e3" → "-0.5e3") so the value always
// dumps as valid JSON; returns 0 when it overflows float64. Length in `canonLen`.
function canonicalNumberText(p: usize, n: u32): usize {
  let out = alloc(<usize>n + 2), k: u32 = 0, i: u32 = 0;
  if (load<u8>(p) == 0x2b) i++;
  else if (load<u8>(p) == 0x2d) { store<u8>(out, 0x2d); k++; i++; }
  let intStart = i;
  while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) i++;
  let intEnd = i;
  if (intEnd == intStart) { store<u8>(out + k, 0x30); k++; }
  for (let j = intStart; j < intEnd; j++) { store<u8>(out + k, load<u8>(p + j)); k++; }
  let fracStart = i, fracEnd = i;
  if (i < n && load<u8>(p + i) == 0x2e) {
    i++; fracStart = i;
    while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) i++;
    fracEnd = i;
    if (fracEnd > fracStart) {
      store<u8>(out + k, 0x2e); k++;
      for (let j = fracStart; j < fracEnd; j++) { store<u8>(out + k, load<u8>(p + j)); k++; }
    }
  }
  // the exponent as written, saturated (only its size against ±400 matters below)
  let exp: i64 = 0;
  if (i < n) {
    store<u8>(out + k, 0x65); k++; i++;
    let negExp = false;
    if (load<u8>(p + i) == 0x2d || load<u8>(p + i) == 0x2b) { negExp = load<u8>(p + i) == 0x2d; store<u8>(out + k, load<u8>(p + i)); k++; i++; }
    while (i < n) {
      let d = load<u8>(p + i);
      store<u8>(out + k, d); k++; i++;
      if (exp < 100000) exp = exp * 10 + <i64>(d - 0x30);
    }
    if (negExp) exp = -exp;
  }
  canonLen = k;
  // The significant digits (integer then fraction, leading zeros dropped) and the decimal
  // exponent of the first one: value = 0.d1d2... × 10^e10.
  let digits = alloc(<usize>n), nd: u32 = 0, lead: i64 = 0;
  for (let j = intStart; j < intEnd; j++) {
    let d = load<u8>(p + j);
    if (nd == 0 && d == 0x30) { lead++; continue; }
    store<u8>(digits + nd, d); nd++;
  }
  let intDigits = <i64>(intEnd - intStart);
  for (let j = fracStart; j < fracEnd; j++) {
    let d = load<u8>(p + j);
    if (nd == 0 && d == 0x30) { lead++; continue; }
    store<u8>(digits + nd, d); nd++;
  }
  if (nd == 0) return out; // zero
  let e10 = intDigits - lead + exp;
  if (e10 < 309) return out;
  if (e10 > 309) return 0;
  // e10 == 309: at or above the halfway point to 2^1024 rounds to infinity
  let m = <u32>F64_OVERFLOW_DIGITS.length;
  for (let j: u32 = 0; j < nd; j++) {
    if (j >= m) return 0;
    let d = <i32>load<u8>(digits + j), td = F64_OVERFLOW_DIGITS.charCodeAt(j);
    if (d < td) return out;
    if (d > td) return 0;
  }
  return nd >= m ? 0 : out;
}

export function builtin_to_number(x: usize): usize {
  switch (tagOf(x)) {
    case T_NULL: return opa_number_int(0);
    case T_BOOL: return opa_number_int(load<u8>(x, 1));
    case T_NUMBER: return x;
    case T_STRING: {
      let p = strPtr(x), n = lenOf(x);
      if (isNanOrInf(p, n)) return typeErr("to_number", 1, "a finite number string (not NaN or Inf)", x);
      if (!validNumberText(p, n)) return builtinErrS("", "strconv.ParseFloat: parsing \"", x, "\": invalid syntax");
      let c = canonicalNumberText(p, n);
      if (c == 0) return builtinErrS("", "strconv.ParseFloat: parsing \"", x, "\": value out of range");
      let v = parse(c, canonLen, false);
      return v ? v : opa_number_ref(c, canonLen);
    }
  }
  return typeErr("to_number", 1, "one of {null, boolean, number, string}", x);
}

// ---- base64 ----

export function builtin_base64_encode(s: usize): usize { return needStr("base64.encode", 1, s) ? b64encode(s, false, true) : 0; }
export function builtin_base64url_encode(s: usize): usize { return needStr("base64url.encode", 1, s) ? b64encode(s, true, true) : 0; }
export function builtin_base64url_encode_no_pad(s: usize): usize { return needStr("base64url.encode_no_pad", 1, s) ? b64encode(s, true, false) : 0; }

function decodeErr(name: string): usize {
  let saved = wBegin(16);
  let d = wBuf;
  let n = b64ErrAt;
  // decimal digits of the offset
  let tmp = alloc(12), k = 0;
  do { store<u8>(tmp + k, <u8>(0x30 + n % 10)); n /= 10; k++; } while (n);
  for (let i = 0; i < k; i++) store<u8>(d + i, load<u8>(tmp + k - 1 - i));
  let num = opa_string(d, k);
  wRestore(saved);
  return builtinErrS(name, "illegal base64 data at input byte ", num, "");
}

export function builtin_base64_decode(s: usize): usize {
  if (!needStr("base64.decode", 1, s)) return 0;
  let r = b64decode(s, false, false);
  return r ? r : decodeErr("base64.decode");
}

export function builtin_base64url_decode(s: usize): usize {
  if (!needStr("base64url.decode", 1, s)) return 0;
  let r = b64decode(s, true, true);
  return r ? r : decodeErr("base64url.decode");
}

export function builtin_base64_is_valid(s: usize): usize {
  if (!needStr("base64.is_valid", 1, s)) return 0;
  return opa_boolean(b64decode(s, false, false) ? 1 : 0);
}

// ---- hex ----

const HEXD = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

export function builtin_hex_encode(s: usize): usize {
  if (!needStr("hex.encode", 1, s)) return 0;
  let p = strPtr(s), n = lenOf(s), out = alloc(n * 2);
  for (let i: u32 = 0; i < n; i++) {
    let b = load<u8>(p + i);
    store<u8>(out + i * 2, load<u8>(HEXD + (b >> 4))); store<u8>(out + i * 2 + 1, load<u8>(HEXD + (b & 15)));
  }
  return opa_string(out, n * 2);
}

function hexVal(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  if (c >= 0x61 && c <= 0x66) return <i32>c - 0x57;
  if (c >= 0x41 && c <= 0x46) return <i32>c - 0x37;
  return -1;
}

export function builtin_hex_decode(s: usize): usize {
  if (!needStr("hex.decode", 1, s)) return 0;
  let p = strPtr(s), n = lenOf(s);
  if (n % 2) return builtinErrS("hex.decode", "encoding/hex: odd length hex string", 0, "");
  let out = alloc(n / 2);
  for (let i: u32 = 0; i < n; i += 2) {
    let a = hexVal(load<u8>(p + i)), b = hexVal(load<u8>(p + i + 1));
    if (a < 0 || b < 0) return builtinErr("hex.decode", "encoding/hex: invalid byte");
    store<u8>(out + i / 2, <u8>((a << 4) | b));
  }
  return opa_string(out, n / 2);
}

// ---- urlquery ----

function queryEscapeInto(s: usize): void {
  let p = strPtr(s), n = lenOf(s);
  for (let i: u32 = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c == 0x2d || c == 0x5f || c == 0x2e || c == 0x7e) wByte(c);
    else if (c == 0x20) wByte(0x2b);
    else { wByte(0x25); wByte(upperHex(c >> 4)); wByte(upperHex(c & 15)); }
  }
}

function upperHex(d: u32): u32 { return d < 10 ? 0x30 + d : 0x41 + d - 10; }

export function builtin_urlquery_encode(s: usize): usize {
  if (!needStr("urlquery.encode", 1, s)) return 0;
  let saved = wBegin(lenOf(s) * 3 + 1);
  queryEscapeInto(s);
  let r = opa_string(wBuf, wLen);
  wRestore(saved);
  return r;
}

// queryUnescape decodes '+' and %XX in bytes [p, p+n); 0 when malformed.
function queryUnescape(p: usize, n: u32): usize {
  let out = alloc(n), k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x2b) { store<u8>(out + k, 0x20); k++; continue; }
    if (c == 0x25) {
      if (i + 2 >= n) return 0;
      let a = hexVal(load<u8>(p + i + 1)), b = hexVal(load<u8>(p + i + 2));
      if (a < 0 || b < 0) return 0;
      store<u8>(out + k, <u8>((a << 4) | b)); k++; i += 2;
      continue;
    }
    store<u8>(out + k, <u8>c); k++;
  }
  return opa_string(out, k);
}

export function builtin_urlquery_decode(s: usize): usize {
  if (!needStr("urlquery.decode", 1, s)) return 0;
  let r = queryUnescape(strPtr(s), lenOf(s));
  return r ? r : builtinErr("urlquery.decode", "invalid URL escape");
}

export function builtin_urlquery_encode_object(o: usize): usize {
  if (!needObj("urlquery.encode_object", 1, o)) return 0;
  let saved = wBegin(64);
  let first = true;
  for (let i: u32 = 0; i < lenOf(o); i++) {
    let k = objKey(o, i), v = objVal(o, i);
    if (!isStr(k)) { wRestore(saved); return typeErr("urlquery.encode_object", 1, "object of strings", k); }
    let t = tagOf(v);
    let n: u32 = t == T_STRING ? 1 : (t == T_ARRAY || t == T_SET ? lenOf(v) : 0);
    if (t != T_STRING && t != T_ARRAY && t != T_SET) { wRestore(saved); return typeErr("urlquery.encode_object", 1, "object of strings, arrays or sets", v); }
    for (let j: u32 = 0; j < n; j++) {
      let x = t == T_STRING ? v : arrGet(v, j);
      if (!isStr(x)) { wRestore(saved); return typeErr("urlquery.encode_object", 1, "array of strings", x); }
      if (!first) wByte(0x26);
      first = false;
      queryEscapeInto(k); wByte(0x3d); queryEscapeInto(x);
    }
  }
  let r = opa_string(wBuf, wLen);
  wRestore(saved);
  return r;
}

export function builtin_urlquery_decode_object(s: usize): usize {
  if (!needStr("urlquery.decode_object", 1, s)) return 0;
  let p = strPtr(s), n = lenOf(s), out = opa_object();
  let start: u32 = 0;
  for (let i: u32 = 0; i <= n; i++) {
    if (i < n && load<u8>(p + i) != 0x26 && load<u8>(p + i) != 0x3b) continue;
    if (i > start) {
      let eq = start;
      while (eq < i && load<u8>(p + eq) != 0x3d) eq++;
      let k = queryUnescape(p + start, eq - start);
      let v = eq < i ? queryUnescape(p + eq + 1, i - eq - 1) : opa_string(p, 0);
      if (!k || !v) return builtinErr("urlquery.decode_object", "invalid URL escape");
      let arr = objectGet(out, k);
      if (!arr) { arr = opa_array_with_cap(1); opa_object_insert(out, k, arr); }
      opa_array_append(arr, v);
    }
    start = i + 1;
  }
  return out;
}

// ---- json ----

export function builtin_json_marshal(x: usize): usize {
  let saved = wBegin(128);
  setHtmlEscape(true);
  dumpValue(x, false);
  setHtmlEscape(false);
  let r = opa_string(wBuf, wLen);
  wRestore(saved);
  return r;
}

export function builtin_json_unmarshal(s: usize): usize {
  if (!needStr("json.unmarshal", 1, s)) return 0;
  let v = parse(strPtr(s), lenOf(s), false);
  return v ? v : builtinErr("json.unmarshal", "invalid JSON");
}

export function builtin_json_is_valid(s: usize): usize {
  if (!isStr(s)) return opa_boolean(0);
  return opa_boolean(parse(strPtr(s), lenOf(s), false) ? 1 : 0);
}

