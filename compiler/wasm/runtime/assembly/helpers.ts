// Shared helpers for native builtins: typed operand checks, number results, strings from
// literals and byte ranges. Not exported from the module.
import { alloc } from "./alloc";
import {
  T_NUMBER, T_STRING, T_ARRAY, T_SET, T_OBJECT, N_INT, tagOf, lenOf, strPtr, numRepr, numInt,
  opa_string, opa_number_int, opa_number_float,
} from "./value";
import { toF64, toInt, intOut } from "./number";
import { typeErr } from "./errors";

export function isStr(v: usize): bool { return v != 0 && tagOf(v) == T_STRING; }
export function isNum(v: usize): bool { return v != 0 && tagOf(v) == T_NUMBER; }
export function isArr(v: usize): bool { return v != 0 && tagOf(v) == T_ARRAY; }
export function isSet(v: usize): bool { return v != 0 && tagOf(v) == T_SET; }
export function isObj(v: usize): bool { return v != 0 && tagOf(v) == T_OBJECT; }

// sv makes a string value from an AssemblyScript literal (UTF-16 → UTF-8).
export function sv(s: string): usize {
  let n = s.length;
  let p = alloc(<usize>n * 3 + 1);
  let k: u32 = 0;
  let src = changetype<usize>(s);
  for (let i = 0; i < n; i++) {
    let c = <u32>load<u16>(src + (<usize>i << 1));
    if (c < 0x80) { store<u8>(p + k, <u8>c); k++; }
    else if (c < 0x800) { store<u8>(p + k, <u8>(0xc0 | (c >> 6))); store<u8>(p + k + 1, <u8>(0x80 | (c & 0x3f))); k += 2; }
    else { store<u8>(p + k, <u8>(0xe0 | (c >> 12))); store<u8>(p + k + 1, <u8>(0x80 | ((c >> 6) & 0x3f))); store<u8>(p + k + 2, <u8>(0x80 | (c & 0x3f))); k += 3; }
  }
  return opa_string(p, k);
}

// strEq compares a string value with an ASCII literal.
export function strIs(v: usize, s: string): bool {
  if (!isStr(v) || lenOf(v) != <u32>s.length) return false;
  let p = strPtr(v), q = changetype<usize>(s);
  for (let i: u32 = 0; i < lenOf(v); i++) if (<u32>load<u8>(p + i) != <u32>load<u16>(q + (<usize>i << 1))) return false;
  return true;
}

export function numberResult(f: f64): usize { return opa_number_float(f); }
export function intResult(i: i64): usize { return opa_number_int(i); }

// isIntVal: integral number (int repr, or a float/ref with integral value within i64).
export function isIntVal(v: usize): bool { return isNum(v) && (numRepr(v) == N_INT || toInt(v)); }
export function intVal(v: usize): i64 { return numRepr(v) == N_INT ? numInt(v) : (toInt(v) ? intOut : 0); }
export function f64Val(v: usize): f64 { return toF64(v); }

// needStr etc. return true when the operand has the type, else record a type error.
export function needStr(name: string, n: i32, v: usize): bool {
  if (isStr(v)) return true; typeErr(name, n, "string", v); return false;
}
export function needNum(name: string, n: i32, v: usize): bool {
  if (isNum(v)) return true; typeErr(name, n, "number", v); return false;
}
export function needArr(name: string, n: i32, v: usize): bool {
  if (isArr(v)) return true; typeErr(name, n, "array", v); return false;
}
export function needObj(name: string, n: i32, v: usize): bool {
  if (isObj(v)) return true; typeErr(name, n, "object", v); return false;
}
export function needSet(name: string, n: i32, v: usize): bool {
  if (isSet(v)) return true; typeErr(name, n, "set", v); return false;
}

// bytesEq compares byte ranges.
export function bytesEq(a: usize, b: usize, n: u32): bool {
  for (let i: u32 = 0; i < n; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

// indexOfBytes finds needle in hay starting at `from`; -1 when absent.
export function indexOfBytes(h: usize, hn: u32, nd: usize, nn: u32, from: u32): i32 {
  if (nn == 0) return <i32>from;
  if (nn > hn) return -1;
  let first = load<u8>(nd);
  for (let i = from; i + nn <= hn; i++) {
    if (load<u8>(h + i) == first && bytesEq(h + i, nd, nn)) return <i32>i;
  }
  return -1;
}

// utf8Next returns the byte length of the code point starting at p.
export function utf8Len(b: u32): u32 {
  if (b < 0x80) return 1;
  if (b < 0xe0) return 2;
  if (b < 0xf0) return 3;
  return 4;
}

// decodeAt decodes the code point at p (invalid bytes decode as themselves).
export function decodeAt(p: usize): u32 {
  let b = <u32>load<u8>(p);
  if (b < 0x80) return b;
  if (b < 0xe0) return ((b & 0x1f) << 6) | (<u32>load<u8>(p + 1) & 0x3f);
  if (b < 0xf0) return ((b & 0x0f) << 12) | ((<u32>load<u8>(p + 1) & 0x3f) << 6) | (<u32>load<u8>(p + 2) & 0x3f);
  return ((b & 0x07) << 18) | ((<u32>load<u8>(p + 1) & 0x3f) << 12) | ((<u32>load<u8>(p + 2) & 0x3f) << 6) | (<u32>load<u8>(p + 3) & 0x3f);
}

// byteOffsetOfRune returns the byte offset of the i-th code point (or n when past the end).
export function byteOffsetOfRune(p: usize, n: u32, i: i64): u32 {
  let off: u32 = 0;
  let k: i64 = 0;
  while (off < n && k < i) { off += utf8Len(load<u8>(p + off)); k++; }
  return off < n ? off : n;
}

export function runeIndexOfByte(p: usize, off: u32): i32 {
  let k: i32 = 0;
  for (let i: u32 = 0; i < off; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) k++;
  return k;
}

// copyStr makes a new string value from bytes (copying).
export function copyBytes(p: usize, n: u32): usize {
  let q = alloc(n);
  memory.copy(q, p, n);
  return opa_string(q, n);
}
