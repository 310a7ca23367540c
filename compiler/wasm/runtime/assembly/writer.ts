// A growable byte buffer on the bump heap. While it is the last block on the heap it
// grows in place, so dumping a value is one pass with no copying.
import { alloc, realloc } from "./alloc";

// Writer state lives in globals; begin() returns the previous state token so nested
// writers (sprintf inside a dump, etc.) can restore it with end().
export let wBuf: usize = 0;
export let wLen: u32 = 0;
export let wCap: u32 = 0;

export function wBegin(cap: u32): usize {
  let saved = alloc(12);
  store<u32>(saved, <u32>wBuf); store<u32>(saved, wLen, 4); store<u32>(saved, wCap, 8);
  wBuf = alloc(cap); wLen = 0; wCap = cap;
  return saved;
}

export function wRestore(saved: usize): void {
  wBuf = <usize>load<u32>(saved); wLen = load<u32>(saved, 4); wCap = load<u32>(saved, 8);
}

export function wReserve(n: u32): usize {
  if (wLen + n > wCap) {
    let nc = (wCap << 1) + n;
    wBuf = realloc(wBuf, wCap, nc);
    wCap = nc;
  }
  return wBuf + wLen;
}

// @ts-ignore: decorator
@inline export function wByte(b: u32): void {
  if (wLen >= wCap) wReserve(1);
  store<u8>(wBuf + wLen, <u8>b);
  wLen++;
}

export function wBytes(p: usize, n: u32): void {
  let d = wReserve(n);
  memory.copy(d, p, n);
  wLen += n;
}

// wAscii writes an AssemblyScript string literal (ASCII/UTF-16) as UTF-8.
export function wStr(s: string): void {
  let n = <u32>s.length;
  let p = changetype<usize>(s);
  for (let i: u32 = 0; i < n; i++) {
    let c = <u32>load<u16>(p + (<usize>i << 1));
    if (c < 0x80) wByte(c);
    else if (c < 0x800) { wByte(0xc0 | (c >> 6)); wByte(0x80 | (c & 0x3f)); }
    else { wByte(0xe0 | (c >> 12)); wByte(0x80 | ((c >> 6) & 0x3f)); wByte(0x80 | (c & 0x3f)); }
  }
}

// wInt writes a decimal integer.
export function wInt(i: i64): void {
  let neg = i < 0;
  let u: u64 = neg ? <u64>(-i) : <u64>i;
  let digits: u32 = 1;
  for (let t = u; t >= 10; t /= 10) digits++;
  let d = wReserve(digits + 1);
  if (neg) { store<u8>(d, 0x2d); d++; wLen++; }
  for (let k = digits; k > 0; k--) { store<u8>(d + k - 1, <u8>(0x30 + <u32>(u % 10))); u /= 10; }
  wLen += digits;
}
