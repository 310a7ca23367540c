// Regular-expression compiler for the Pike VM in regex.ts: RE2 syntax (minus Unicode and
// POSIX classes; (?i) folds by Unicode's simple case folding, as RE2 does) parsed by
// recursive descent straight into 12-byte instructions with relative jumps, so a quantified
// fragment can be copied or wrapped without relocation.
import { alloc, realloc } from "./alloc";
import { decodeAt, utf8Len } from "./helpers";
import { foldRunCount, foldRunEnd, foldRunStart, nextFold } from "./case-map";

export const OP_CHAR: u32 = 1, OP_ANY: u32 = 2, OP_CLASS: u32 = 3, OP_SPLIT: u32 = 4, OP_JMP: u32 = 5,
  OP_MATCH: u32 = 6, OP_BOL: u32 = 7, OP_EOL: u32 = 8, OP_WORDB: u32 = 9, OP_NWORDB: u32 = 10,
  OP_BOT: u32 = 11, OP_EOT: u32 = 12, OP_ANYNL: u32 = 13;

// program: 12-byte instructions (op, a, b); jumps are relative to the instruction.
export let code: usize = 0;
export let codeLen: u32 = 0;
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
// Under (?i) a class also holds every case-folding partner of what it holds (RE2 folds by
// Unicode's simple folding: k also matches K and the Kelvin sign, s also matches ſ), before
// a [^...] or \W negates it, as Go's regexp/syntax does.
function clsEnd(neg: bool): void {
  if (foldCase) { let n = clsN; for (let i: u32 = 0; i < n; i++) addFoldPartners(load<u32>(cls + 4 + i * 8), load<u32>(cls + 8 + i * 8)); }
  store<u32>(cls, clsN); emit(OP_CLASS, <i32>cls, neg ? 1 : 0);
}

// Adds the folding partners outside [lo, hi] of the cased code points inside it, visiting
// only the fold table's runs (a range as wide as [\x{0}-\x{10ffff}] stays cheap).
function addFoldPartners(lo: u32, hi: u32): void {
  for (let i: u32 = 0, runs = foldRunCount(); i < runs; i++) {
    let s = foldRunStart(i), e = foldRunEnd(i);
    if (e < lo) continue;
    if (s > hi) break;
    let b = e < hi ? e : hi;
    for (let cp = s > lo ? s : lo; cp <= b; cp++) {
      // an orbit has at most four members; the bound keeps a bad table from looping
      let f = nextFold(cp);
      for (let k = 0; f != cp && k < 8; k++) { if (f < lo || f > hi) clsAdd(f, f); f = nextFold(f); }
    }
  }
}

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
  if (foldCase && nextFold(c) != c) { clsBegin(); clsAdd(c, c); clsEnd(false); return; }
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

export function compile(p: usize, n: u32): bool {
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

