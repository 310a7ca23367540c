// regex.*: a Pike-VM regular expression engine (no backtracking, linear time in the
// input). Supports RE2 syntax minus Unicode classes and named/flag groups other than a
// leading (?i)/(?s)/(?m): literals, ., [...] classes with ranges and \d\w\s, escapes,
// ^ $ \A \z \b \B, groups (capturing or (?:...)), |, * + ? {n} {n,} {n,m} (lazy too).
import { alloc } from "./alloc";
import {
  OP_CHAR, OP_ANY, OP_CLASS, OP_SPLIT, OP_JMP, OP_MATCH, OP_BOL, OP_EOL, OP_WORDB, OP_NWORDB,
  OP_BOT, OP_EOT, OP_ANYNL, code, codeLen, compile,
} from "./regex-compile";
import { lenOf, strPtr, opa_boolean, opa_string, opa_array_with_cap, opa_array_append } from "./value";
import { builtinErr, builtinErrS } from "./errors";
import { needStr, needNum, intVal, decodeAt, utf8Len } from "./helpers";
import { wBegin, wRestore, wByte, wBytes, wBuf, wLen } from "./writer";

// ---- Pike VM ----
let marks: usize = 0;
let gen: u32 = 0;
let curList: usize = 0;
let curN: u32 = 0;
let nextList: usize = 0;
let nextN: u32 = 0;

function isWord(c: u32): bool { return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f; }

let inStart: usize = 0;
let inEnd: usize = 0;

function prevChar(at: usize): u32 {
  if (at <= inStart) return 0xffffffff;
  let q = at - 1;
  while (q > inStart && (load<u8>(q) & 0xc0) == 0x80) q--;
  return decodeAt(q);
}

// addThread follows empty transitions from pc at input position `at`; returns true on MATCH.
function addThread(list: usize, isNext: bool, pc: u32, at: usize): bool {
  let m = marks + <usize>pc * 4;
  if (load<u32>(m) == gen) return false;
  store<u32>(m, gen);
  let ins = code + <usize>pc * 12;
  let op = load<u32>(ins);
  switch (op) {
    case OP_MATCH: return true;
    case OP_JMP: return addThread(list, isNext, <u32>(<i32>pc + load<i32>(ins, 4)), at);
    case OP_SPLIT:
      if (addThread(list, isNext, <u32>(<i32>pc + load<i32>(ins, 4)), at)) return true;
      return addThread(list, isNext, <u32>(<i32>pc + load<i32>(ins, 8)), at);
    case OP_BOT: return at == inStart ? addThread(list, isNext, pc + 1, at) : false;
    case OP_EOT: return at == inEnd ? addThread(list, isNext, pc + 1, at) : false;
    case OP_BOL: return (at == inStart || prevChar(at) == 0x0a) ? addThread(list, isNext, pc + 1, at) : false;
    case OP_EOL: return (at == inEnd || load<u8>(at) == 0x0a) ? addThread(list, isNext, pc + 1, at) : false;
    case OP_WORDB: case OP_NWORDB: {
      let a = isWord(prevChar(at)), b = at < inEnd && isWord(decodeAt(at));
      return ((a != b) == (op == OP_WORDB)) ? addThread(list, isNext, pc + 1, at) : false;
    }
  }
  if (isNext) { store<u32>(nextList + <usize>nextN * 4, pc); nextN++; }
  else { store<u32>(curList + <usize>curN * 4, pc); curN++; }
  return false;
}

function step(pc: u32, c: u32): bool {
  let ins = code + <usize>pc * 12;
  switch (load<u32>(ins)) {
    case OP_CHAR: return <u32>load<i32>(ins, 4) == c;
    case OP_ANY: return c != 0x0a;
    case OP_ANYNL: return true;
    case OP_CLASS: {
      let k = <usize>load<i32>(ins, 4), n = load<u32>(k);
      let hit = false;
      for (let i: u32 = 0; i < n; i++) {
        if (c >= load<u32>(k + 4 + <usize>i * 8) && c <= load<u32>(k + 8 + <usize>i * 8)) { hit = true; break; }
      }
      return hit != (load<i32>(ins, 8) != 0);
    }
  }
  return false;
}

function search(s: usize, n: u32): bool {
  marks = alloc(<usize>codeLen * 4);
  memory.fill(marks, 0, <usize>codeLen * 4);
  curList = alloc(<usize>codeLen * 4); nextList = alloc(<usize>codeLen * 4);
  gen = 1; curN = 0; nextN = 0;
  inStart = s; inEnd = s + n;
  let at = s;
  if (addThread(curList, false, 0, at)) return true;
  while (at < inEnd) {
    let c = decodeAt(at);
    let l = utf8Len(load<u8>(at));
    let nextAt = at + l;
    gen++;
    nextN = 0;
    for (let i: u32 = 0; i < curN; i++) {
      let pc = load<u32>(curList + <usize>i * 4);
      if (step(pc, c) && addThread(nextList, true, pc + 1, nextAt)) return true;
    }
    // unanchored search: a new thread starts at every position
    if (addThread(nextList, true, 0, nextAt)) return true;
    let t = curList; curList = nextList; nextList = t;
    curN = nextN;
    at = nextAt;
  }
  return false;
}

