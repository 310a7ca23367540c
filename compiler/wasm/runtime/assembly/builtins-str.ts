// Native string builtins: concat, prefix/suffix/contains, case, split, trim family,
// replace, strings.replace_n, substring, indexof, strings.count, any_prefix/suffix_match.
import { alloc } from "./alloc";
import {
  T_STRING, T_ARRAY, T_SET, tagOf, lenOf, strPtr, arrGet, objKey, objVal,
  opa_string, opa_boolean, opa_array_with_cap, opa_array_append,
} from "./value";
import { typeErr, typeErrMsg, typeErrContaining, builtinErr } from "./errors";
import {
  isStr, needStr, needNum, needObj, isIntVal, intVal, intResult, bytesEq,
  indexOfBytes, utf8Len, decodeAt, byteOffsetOfRune, runeIndexOfByte,
} from "./helpers";
import { writeUtf8 } from "./json";
import { LOWER_RUNS, LOWER_RUN_COUNT, UPPER_RUNS, UPPER_RUN_COUNT } from "./case-tables";
import { mapCodePoint } from "./case-map";

export function builtin_concat(d: usize, xs: usize): usize {
  if (!needStr("concat", 1, d)) return 0;
  let t = tagOf(xs);
  if (t != T_ARRAY && t != T_SET) return typeErr("concat", 2, "one of {array, set}", xs);
  let n = lenOf(xs);
  let total: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let x = arrGet(xs, i);
    if (!isStr(x)) return typeErr("concat", 2, "array of strings", x);
    total += lenOf(x);
  }
  if (n > 1) total += lenOf(d) * (n - 1);
  let p = alloc(total), k: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    if (i) { memory.copy(p + k, strPtr(d), lenOf(d)); k += lenOf(d); }
    let x = arrGet(xs, i);
    memory.copy(p + k, strPtr(x), lenOf(x)); k += lenOf(x);
  }
  return opa_string(p, total);
}

export function builtin_startswith(s: usize, p: usize): usize {
  if (!needStr("startswith", 1, s) || !needStr("startswith", 2, p)) return 0;
  let n = lenOf(p);
  return opa_boolean(n <= lenOf(s) && bytesEq(strPtr(s), strPtr(p), n) ? 1 : 0);
}

export function builtin_endswith(s: usize, p: usize): usize {
  if (!needStr("endswith", 1, s) || !needStr("endswith", 2, p)) return 0;
  let n = lenOf(p), m = lenOf(s);
  return opa_boolean(n <= m && bytesEq(strPtr(s) + m - n, strPtr(p), n) ? 1 : 0);
}

export function builtin_contains(s: usize, p: usize): usize {
  if (!needStr("contains", 1, s) || !needStr("contains", 2, p)) return 0;
  return opa_boolean(indexOfBytes(strPtr(s), lenOf(s), strPtr(p), lenOf(p), 0) >= 0 ? 1 : 0);
}

// caseMap is Go's strings.ToLower/ToUpper, as OPA runs them: each code point by Unicode's
// simple case mapping (one to one; ß stays, İ lowers to i). The byte length may change (K,
// the Kelvin sign, lowers to k), so the output has room for every code point growing.
// A byte that starts no valid sequence is copied as it is, as the rest of the runtime reads it.
function caseMap(s: usize, upper: bool): usize {
  let n = lenOf(s), p = strPtr(s);
  let runs = upper ? UPPER_RUNS : LOWER_RUNS, count = upper ? UPPER_RUN_COUNT : LOWER_RUN_COUNT;
  let out = alloc(n * 2 + 4), k: u32 = 0;
  let i: u32 = 0;
  while (i < n) {
    let b = <u32>load<u8>(p + i);
    if (b < 0x80) {
      if (upper && b >= 0x61 && b <= 0x7a) b -= 32;
      else if (!upper && b >= 0x41 && b <= 0x5a) b += 32;
      store<u8>(out + k, <u8>b); k++; i++;
      continue;
    }
    let l = utf8Len(b);
    // only a well-formed sequence is mapped: a lead byte, its continuation bytes inside the
    // string, and the shortest encoding of its code point
    let whole = b >= 0xc0 && i + l <= n && validContinuation(p + i, l);
    if (i + l > n) l = n - i;
    let cp = whole ? decodeAt(p + i) : 0;
    let mapped = whole && l == utf8SizeOf(cp) ? mapCodePoint(runs, count, cp) : cp;
    if (mapped != cp) { k += writeUtf8(out + k, mapped); }
    else { memory.copy(out + k, p + i, l); k += l; }
    i += l;
  }
  return opa_string(out, k);
}

