// Base64 (standard and URL alphabets) encoding and decoding over string values, shared by
// the base64 builtins and io.jwt.decode. Not exported from the module.
import { alloc } from "./alloc";
import { lenOf, strPtr, opa_string } from "./value";


const B64 = memory.data<u8>([65,66,67,68,69,70,71,72,73,74,75,76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,97,98,99,100,101,102,103,104,105,106,107,108,109,110,111,112,113,114,115,116,117,118,119,120,121,122,48,49,50,51,52,53,54,55,56,57,43,47]);

export function b64encode(s: usize, url: bool, pad: bool): usize {
  let p = strPtr(s), n = lenOf(s);
  let out = alloc((n + 2) / 3 * 4), k: u32 = 0;
  let i: u32 = 0;
  while (i + 3 <= n) {
    let v = (<u32>load<u8>(p + i) << 16) | (<u32>load<u8>(p + i + 1) << 8) | <u32>load<u8>(p + i + 2);
    for (let j = 18; j >= 0; j -= 6) { store<u8>(out + k, b64char((v >> j) & 63, url)); k++; }
    i += 3;
  }
  let rest = n - i;
  if (rest) {
    let v = <u32>load<u8>(p + i) << 16;
    if (rest == 2) v |= <u32>load<u8>(p + i + 1) << 8;
    store<u8>(out + k, b64char((v >> 18) & 63, url)); k++;
    store<u8>(out + k, b64char((v >> 12) & 63, url)); k++;
    if (rest == 2) { store<u8>(out + k, b64char((v >> 6) & 63, url)); k++; }
    else if (pad) { store<u8>(out + k, 0x3d); k++; }
    if (pad) { store<u8>(out + k, 0x3d); k++; }
  }
  return opa_string(out, k);
}

function b64char(i: u32, url: bool): u8 {
  if (url && i == 62) return 0x2d;
  if (url && i == 63) return 0x5f;
  return load<u8>(B64 + i);
}

function b64val(c: u32, url: bool): i32 {
  if (c >= 0x41 && c <= 0x5a) return <i32>c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return <i32>c - 0x61 + 26;
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30 + 52;
  if (c == (url ? 0x2d : 0x2b)) return 62;
  if (c == (url ? 0x5f : 0x2f)) return 63;
  return -1;
}

export let b64ErrAt: i32 = 0;

// b64decode returns 0 on malformed input (b64ErrAt = offending byte offset).
export function b64decode(s: usize, url: bool, padOptional: bool): usize {
  let p = strPtr(s), n = lenOf(s);
  let out = alloc(n), k: u32 = 0;
  let acc: u32 = 0, bits: u32 = 0, i: u32 = 0, count: u32 = 0;
  for (; i < n; i++) {
    let c = <u32>load<u8>(p + i);
    if (c == 0x0a || c == 0x0d) continue;
    if (c == 0x3d) break;
    let v = b64val(c, url);
    if (v < 0) { b64ErrAt = <i32>i; return 0; }
    acc = (acc << 6) | <u32>v; bits += 6; count++;
    if (bits >= 8) { bits -= 8; store<u8>(out + k, <u8>(acc >> bits)); k++; }
  }
  let rem = count % 4;
  if (rem == 1) { b64ErrAt = <i32>i; return 0; }
  if (i < n) {
    // padding: must complete the quantum exactly
    let pads: u32 = 0;
    while (i < n && load<u8>(p + i) == 0x3d) { pads++; i++; }
    if (i != n || rem == 0 || rem + pads != 4) { b64ErrAt = <i32>(i < n ? i : n - 1); return 0; }
  } else if (rem != 0 && !padOptional) { b64ErrAt = <i32>n; return 0; }
  return opa_string(out, k);
}

// base64Decode decodes a string value (url alphabet, padding optional when url); 0 if malformed.
export function base64Decode(s: usize, url: bool): usize { return b64decode(s, url, url); }