// ---- leftmost-first matching with positions (for find, split, replace) ----
// Threads carry their start offset; the list order is priority order, so the first thread
// to reach MATCH while stepping cuts off every lower-priority thread.
let tStart: usize = 0;  // start offsets for curList entries
let nStart: usize = 0;  // start offsets for nextList entries
let mStart: i32 = -1;
let mEnd: i32 = -1;

function addPos(isNext: bool, pc: u32, at: usize, st: u32): void {
  let m = marks + <usize>pc * 4;
  if (load<u32>(m) == gen) return;
  store<u32>(m, gen);
  let ins = code + <usize>pc * 12;
  let op = load<u32>(ins);
  switch (op) {
    case OP_JMP: addPos(isNext, <u32>(<i32>pc + load<i32>(ins, 4)), at, st); return;
    case OP_SPLIT:
      addPos(isNext, <u32>(<i32>pc + load<i32>(ins, 4)), at, st);
      addPos(isNext, <u32>(<i32>pc + load<i32>(ins, 8)), at, st);
      return;
    case OP_BOT: if (at == inStart) addPos(isNext, pc + 1, at, st); return;
    case OP_EOT: if (at == inEnd) addPos(isNext, pc + 1, at, st); return;
    case OP_BOL: if (at == inStart || prevChar(at) == 0x0a) addPos(isNext, pc + 1, at, st); return;
    case OP_EOL: if (at == inEnd || load<u8>(at) == 0x0a) addPos(isNext, pc + 1, at, st); return;
    case OP_WORDB: case OP_NWORDB: {
      let a = isWord(prevChar(at)), b = at < inEnd && isWord(decodeAt(at));
      if ((a != b) == (op == OP_WORDB)) addPos(isNext, pc + 1, at, st);
      return;
    }
  }
  if (isNext) { store<u32>(nextList + <usize>nextN * 4, pc); store<u32>(nStart + <usize>nextN * 4, st); nextN++; }
  else { store<u32>(curList + <usize>curN * 4, pc); store<u32>(tStart + <usize>curN * 4, st); curN++; }
}

// searchFrom finds the leftmost-first match starting at or after byte offset `from` of
// [s, s+n); sets mStart/mEnd (offsets) and returns true when found.
function searchFrom(s: usize, n: u32, from: u32): bool {
  let cl = <usize>codeLen * 4;
  if (!marks) { marks = alloc(cl); curList = alloc(cl); nextList = alloc(cl); tStart = alloc(cl); nStart = alloc(cl); }
  memory.fill(marks, 0, cl);
  gen = 1; curN = 0; nextN = 0;
  inStart = s; inEnd = s + n;
  mStart = -1; mEnd = -1;
  let at = s + from;
  addPos(false, 0, at, from);
  while (true) {
    gen++;
    nextN = 0;
    let c: u32 = at < inEnd ? decodeAt(at) : 0xffffffff;
    let l: u32 = at < inEnd ? utf8Len(load<u8>(at)) : 0;
    for (let i: u32 = 0; i < curN; i++) {
      let pc = load<u32>(curList + <usize>i * 4);
      let st = load<u32>(tStart + <usize>i * 4);
      if (load<u32>(code + <usize>pc * 12) == OP_MATCH) {
        mStart = <i32>st; mEnd = <i32>(at - s);
        break; // lower-priority threads are cut
      }
      if (at < inEnd && step(pc, c)) addPos(true, pc + 1, at + l, st);
    }
    if (at >= inEnd) break;
    // a new lowest-priority thread starts here until something has matched
    if (mStart < 0) addPos(true, 0, at + l, <u32>(at + l - s));
    let t = curList; curList = nextList; nextList = t;
    let u = tStart; tStart = nStart; nStart = u;
    curN = nextN;
    at += l;
    if (curN == 0 && mStart >= 0) break;
  }
  return mStart >= 0;
}

// findAll collects up to `limit` (-1 = all) non-overlapping matches as [start, end] byte
// offset pairs in a scratch array, with Go's rule that an empty match right after the
// previous match is skipped. Returns the pair count.
let found: usize = 0;
function findAll(s: usize, n: u32, limit: i64): i32 {
  found = alloc(<usize>(n + 2) * 8);
  let k: i32 = 0, from: u32 = 0, prevEnd: i32 = -1;
  marks = 0;
  while (from <= n && (limit < 0 || <i64>k < limit)) {
    if (!searchFrom(s, n, from)) break;
    if (mEnd == mStart && mStart == prevEnd) {
      // skip the empty match abutting the previous one
      if (<u32>mStart >= n) break;
      from = <u32>mStart + utf8Len(load<u8>(s + <u32>mStart));
      continue;
    }
    store<i32>(found + <usize>k * 8, mStart); store<i32>(found + <usize>k * 8 + 4, mEnd); k++;
    prevEnd = mEnd;
    if (mEnd > mStart) from = <u32>mEnd;
    else { if (<u32>mEnd >= n) break; from = <u32>mEnd + utf8Len(load<u8>(s + <u32>mEnd)); }
  }
  return k;
}