function utf8SizeOf(cp: u32): u32 { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

function validContinuation(p: usize, l: u32): bool {
  for (let j: u32 = 1; j < l; j++) if ((load<u8>(p + j) & 0xc0) != 0x80) return false;
  return true;
}

export function builtin_lower(s: usize): usize { return needStr("lower", 1, s) ? caseMap(s, false) : 0; }
export function builtin_upper(s: usize): usize { return needStr("upper", 1, s) ? caseMap(s, true) : 0; }

function splitInto(s: usize, d: usize, limit: i64): usize {
  let p = strPtr(s), n = lenOf(s), dp = strPtr(d), dn = lenOf(d);
  let out = opa_array_with_cap(4);
  if (limit == 0) return out;
  if (dn == 0) {
    let i: u32 = 0;
    while (i < n) {
      if (limit > 0 && <i64>lenOf(out) == limit - 1) { opa_array_append(out, opa_string(p + i, n - i)); return out; }
      let l = utf8Len(load<u8>(p + i)); if (i + l > n) l = n - i;
      opa_array_append(out, opa_string(p + i, l)); i += l;
    }
    return out;
  }
  let start: u32 = 0;
  while (true) {
    if (limit > 0 && <i64>lenOf(out) == limit - 1) break;
    let j = indexOfBytes(p, n, dp, dn, start);
    if (j < 0) break;
    opa_array_append(out, opa_string(p + start, <u32>j - start));
    start = <u32>j + dn;
  }
  opa_array_append(out, opa_string(p + start, n - start));
  return out;
}

export function builtin_split(s: usize, d: usize): usize {
  if (!needStr("split", 1, s) || !needStr("split", 2, d)) return 0;
  return splitInto(s, d, -1);
}

export function builtin_strings_split_n(s: usize, d: usize, n: usize): usize {
  if (!needStr("strings.split_n", 1, s) || !needStr("strings.split_n", 2, d) || !needNum("strings.split_n", 3, n)) return 0;
  if (!isIntVal(n)) return typeErrMsg("strings.split_n", 3, "must be integer number but got floating-point number");
  // OPA: the first n parts of the full split, or the last -n parts when n is negative
  let parts = splitInto(s, d, -1);
  let k = intVal(n), total = <i64>lenOf(parts);
  let from: i64 = 0, to: i64 = total;
  if (k >= 0) { if (k < total) to = k; }
  else if (-k < total) from = total + k;
  let out = opa_array_with_cap(<u32>(to - from));
  for (let i = from; i < to; i++) opa_array_append(out, arrGet(parts, <u32>i));
  return out;
}

function inCutset(cp: u32, c: usize): bool {
  let p = strPtr(c), n = lenOf(c), i: u32 = 0;
  while (i < n) { if (decodeAt(p + i) == cp) return true; i += utf8Len(load<u8>(p + i)); }
  return false;
}

// lastRuneStart finds the start of the code point ending at byte `end`.
function lastRuneStart(p: usize, end: u32): u32 {
  let i = end - 1;
  while (i > 0 && (load<u8>(p + i) & 0xc0) == 0x80) i--;
  return i;
}

function trimWith(s: usize, c: usize, left: bool, right: bool): usize {
  let p = strPtr(s), a: u32 = 0, b = lenOf(s);
  if (left) while (a < b && inCutset(decodeAt(p + a), c)) a += utf8Len(load<u8>(p + a));
  if (right) while (b > a) { let st = lastRuneStart(p, b); if (!inCutset(decodeAt(p + st), c)) break; b = st; }
  return opa_string(p + a, b - a);
}

export function builtin_trim(s: usize, c: usize): usize {
  return needStr("trim", 1, s) && needStr("trim", 2, c) ? trimWith(s, c, true, true) : 0;
}
export function builtin_trim_left(s: usize, c: usize): usize {
  return needStr("trim_left", 1, s) && needStr("trim_left", 2, c) ? trimWith(s, c, true, false) : 0;
}
export function builtin_trim_right(s: usize, c: usize): usize {
  return needStr("trim_right", 1, s) && needStr("trim_right", 2, c) ? trimWith(s, c, false, true) : 0;
}

export function builtin_trim_prefix(s: usize, x: usize): usize {
  if (!needStr("trim_prefix", 1, s) || !needStr("trim_prefix", 2, x)) return 0;
  let n = lenOf(x);
  if (n <= lenOf(s) && bytesEq(strPtr(s), strPtr(x), n)) return opa_string(strPtr(s) + n, lenOf(s) - n);
  return s;
}

export function builtin_trim_suffix(s: usize, x: usize): usize {
  if (!needStr("trim_suffix", 1, s) || !needStr("trim_suffix", 2, x)) return 0;
  let n = lenOf(x), m = lenOf(s);
  if (n <= m && bytesEq(strPtr(s) + m - n, strPtr(x), n)) return opa_string(strPtr(s), m - n);
  return s;
}

function isSpaceCp(cp: u32): bool {
  return cp == 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp == 0x85 || cp == 0xa0 || cp == 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

export function builtin_trim_space(s: usize): usize {
  if (!needStr("trim_space", 1, s)) return 0;
  let p = strPtr(s), a: u32 = 0, b = lenOf(s);
  while (a < b && isSpaceCp(decodeAt(p + a))) a += utf8Len(load<u8>(p + a));
  while (b > a) { let st = lastRuneStart(p, b); if (!isSpaceCp(decodeAt(p + st))) break; b = st; }
  return opa_string(p + a, b - a);
}

// replaceAll implements Go's strings.ReplaceAll (empty `old` inserts between runes).
function replaceAll(s: usize, o: usize, r: usize): usize {
  let p = strPtr(s), n = lenOf(s), op = strPtr(o), on = lenOf(o), rp = strPtr(r), rn = lenOf(r);
  if (on == 0) {
    let runes: u32 = 0; for (let i: u32 = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) runes++;
    let out = alloc(n + rn * (runes + 1)), k: u32 = 0, i: u32 = 0;
    memory.copy(out, rp, rn); k = rn;
    while (i < n) {
      let l = utf8Len(load<u8>(p + i)); if (i + l > n) l = n - i;
      memory.copy(out + k, p + i, l); k += l; i += l;
      memory.copy(out + k, rp, rn); k += rn;
    }
    return opa_string(out, k);
  }
  let count: u32 = 0, at = indexOfBytes(p, n, op, on, 0);
  if (at < 0) return s;
  while (at >= 0) { count++; at = indexOfBytes(p, n, op, on, <u32>at + on); }
  let out = alloc(n + count * rn), k: u32 = 0, start: u32 = 0;
  at = indexOfBytes(p, n, op, on, 0);
  while (at >= 0) {
    memory.copy(out + k, p + start, <u32>at - start); k += <u32>at - start;
    memory.copy(out + k, rp, rn); k += rn;
    start = <u32>at + on;
    at = indexOfBytes(p, n, op, on, start);
  }
  memory.copy(out + k, p + start, n - start); k += n - start;
  return opa_string(out, k);
}

export function builtin_replace(s: usize, o: usize, r: usize): usize {
  if (!needStr("replace", 1, s) || !needStr("replace", 2, o) || !needStr("replace", 3, r)) return 0;
  return replaceAll(s, o, r);
}

// strings.replace_n: at each position the first pattern (in key order) that matches wins,
// like Go's strings.NewReplacer over the object's sorted pairs.
export function builtin_strings_replace_n(pats: usize, s: usize): usize {
  if (!needObj("strings.replace_n", 1, pats)) return 0;
  if (!needStr("strings.replace_n", 2, s)) return 0;
  let m = lenOf(pats);
  for (let j: u32 = 0; j < m; j++) {
    if (!isStr(objKey(pats, j))) return typeErrMsg("strings.replace_n", 1, "non-string key found in pattern object");
    if (!isStr(objVal(pats, j))) return typeErrMsg("strings.replace_n", 1, "non-string value found in pattern object");
  }
  let p = strPtr(s), n = lenOf(s);
  let cap: u32 = n + 16, out = alloc(cap), k: u32 = 0, i: u32 = 0;
  // Go's generic replacer: keys in sorted order are priorities; an empty key ("" sorts
  // first) fires once at every position, then the other keys get their turn there.
  let emptyVal: usize = 0;
  for (let j: u32 = 0; j < m; j++) if (lenOf(objKey(pats, j)) == 0) emptyVal = objVal(pats, j);
  let prevEmpty = false;
  while (i <= n) {
    let rv: usize = 0, adv: u32 = 0, matched = false;
    if (emptyVal && !prevEmpty) { rv = emptyVal; matched = true; prevEmpty = true; }
    else {
      prevEmpty = false;
      for (let j: u32 = 0; j < m; j++) {
        let key = objKey(pats, j), kn = lenOf(key);
        if (kn == 0 || i + kn > n || !bytesEq(p + i, strPtr(key), kn)) continue;
        rv = objVal(pats, j); adv = kn; matched = true;
        break;
      }
    }
    if (matched) {
      let vn = lenOf(rv);
      if (k + vn > cap) { let nc = (cap << 1) + vn; let o2 = alloc(nc); memory.copy(o2, out, k); out = o2; cap = nc; }
      memory.copy(out + k, strPtr(rv), vn); k += vn; i += adv;
      continue;
    }
    if (i == n) break;
    let l = utf8Len(load<u8>(p + i)); if (i + l > n) l = n - i;
    if (k + l > cap) { let nc = (cap << 1) + l; let o2 = alloc(nc); memory.copy(o2, out, k); out = o2; cap = nc; }
    memory.copy(out + k, p + i, l); k += l; i += l;
  }
  return opa_string(out, k);
}

export function builtin_substring(s: usize, a: usize, l: usize): usize {
  if (!needStr("substring", 1, s) || !needNum("substring", 2, a) || !needNum("substring", 3, l)) return 0;
  if (!isIntVal(a)) return typeErrMsg("substring", 2, "must be integer number but got floating-point number");
  if (!isIntVal(l)) return typeErrMsg("substring", 3, "must be integer number but got floating-point number");
  let start = intVal(a), len = intVal(l);
  if (start < 0) return builtinErr("substring", "negative offset");
  let p = strPtr(s), n = lenOf(s);
  let b0 = byteOffsetOfRune(p, n, start);
  if (b0 >= n) return opa_string(p, 0);
  let b1 = len < 0 ? n : b0 + byteOffsetOfRune(p + b0, n - b0, len);
  return opa_string(p + b0, b1 - b0);
}

export function builtin_indexof(s: usize, x: usize): usize {
  if (!needStr("indexof", 1, s) || !needStr("indexof", 2, x)) return 0;
  if (lenOf(x) == 0) return builtinErr("indexof", "empty search character");
  let i = indexOfBytes(strPtr(s), lenOf(s), strPtr(x), lenOf(x), 0);
  return intResult(i < 0 ? -1 : <i64>runeIndexOfByte(strPtr(s), <u32>i));
}

export function builtin_indexof_n(s: usize, x: usize): usize {
  if (!needStr("indexof_n", 1, s) || !needStr("indexof_n", 2, x)) return 0;
  if (lenOf(x) == 0) return builtinErr("indexof_n", "empty search character");
  let out = opa_array_with_cap(2);
  let p = strPtr(s), n = lenOf(s);
  let i = indexOfBytes(p, n, strPtr(x), lenOf(x), 0);
  while (i >= 0) {
    opa_array_append(out, intResult(<i64>runeIndexOfByte(p, <u32>i)));
    i = indexOfBytes(p, n, strPtr(x), lenOf(x), <u32>i + 1);
  }
  return out;
}

export function builtin_strings_count(s: usize, x: usize): usize {
  if (!needStr("strings.count", 1, s) || !needStr("strings.count", 2, x)) return 0;
  let p = strPtr(s), n = lenOf(s), xn = lenOf(x);
  if (xn == 0) { let r: i64 = 1; for (let i: u32 = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) r++; return intResult(r); }
  let c: i64 = 0, i = indexOfBytes(p, n, strPtr(x), xn, 0);
  while (i >= 0) { c++; i = indexOfBytes(p, n, strPtr(x), xn, <u32>i + xn); }
  return intResult(c);
}

export function builtin_strings_reverse(s: usize): usize {
  if (!needStr("strings.reverse", 1, s)) return 0;
  let p = strPtr(s), n = lenOf(s), out = alloc(n), i: u32 = 0;
  while (i < n) {
    let l = utf8Len(load<u8>(p + i)); if (i + l > n) l = n - i;
    memory.copy(out + n - i - l, p + i, l); i += l;
  }
  return opa_string(out, n);
}

// stringList validates "one of {string, set, array}" holding strings.
function stringList(name: string, n: i32, v: usize): bool {
  let t = tagOf(v);
  if (t == T_STRING) return true;
  if (t != T_ARRAY && t != T_SET) { typeErr(name, n, "one of {string, set, array}", v); return false; }
  for (let i: u32 = 0; i < lenOf(v); i++) {
    let x = arrGet(v, i);
    if (!isStr(x)) { typeErrContaining(name, n, x); return false; }
  }
  return true;
}

function anyMatch(name: string, a: usize, b: usize, suffix: bool): usize {
  if (!stringList(name, 1, a) || !stringList(name, 2, b)) return 0;
  let na: u32 = tagOf(a) == T_STRING ? 1 : lenOf(a), nb: u32 = tagOf(b) == T_STRING ? 1 : lenOf(b);
  for (let i: u32 = 0; i < na; i++) {
    let s = tagOf(a) == T_STRING ? a : arrGet(a, i);
    for (let j: u32 = 0; j < nb; j++) {
      let x = tagOf(b) == T_STRING ? b : arrGet(b, j);
      let xn = lenOf(x), sn = lenOf(s);
      if (xn > sn) continue;
      if (bytesEq(strPtr(s) + (suffix ? sn - xn : 0), strPtr(x), xn)) return opa_boolean(1);
    }
  }
  return opa_boolean(0);
}

export function builtin_strings_any_prefix_match(a: usize, b: usize): usize { return anyMatch("strings.any_prefix_match", a, b, false); }
export function builtin_strings_any_suffix_match(a: usize, b: usize): usize { return anyMatch("strings.any_suffix_match", a, b, true); }

