// regex.match: a Pike-VM regular expression engine (no backtracking, linear time in the
// input). Supports RE2 syntax minus Unicode classes and named/flag groups other than a
// leading (?i)/(?s)/(?m): literals, ., [...] classes with ranges and \d\w\s, escapes,
// ^ $ \A \z \b \B, groups (capturing or (?:...)), |, * + ? {n} {n,} {n,m} (lazy too).
import { alloc, realloc } from "./alloc";
import { lenOf, strPtr, opa_boolean, opa_string, opa_array_with_cap, opa_array_append } from "./value";
import { builtinErr, builtinErrS } from "./errors";
import { needStr, needNum, intVal, decodeAt, utf8Len } from "./helpers";
import { wBegin, wRestore, wByte, wBytes, wBuf, wLen } from "./writer";

const OP_CHAR: u32 = 1, OP_ANY: u32 = 2, OP_CLASS: u32 = 3, OP_SPLIT: u32 = 4, OP_JMP: u32 = 5,
  OP_MATCH: u32 = 6, OP_BOL: u32 = 7, OP_EOL: u32 = 8, OP_WORDB: u32 = 9, OP_NWORDB: u32 = 10,
  OP_BOT: u32 = 11, OP_EOT: u32 = 12, OP_ANYNL: u32 = 13;

// program: 12-byte instructions (op, a, b); jumps are relative to the instruction.
let code: usize = 0;
let codeLen: u32 = 0;
let codeCap: u32 = 0;
let src: usize = 0;
let srcEnd: usize = 0;
let pos: usize = 0;
let bad = false;
let foldCase = false;
let dotNl = false;
let multiLine = false;

function emit(op: u32, a: i32, b: i32): u32 {
  if (codeLen == codeCap) {
    let nc = codeCap ? codeCap << 1 : 32;
    code = realloc(code, <usize>codeCap * 12, <usize>nc * 12);
    codeCap = nc;
  }
  let at = code + <usize>codeLen * 12;
  store<u32>(at, op); store<i32>(at, a, 4); store<i32>(at, b, 8);
  return codeLen++;
}

// insertBefore shifts [start, codeLen) up by k instructions (relative jumps stay valid).
function insertBefore(start: u32, k: u32): void {
  for (let i: u32 = 0; i < k; i++) emit(0, 0, 0);
  let from = code + <usize>start * 12;
  memory.copy(from + <usize>k * 12, from, <usize>(codeLen - k - start) * 12);
}

function setInstr(i: u32, op: u32, a: i32, b: i32): void {
  let at = code + <usize>i * 12;
  store<u32>(at, op); store<i32>(at, a, 4); store<i32>(at, b, 8);
}

function copyFragment(start: u32, end: u32): void {
  let n = end - start;
  for (let i: u32 = 0; i < n; i++) emit(0, 0, 0);
  memory.copy(code + <usize>(codeLen - n) * 12, code + <usize>start * 12, <usize>n * 12);
}

// ---- classes: [count u32][lo u32, hi u32]... ----
let cls: usize = 0;
let clsN: u32 = 0;
let clsCap: u32 = 0;

function clsBegin(): void { clsCap = 8; cls = alloc(4 + clsCap * 8); clsN = 0; }
function clsAdd(lo: u32, hi: u32): void {
  if (clsN == clsCap) { cls = realloc(cls, 4 + clsCap * 8, 4 + clsCap * 16); clsCap <<= 1; }
  store<u32>(cls + 4 + clsN * 8, lo); store<u32>(cls + 8 + clsN * 8, hi); clsN++;
}
function clsEnd(neg: bool): void { store<u32>(cls, clsN); emit(OP_CLASS, <i32>cls, neg ? 1 : 0); }

function addShorthand(c: u32): bool {
  if (c == 0x64) { clsAdd(0x30, 0x39); return true; }                                    // \d
  if (c == 0x77) { clsAdd(0x30, 0x39); clsAdd(0x41, 0x5a); clsAdd(0x61, 0x7a); clsAdd(0x5f, 0x5f); return true; } // \w
  if (c == 0x73) { clsAdd(0x09, 0x0a); clsAdd(0x0c, 0x0d); clsAdd(0x20, 0x20); return true; } // \s
  return false;
}

function peekc(): u32 { return pos < srcEnd ? decodeAt(pos) : 0xffffffff; }
function nextc(): u32 { let c = decodeAt(pos); pos += utf8Len(load<u8>(pos)); return c; }

function escapeChar(c: u32): u32 {
  if (c == 0x6e) return 0x0a;
  if (c == 0x74) return 0x09;
  if (c == 0x72) return 0x0d;
  if (c == 0x66) return 0x0c;
  if (c == 0x76) return 0x0b;
  if (c == 0x61) return 0x07;
  if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) { bad = true; return 0; }
  return c;
}

