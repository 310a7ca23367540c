// glob.match: gobwas/glob semantics as OPA uses them. `*` matches any run of
// non-delimiter characters, `**` any run at all, `?` one non-delimiter character,
// `[abc]`/`[!a-z]` classes, `{a,b}` alternatives (expanded up front), `\` escapes.
import { alloc } from "./alloc";
import { T_NULL, T_ARRAY, tagOf, lenOf, strPtr, arrGet, opa_boolean, opa_string, opa_array_with_cap, opa_array_append } from "./value";
import { typeErr, builtinErr } from "./errors";
import { needStr, isStr, decodeAt, utf8Len } from "./helpers";

let delims: usize = 0; // array of string values (each one code point), or 0 = none

function isDelim(cp: u32): bool {
  if (!delims) return false;
  for (let i: u32 = 0; i < lenOf(delims); i++) {
    let d = arrGet(delims, i);
    if (lenOf(d) > 0 && decodeAt(strPtr(d)) == cp) return true;
  }
  return false;
}

// findClose returns the index of the brace closing the one at i, or -1.
function findClose(p: usize, n: u32, i: u32): i32 {
  let depth = 0;
  for (let j = i; j < n; j++) {
    let c = load<u8>(p + j);
    if (c == 0x5c) { j++; continue; }
    if (c == 0x7b) depth++;
    else if (c == 0x7d) { depth--; if (depth == 0) return <i32>j; }
  }
  return -1;
}

// expand turns a pattern with {a,b} alternatives into brace-free patterns (appended to out).
function expand(p: usize, n: u32, out: usize): bool {
  if (lenOf(out) > 4096) return false;
  for (let i: u32 = 0; i < n; i++) {
    let c = load<u8>(p + i);
    if (c == 0x5c) { i++; continue; }
    if (c == 0x5b) { while (i < n && load<u8>(p + i) != 0x5d) i++; continue; }
    if (c != 0x7b) continue;
    let close = findClose(p, n, i);
    if (close < 0) return false;
    let start = i + 1, depth = 0;
    for (let j = i + 1; j <= <u32>close; j++) {
      let d = load<u8>(p + j);
      if (d == 0x5c) { j++; continue; }
      if (d == 0x7b) depth++;
      if (d == 0x7d && depth > 0) { depth--; continue; }
      if ((d == 0x2c && depth == 0) || j == <u32>close) {
        let altLen = j - start, restLen = n - <u32>close - 1;
        let buf = alloc(i + altLen + restLen);
        memory.copy(buf, p, i);
        memory.copy(buf + i, p + start, altLen);
        memory.copy(buf + i + altLen, p + <u32>close + 1, restLen);
        if (!expand(buf, i + altLen + restLen, out)) return false;
        start = j + 1;
      }
    }
    return true;
  }
  opa_array_append(out, opa_string(p, n));
  return true;
}

// classMatch matches cp against the class starting after '[' at p[i]; returns the index
// after ']' in classEnd, and whether it matched.
let classEnd: u32 = 0;
function classMatch(p: usize, n: u32, i: u32, cp: u32): bool {
  let neg = false;
  if (i < n && load<u8>(p + i) == 0x21) { neg = true; i++; }
  let hit = false;
  let first = true;
  while (i < n && (first || load<u8>(p + i) != 0x5d)) {
    first = false;
    let lo = decodeAt(p + i); i += utf8Len(load<u8>(p + i));
    let hi = lo;
    if (i + 1 < n && load<u8>(p + i) == 0x2d && load<u8>(p + i + 1) != 0x5d) {
      i++;
      hi = decodeAt(p + i); i += utf8Len(load<u8>(p + i));
    }
    if (cp >= lo && cp <= hi) hit = true;
  }
  classEnd = i + 1;
  return hit != neg;
}

function matchAt(p: usize, n: u32, pi: u32, s: usize, m: u32, si: u32): bool {
  while (pi < n) {
    let c = load<u8>(p + pi);
    if (c == 0x2a) {
      let superStar = pi + 1 < n && load<u8>(p + pi + 1) == 0x2a;
      let next = pi + (superStar ? 2 : 1);
      while (next < n && load<u8>(p + next) == 0x2a) next++;
      if (next == n && superStar) return true;
      let j = si;
      while (true) {
        if (matchAt(p, n, next, s, m, j)) return true;
        if (j >= m) return false;
        let cp = decodeAt(s + j);
        if (!superStar && isDelim(cp)) return false;
        j += utf8Len(load<u8>(s + j));
      }
    }
    if (si >= m) return false;
    let cp = decodeAt(s + si);
    if (c == 0x3f) {
      if (isDelim(cp)) return false;
      pi++;
    } else if (c == 0x5b) {
      if (!classMatch(p, n, pi + 1, cp)) return false;
      pi = classEnd;
    } else {
      if (c == 0x5c && pi + 1 < n) pi++;
      let pc = decodeAt(p + pi);
      if (pc != cp) return false;
      pi += utf8Len(load<u8>(p + pi));
    }
    si += utf8Len(load<u8>(s + si));
  }
  return si == m;
}

export function builtin_glob_match(pat: usize, ds: usize, s: usize): usize {
  if (!needStr("glob.match", 1, pat)) return 0;
  let t = tagOf(ds);
  if (t == T_NULL) delims = 0;
  else if (t == T_ARRAY) {
    for (let i: u32 = 0; i < lenOf(ds); i++) if (!isStr(arrGet(ds, i))) return typeErr("glob.match", 2, "array of strings", arrGet(ds, i));
    if (lenOf(ds) == 0) {
      let dot = alloc(1); store<u8>(dot, 0x2e);
      delims = opa_array_with_cap(1); opa_array_append(delims, opa_string(dot, 1));
    } else delims = ds;
  } else return typeErr("glob.match", 2, "one of {array, null}", ds);
  if (!needStr("glob.match", 3, s)) return 0;
  let alts = opa_array_with_cap(1);
  if (!expand(strPtr(pat), lenOf(pat), alts)) return builtinErr("glob.match", "invalid glob pattern");
  for (let i: u32 = 0; i < lenOf(alts); i++) {
    let a = arrGet(alts, i);
    if (matchAt(strPtr(a), lenOf(a), 0, strPtr(s), lenOf(s), 0)) return opa_boolean(1);
  }
  return opa_boolean(0);
}