function compileOrErr(name: string, pat: usize): bool {
  if (compile(strPtr(pat), lenOf(pat))) return true;
  builtinErrS(name, "error parsing regexp: invalid or unsupported syntax in `", pat, "`");
  return false;
}

export function builtin_regex_find_n(pat: usize, s: usize, n: usize): usize {
  if (!needStr("regex.find_n", 1, pat) || !needStr("regex.find_n", 2, s) || !needNum("regex.find_n", 3, n)) return 0;
  if (!compileOrErr("regex.find_n", pat)) return 0;
  let k = findAll(strPtr(s), lenOf(s), intVal(n));
  let out = opa_array_with_cap(<u32>k);
  for (let i = 0; i < k; i++) {
    let a = load<i32>(found + <usize>i * 8), b = load<i32>(found + <usize>i * 8 + 4);
    opa_array_append(out, opa_string(strPtr(s) + <u32>a, <u32>(b - a)));
  }
  return out;
}

export function builtin_regex_split(pat: usize, s: usize): usize {
  if (!needStr("regex.split", 1, pat) || !needStr("regex.split", 2, s)) return 0;
  if (!compileOrErr("regex.split", pat)) return 0;
  let p = strPtr(s), n = lenOf(s);
  let out = opa_array_with_cap(4);
  if (n == 0) { opa_array_append(out, opa_string(p, 0)); return out; }
  let k = findAll(p, n, -1);
  let beg: i32 = 0, end: i32 = 0;
  for (let i = 0; i < k; i++) {
    let a = load<i32>(found + <usize>i * 8), b = load<i32>(found + <usize>i * 8 + 4);
    end = a;
    if (b != 0) opa_array_append(out, opa_string(p + <u32>beg, <u32>(end - beg)));
    beg = b;
  }
  if (<u32>end != n) opa_array_append(out, opa_string(p + <u32>beg, n - <u32>beg));
  return out;
}

// regex.replace(s, pattern, value): `$0`/`${0}` is the match and `$$` a dollar sign;
// references to capture groups are not supported natively (an error, not a silent miss).
export function builtin_regex_replace(s: usize, pat: usize, rep: usize): usize {
  if (!needStr("regex.replace", 1, s) || !needStr("regex.replace", 2, pat) || !needStr("regex.replace", 3, rep)) return 0;
  if (!compileOrErr("regex.replace", pat)) return 0;
  let rp = strPtr(rep), rn = lenOf(rep);
  for (let i: u32 = 0; i < rn; i++) {
    if (load<u8>(rp + i) != 0x24) continue;
    let nx = i + 1 < rn ? load<u8>(rp + i + 1) : 0;
    if (nx == 0x24) { i++; continue; }
    let isZero = (nx == 0x30 && !(i + 2 < rn && isWordByte(load<u8>(rp + i + 2)))) ||
      (nx == 0x7b && i + 3 < rn && load<u8>(rp + i + 2) == 0x30 && load<u8>(rp + i + 3) == 0x7d);
    if (!isZero) return builtinErr("regex.replace", "capture group references in the replacement are not supported natively");
  }
  let p = strPtr(s), n = lenOf(s);
  let k = findAll(p, n, -1);
  if (k == 0) return s;
  let saved = wBegin(n + rn * <u32>k);
  let last: i32 = 0;
  for (let i = 0; i < k; i++) {
    let a = load<i32>(found + <usize>i * 8), b = load<i32>(found + <usize>i * 8 + 4);
    wBytes(p + <u32>last, <u32>(a - last));
    for (let j: u32 = 0; j < rn; j++) {
      let c = load<u8>(rp + j);
      if (c != 0x24) { wByte(c); continue; }
      let nx = load<u8>(rp + j + 1);
      if (nx == 0x24) { wByte(0x24); j++; continue; }
      wBytes(p + <u32>a, <u32>(b - a));
      j += nx == 0x7b ? 3 : 1;
    }
    last = b;
  }
  wBytes(p + <u32>last, n - <u32>last);
  let r = opa_string(wBuf, wLen);
  wRestore(saved);
  return r;
}

function isWordByte(c: u32): bool { return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x5f; }

export function builtin_regex_match(pat: usize, s: usize): usize {
  if (!needStr("regex.match", 1, pat) || !needStr("regex.match", 2, s)) return 0;
  if (!compile(strPtr(pat), lenOf(pat))) return builtinErrS("regex.match", "error parsing regexp: invalid or unsupported syntax in `", pat, "`");
  return opa_boolean(search(strPtr(s), lenOf(s)) ? 1 : 0);
}

export function builtin_re_match(pat: usize, s: usize): usize { return builtin_regex_match(pat, s); }

export function builtin_regex_is_valid(pat: usize): usize {
  if (!needStr("regex.is_valid", 1, pat)) return opa_boolean(0);
  return opa_boolean(compile(strPtr(pat), lenOf(pat)) ? 1 : 0);
}