function hexEscape(): u32 {
  // \xhh or \x{h...}
  let v: u32 = 0;
  if (peekc() == 0x7b) {
    nextc();
    let digits = 0;
    while (pos < srcEnd && peekc() != 0x7d) { let d = hexd(nextc()); if (d < 0) { bad = true; return 0; } v = v * 16 + <u32>d; digits++; }
    if (pos >= srcEnd || digits == 0) { bad = true; return 0; }
    nextc();
    return v;
  }
  for (let i = 0; i < 2; i++) { if (pos >= srcEnd) { bad = true; return 0; } let d = hexd(nextc()); if (d < 0) { bad = true; return 0; } v = v * 16 + <u32>d; }
  return v;
}

function hexd(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  if (c >= 0x61 && c <= 0x66) return <i32>c - 0x57;
  if (c >= 0x41 && c <= 0x46) return <i32>c - 0x37;
  return -1;
}

function parseClass(): void {
  clsBegin();
  let neg = false;
  if (peekc() == 0x5e) { nextc(); neg = true; }
  let first = true;
  while (true) {
    if (pos >= srcEnd) { bad = true; return; }
    let c = nextc();
    if (c == 0x5d && !first) break;
    first = false;
    if (c == 0x5b && peekc() == 0x3a) { bad = true; return; } // [:alpha:] unsupported
    let lo = c;
    if (c == 0x5c) {
      if (pos >= srcEnd) { bad = true; return; }
      let e = nextc();
      if (addShorthand(e)) continue;
      if (e == 0x78) lo = hexEscape(); else lo = escapeChar(e);
      if (bad) return;
    }
    let hi = lo;
    if (peekc() == 0x2d && pos + 1 < srcEnd && load<u8>(pos + 1) != 0x5d) {
      nextc();
      hi = nextc();
      if (hi == 0x5c) { let e = nextc(); hi = e == 0x78 ? hexEscape() : escapeChar(e); if (bad) return; }
      if (hi < lo) { bad = true; return; }
    }
    clsAdd(lo, hi);
    if (foldCase) {
      // add the other case of ASCII letters in the range
      let a = lo > 0x41 ? lo : 0x41, b = hi < 0x5a ? hi : 0x5a;
      if (a <= b) clsAdd(a + 32, b + 32);
      a = lo > 0x61 ? lo : 0x61; b = hi < 0x7a ? hi : 0x7a;
      if (a <= b) clsAdd(a - 32, b - 32);
    }
  }
  clsEnd(neg);
}

function parseAtom(): void {
  let c = nextc();
  switch (c) {
    case 0x2e: emit(dotNl ? OP_ANYNL : OP_ANY, 0, 0); return;
    case 0x5e: emit(multiLine ? OP_BOL : OP_BOT, 0, 0); return;
    case 0x24: emit(multiLine ? OP_EOL : OP_EOT, 0, 0); return;
    case 0x5b: parseClass(); return;
    case 0x28: {
      if (peekc() == 0x3f) {
        nextc();
        if (peekc() == 0x3a) nextc();
        else if (peekc() == 0x50 || peekc() == 0x3c) {
          // named group (?P<name>...) or (?<name>...)
          while (pos < srcEnd && peekc() != 0x3e) nextc();
          if (pos >= srcEnd) { bad = true; return; }
          nextc();
        } else { bad = true; return; }
      }
      parseAlt();
      if (peekc() != 0x29) { bad = true; return; }
      nextc();
      return;
    }
    case 0x5c: {
      if (pos >= srcEnd) { bad = true; return; }
      let e = nextc();
      if (e == 0x64 || e == 0x77 || e == 0x73) { clsBegin(); addShorthand(e); clsEnd(false); return; }
      if (e == 0x44 || e == 0x57 || e == 0x53) { clsBegin(); addShorthand(e + 32); clsEnd(true); return; }
      if (e == 0x62) { emit(OP_WORDB, 0, 0); return; }
      if (e == 0x42) { emit(OP_NWORDB, 0, 0); return; }
      if (e == 0x41) { emit(OP_BOT, 0, 0); return; }
      if (e == 0x7a) { emit(OP_EOT, 0, 0); return; }
      if (e == 0x78) { let v = hexEscape(); emitChar(v); return; }
      let v = escapeChar(e);
      if (!bad) emitChar(v);
      return;
    }
    case 0x2a: case 0x2b: case 0x3f: case 0x29: bad = true; return;
  }
  emitChar(c);
}

function emitChar(c: u32): void {
  if (foldCase && ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) {
    clsBegin(); let l = c | 0x20; clsAdd(l, l); clsAdd(l - 32, l - 32); clsEnd(false);
    return;
  }
  emit(OP_CHAR, <i32>c, 0);
}

function parseInt(): i32 {
  let v: i32 = -1;
  while (pos < srcEnd && <u32>load<u8>(pos) - 0x30 <= 9) { v = (v < 0 ? 0 : v) * 10 + <i32>(load<u8>(pos) - 0x30); pos++; if (v > 1000) { bad = true; return -1; } }
  return v;
}

function star(start: u32): void {
  let len = codeLen - start;
  insertBefore(start, 1);
  setInstr(start, OP_SPLIT, 1, <i32>len + 2);
  emit(OP_JMP, -(<i32>len + 1), 0);
}

function quest(start: u32): void {
  let len = codeLen - start;
  insertBefore(start, 1);
  setInstr(start, OP_SPLIT, 1, <i32>len + 1);
}

// swapSplit flips a SPLIT's branch priority (lazy quantifiers prefer to stop).
function swapSplit(i: u32): void {
  let at = code + <usize>i * 12;
  let a = load<i32>(at, 4);
  store<i32>(at, load<i32>(at, 8), 4); store<i32>(at, a, 8);
}

function parseRepeat(): void {
  let start = codeLen;
  parseAtom();
  if (bad) return;
  while (pos < srcEnd) {
    let c = <u32>load<u8>(pos);
    let lazy = pos + 1 < srcEnd && load<u8>(pos + 1) == 0x3f;
    if (c == 0x2a) { pos++; star(start); if (lazy) swapSplit(start); }
    else if (c == 0x2b) { pos++; let len = codeLen - start; let sp = emit(OP_SPLIT, -(<i32>len), 1); if (lazy) swapSplit(sp); }
    else if (c == 0x3f) { pos++; quest(start); if (lazy) swapSplit(start); }
    else if (c == 0x7b) {
      let save = pos;
      pos++;
      let lo = parseInt();
      let hi = lo;
      if (lo >= 0 && pos < srcEnd && load<u8>(pos) == 0x2c) { pos++; hi = parseInt(); if (hi < 0) hi = -2; }
      if (bad) return;
      if (lo < 0 || pos >= srcEnd || load<u8>(pos) != 0x7d) { pos = save; return; } // literal '{'
      pos++;
      if (hi != -2 && hi < lo) { bad = true; return; }
      let fragEnd = codeLen;
      if (lo == 0) {
        // x{0,m} / x{0,}: keep one copy as optional or starred
        if (hi == -2) star(start);
        else if (hi == 0) { codeLen = start; }
        else {
          quest(start);
          let s2 = start, e2 = codeLen;
          for (let i = 1; i < hi; i++) copyFragment(s2, e2);
        }
      } else {
        for (let i = 1; i < lo; i++) copyFragment(start, fragEnd);
        if (hi == -2) { let s3 = codeLen; copyFragment(start, fragEnd); star(s3); }
        else for (let i = lo; i < hi; i++) { let s3 = codeLen; copyFragment(start, fragEnd); quest(s3); }
      }
      if (codeLen > 100000) { bad = true; return; }
    } else break;
    if (pos < srcEnd && load<u8>(pos) == 0x3f) pos++; // lazy modifier: same match set
  }
}

function parseConcat(): void {
  while (pos < srcEnd) {
    let c = load<u8>(pos);
    if (c == 0x7c || c == 0x29) return;
    parseRepeat();
    if (bad) return;
  }
}

function parseAlt(): void {
  let start = codeLen;
  parseConcat();
  if (bad) return;
  while (pos < srcEnd && load<u8>(pos) == 0x7c) {
    pos++;
    // L: SPLIT +1, +(len+2); left; JMP to end; right
    let len = codeLen - start;
    insertBefore(start, 1);
    setInstr(start, OP_SPLIT, 1, <i32>len + 2);
    let jmp = emit(OP_JMP, 0, 0);
    parseConcat();
    if (bad) return;
    setInstr(jmp, OP_JMP, <i32>(codeLen - jmp), 0);
  }
}

function compile(p: usize, n: u32): bool {
  code = 0; codeLen = 0; codeCap = 0;
  src = p; srcEnd = p + n; pos = p; bad = false; foldCase = false; dotNl = false; multiLine = false;
  // leading flag group (?i) (?s) (?m) and combinations
  if (n >= 4 && load<u8>(p) == 0x28 && load<u8>(p + 1) == 0x3f) {
    let q = p + 2;
    while (q < srcEnd) {
      let c = load<u8>(q);
      if (c == 0x69) foldCase = true; else if (c == 0x73) dotNl = true; else if (c == 0x6d) multiLine = true; else break;
      q++;
    }
    if (q < srcEnd && load<u8>(q) == 0x29 && q > p + 2) pos = q + 1;
    else { foldCase = false; dotNl = false; multiLine = false; }
  }
  parseAlt();
  if (pos < srcEnd) bad = true;
  if (bad) return false;
  emit(OP_MATCH, 0, 0);
  return true;
}

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

