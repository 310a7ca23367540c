// Native builtins: net.cidr_contains (IPv4 and IPv6), units.parse, units.parse_bytes,
// semver.is_valid, semver.compare.
import { alloc } from "./alloc";
import { lenOf, strPtr, opa_boolean, opa_number_float, opa_number_ref } from "./value";
import { builtinErr, builtinErrS } from "./errors";
import { needStr, isStr, intResult } from "./helpers";

// ---- IP addresses: parsed into 16 bytes (IPv4 as ::ffff:a.b.c.d) ----
const IPBUF_A = memory.data(16, 8);
const IPBUF_B = memory.data(16, 8);
let ipIsV4 = false;
let ipPrefix: i32 = -1;

function parseV4(p: usize, n: u32, out: usize): bool {
  let part: u32 = 0, val: u32 = 0, digits: u32 = 0;
  for (let i: u32 = 0; i <= n; i++) {
    if (i == n || load<u8>(p + i) == 0x2e) {
      if (digits == 0 || val > 255 || part > 3) return false;
      store<u8>(out + 12 + part, <u8>val);
      part++; val = 0; digits = 0;
      continue;
    }
    let c = <u32>load<u8>(p + i) - 0x30;
    if (c > 9) return false;
    if (digits > 0 && val == 0) return false; // no leading zeros
    val = val * 10 + c; digits++;
  }
  if (part != 4) return false;
  memory.fill(out, 0, 10); store<u8>(out + 10, 0xff); store<u8>(out + 11, 0xff);
  return true;
}

function hexv(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>c - 0x30;
  if (c >= 0x61 && c <= 0x66) return <i32>c - 0x57;
  if (c >= 0x41 && c <= 0x46) return <i32>c - 0x37;
  return -1;
}

function parseV6(p: usize, n: u32, out: usize): bool {
  memory.fill(out, 0, 16);
  let groups = alloc(16); // up to 8 u16 before expansion
  let ng: i32 = 0, gap: i32 = -1;
  let i: u32 = 0;
  if (n >= 2 && load<u8>(p) == 0x3a && load<u8>(p + 1) == 0x3a) { gap = 0; i = 2; }
  else if (n > 0 && load<u8>(p) == 0x3a) return false;
  while (i < n) {
    // embedded IPv4 tail
    let j = i; let dot = false;
    while (j < n && load<u8>(p + j) != 0x3a) { if (load<u8>(p + j) == 0x2e) dot = true; j++; }
    if (dot) {
      if (j != n || ng > 6) return false;
      let tmp = alloc(16);
      if (!parseV4(p + i, n - i, tmp)) return false;
      store<u16>(groups + (<usize>ng << 1), (<u16>load<u8>(tmp + 12) << 8) | load<u8>(tmp + 13)); ng++;
      store<u16>(groups + (<usize>ng << 1), (<u16>load<u8>(tmp + 14) << 8) | load<u8>(tmp + 15)); ng++;
      i = n;
      break;
    }
    let v: i32 = 0, k: u32 = 0;
    while (i < n && load<u8>(p + i) != 0x3a) { let h = hexv(load<u8>(p + i)); if (h < 0 || k >= 4) return false; v = (v << 4) | h; i++; k++; }
    if (k == 0 || ng >= 8) return false;
    store<u16>(groups + (<usize>ng << 1), <u16>v); ng++;
    if (i < n) {
      i++; // ':'
      if (i < n && load<u8>(p + i) == 0x3a) { if (gap >= 0) return false; gap = ng; i++; }
      else if (i == n) return false;
    }
  }
  if (gap < 0 && ng != 8) return false;
  if (gap >= 0 && ng > 7) return false;
  let fill = 8 - ng;
  let w: i32 = 0;
  for (let g: i32 = 0; g < ng; g++) {
    if (g == gap) w += fill;
    let v = load<u16>(groups + (<usize>g << 1));
    store<u8>(out + (<usize>w << 1), <u8>(v >> 8)); store<u8>(out + (<usize>w << 1) + 1, <u8>v);
    w++;
  }
  return true;
}

// parseAddr parses "ip" or "ip/len" into out; ipPrefix is the prefix length in IPv6 bits
// (or -1 without a prefix).
function parseAddr(p: usize, n: u32, out: usize, allowPrefix: bool): bool {
  let slash: i32 = -1;
  for (let i: u32 = 0; i < n; i++) if (load<u8>(p + i) == 0x2f) { slash = <i32>i; break; }
  let an = slash >= 0 ? <u32>slash : n;
  ipPrefix = -1;
  let v4 = true;
  for (let i: u32 = 0; i < an; i++) if (load<u8>(p + i) == 0x3a) { v4 = false; break; }
  if (!(v4 ? parseV4(p, an, out) : parseV6(p, an, out))) return false;
  ipIsV4 = v4;
  if (slash >= 0) {
    if (!allowPrefix) return false;
    let bits: i32 = 0, k: u32 = 0;
    for (let i = <u32>slash + 1; i < n; i++) { let c = <u32>load<u8>(p + i) - 0x30; if (c > 9 || k > 3) return false; bits = bits * 10 + <i32>c; k++; }
    if (k == 0 || bits > (v4 ? 32 : 128)) return false;
    ipPrefix = v4 ? bits + 96 : bits;
  }
  return true;
}

function prefixEq(a: usize, b: usize, bits: i32): bool {
  let full = bits >> 3;
  for (let i = 0; i < full; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  let rem = bits & 7;
  if (rem == 0) return true;
  let mask = <u8>(<u32>0xff << <u32>(8 - rem));
  return (load<u8>(a + full) & mask) == (load<u8>(b + full) & mask);
}

export function builtin_net_cidr_contains(cidr: usize, x: usize): usize {
  if (!needStr("net.cidr_contains", 1, cidr) || !needStr("net.cidr_contains", 2, x)) return 0;
  if (!parseAddr(strPtr(cidr), lenOf(cidr), IPBUF_A, true) || ipPrefix < 0)
    return builtinErrS("net.cidr_contains", "invalid CIDR address: ", cidr, "");
  let outerBits = ipPrefix, outerV4 = ipIsV4;
  if (!parseAddr(strPtr(x), lenOf(x), IPBUF_B, true))
    return builtinErrS("net.cidr_contains", "invalid CIDR address: ", x, "");
  if (outerV4 != ipIsV4) return opa_boolean(0);
  let innerBits = ipPrefix < 0 ? 128 : ipPrefix;
  if (innerBits < outerBits) return opa_boolean(0);
  return opa_boolean(prefixEq(IPBUF_A, IPBUF_B, outerBits) ? 1 : 0);
}

export function builtin_net_cidr_is_valid(c: usize): usize {
  if (!isStr(c)) return opa_boolean(0);
  return opa_boolean(parseAddr(strPtr(c), lenOf(c), IPBUF_A, true) && ipPrefix >= 0 ? 1 : 0);
}

// net.cidr_intersects: two networks overlap when one contains the other's prefix.
export function builtin_net_cidr_intersects(a: usize, b: usize): usize {
  if (!needStr("net.cidr_intersects", 1, a) || !needStr("net.cidr_intersects", 2, b)) return 0;
  if (!parseAddr(strPtr(a), lenOf(a), IPBUF_A, true) || ipPrefix < 0) return builtinErrS("net.cidr_intersects", "invalid CIDR address: ", a, "");
  let bitsA = ipPrefix, v4 = ipIsV4;
  if (!parseAddr(strPtr(b), lenOf(b), IPBUF_B, true) || ipPrefix < 0) return builtinErrS("net.cidr_intersects", "invalid CIDR address: ", b, "");
  if (v4 != ipIsV4) return opa_boolean(0);
  let bits = bitsA < ipPrefix ? bitsA : ipPrefix;
  return opa_boolean(prefixEq(IPBUF_A, IPBUF_B, bits) ? 1 : 0);
}

// ---- units ----

// parseAmount reads [digits][.digits][(e|E)[+-]digits] as mantissa m × 10^exp; returns the
// index after the number, -1 when there is none, -2 when malformed.
let amM: f64 = 0;
let amExp: i32 = 0;
function parseAmount(p: usize, n: u32): i32 {
  let i: u32 = 0;
  let negative = n > 1 && load<u8>(p) == 0x2d;
  if (negative) i++;
  let start = i;
  while (i < n && (<u32>load<u8>(p + i) - 0x30 <= 9 || load<u8>(p + i) == 0x2e)) i++;
  if (i == start) return -1;
  let m: f64 = 0, exp: i32 = 0, dots = 0, digits = 0;
  for (let j = start; j < i; j++) {
    let c = load<u8>(p + j);
    if (c == 0x2e) { dots++; continue; }
    digits++;
    if (m < 1e17) { m = m * 10 + <f64>(c - 0x30); if (dots) exp--; } else if (!dots) exp++;
  }
  if (dots > 1 || digits == 0) return -2;
  // exponent only when followed by digits
  if (i + 1 < n && (load<u8>(p + i) == 0x65 || load<u8>(p + i) == 0x45)) {
    let k = i + 1;
    let sign: i32 = 1;
    if (load<u8>(p + k) == 0x2d || load<u8>(p + k) == 0x2b) { if (load<u8>(p + k) == 0x2d) sign = -1; k++; }
    if (k < n && <u32>load<u8>(p + k) - 0x30 <= 9) {
      let e: i32 = 0;
      while (k < n && <u32>load<u8>(p + k) - 0x30 <= 9) { if (e < 100000) e = e * 10 + <i32>(load<u8>(p + k) - 0x30); k++; }
      exp += sign * e;
      i = k;
    }
  }
  amM = negative ? -m : m; amExp = exp;
  return <i32>i;
}

function lower(c: u32): u32 { return c >= 0x41 && c <= 0x5a ? c + 32 : c; }

// unitScale: returns [decimal exponent, binary exponent] packed, or -1 when unknown.
let uDec: i32 = 0, uBin: i32 = 0;
function unitScale(p: usize, n: u32, bytes: bool): bool {
  uDec = 0; uBin = 0;
  if (n == 0) return true;
  if (bytes && n >= 1 && lower(load<u8>(p + n - 1)) == 0x62) n--; // trailing b / B
  if (n == 0) return bytes;
  let c = lower(load<u8>(p));
  let bin = n == 2 && lower(load<u8>(p + 1)) == 0x69;
  if (n > 2 || (n == 2 && !bin)) return false;
  if (!bytes && n == 1 && load<u8>(p) == 0x6d) { uDec = -3; return true; } // milli
  let k: i32 = 0;
  switch (c) {
    case 0x6b: k = 1; break; case 0x6d: k = 2; break; case 0x67: k = 3; break;
    case 0x74: k = 4; break; case 0x70: k = 5; break; case 0x65: k = 6; break;
    default: return false;
  }
  if (bin) uBin = 10 * k; else uDec = 3 * k;
  return true;
}

function unitsParse(name: string, s: usize, bytes: bool): usize {
  if (!needStr(name, 1, s)) return 0;
  let p0 = strPtr(s), n0 = lenOf(s);
  for (let i: u32 = 0; i < n0; i++) if (load<u8>(p0 + i) == 0x20) return builtinErr(name, "spaces not allowed in resource strings");
  // strip quotes
  let p = alloc(n0), n: u32 = 0;
  for (let i: u32 = 0; i < n0; i++) { let c = load<u8>(p0 + i); if (c != 0x22) { store<u8>(p + n, c); n++; } }
  let end = parseAmount(p, n);
  if (end == -1) return builtinErr(name, bytes ? "no byte amount provided" : "no amount provided");
  if (end == -2) return builtinErr(name, bytes ? "could not parse byte amount to a number" : "could not parse amount to a number");
  if (!unitScale(p + <u32>end, n - <u32>end, bytes)) return builtinErr(name, bytes ? "no byte amount provided" : "no amount provided");
  let exp = amExp + uDec;
  if (exp > 300 || exp < -300) return builtinErr(name, "exponent too large");
  let v = amM * Math.pow(2, <f64>uBin);
  v = exp >= 0 ? v * Math.pow(10, <f64>exp) : v / Math.pow(10, <f64>(-exp));
  if (!isFinite(v)) return builtinErr(name, "exponent too large");
  if (bytes) v = v < 0 ? Math.ceil(v) : Math.floor(v);
  if (v == Math.floor(v) && v >= 9.0e15 && v < 1.8446744073709552e19) {
    // exact integer text for big results (u64 range)
    let u = <u64>v;
    let buf = alloc(24), k = 0;
    let tmp = alloc(24);
    do { store<u8>(tmp + k, <u8>(0x30 + <u32>(u % 10))); u /= 10; k++; } while (u);
    for (let i = 0; i < k; i++) store<u8>(buf + i, load<u8>(tmp + k - 1 - i));
    return opa_number_ref(buf, k);
  }
  return opa_number_float(v);
}

export function builtin_units_parse(s: usize): usize { return unitsParse("units.parse", s, false); }
export function builtin_units_parse_bytes(s: usize): usize { return unitsParse("units.parse_bytes", s, true); }

// ---- semver ----

let svMajor: i64 = 0, svMinor: i64 = 0, svPatch: i64 = 0;
let svPre: usize = 0, svPreN: u32 = 0;

function numIdent(p: usize, a: u32, b: u32): i64 {
  if (a == b) return -1;
  if (b - a > 1 && load<u8>(p + a) == 0x30) return -1;
  let v: i64 = 0;
  for (let i = a; i < b; i++) { let c = <u32>load<u8>(p + i) - 0x30; if (c > 9 || v > 100000000000000) return -1; v = v * 10 + c; }
  return v;
}

function identOk(p: usize, a: u32, b: u32, isPre: bool): bool {
  if (a == b) return false;
  let allDigits = true;
  for (let i = a; i < b; i++) {
    let c = <u32>load<u8>(p + i);
    let digit = c >= 0x30 && c <= 0x39;
    if (!digit) allDigits = false;
    if (!(digit || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d)) return false;
  }
  if (isPre && allDigits && b - a > 1 && load<u8>(p + a) == 0x30) return false;
  return true;
}

function parseSemver(s: usize): bool {
  let p = strPtr(s), n = lenOf(s);
  let i: u32 = 0;
  let parts = alloc(24);
  for (let k = 0; k < 3; k++) {
    let st = i;
    while (i < n && <u32>load<u8>(p + i) - 0x30 <= 9) i++;
    let v = numIdent(p, st, i);
    if (v < 0) return false;
    store<i64>(parts + k * 8, v);
    if (k < 2) { if (i >= n || load<u8>(p + i) != 0x2e) return false; i++; }
  }
  svMajor = load<i64>(parts); svMinor = load<i64>(parts, 8); svPatch = load<i64>(parts, 16);
  svPre = 0; svPreN = 0;
  if (i < n && load<u8>(p + i) == 0x2d) {
    i++;
    let st = i;
    while (i < n && load<u8>(p + i) != 0x2b) i++;
    let a = st;
    for (let j = st; j <= i; j++) {
      if (j == i || load<u8>(p + j) == 0x2e) { if (!identOk(p, a, j, true)) return false; a = j + 1; }
    }
    svPre = p + st; svPreN = i - st;
  }
  if (i < n && load<u8>(p + i) == 0x2b) {
    i++;
    let a = i;
    for (let j = i; j <= n; j++) {
      if (j == n || load<u8>(p + j) == 0x2e) { if (!identOk(p, a, j, false)) return false; a = j + 1; }
    }
    i = n;
  }
  return i == n;
}

function cmpI(a: i64, b: i64): i32 { return a == b ? 0 : (a < b ? -1 : 1); }

function comparePre(ap: usize, an: u32, bp: usize, bn: u32): i32 {
  if (an == 0 || bn == 0) return an == bn ? 0 : (an == 0 ? 1 : -1);
  let i: u32 = 0, j: u32 = 0;
  while (i < an && j < bn) {
    let ie = i; while (ie < an && load<u8>(ap + ie) != 0x2e) ie++;
    let je = j; while (je < bn && load<u8>(bp + je) != 0x2e) je++;
    let x = numIdent(ap, i, ie), y = numIdent(bp, j, je);
    let c: i32 = 0;
    if (x >= 0 && y >= 0) c = cmpI(x, y);
    else if (x >= 0) c = -1;
    else if (y >= 0) c = 1;
    else {
      let l1 = ie - i, l2 = je - j, m = l1 < l2 ? l1 : l2;
      for (let k: u32 = 0; k < m && c == 0; k++) { let a = load<u8>(ap + i + k), b = load<u8>(bp + j + k); if (a != b) c = a < b ? -1 : 1; }
      if (c == 0 && l1 != l2) c = l1 < l2 ? -1 : 1;
    }
    if (c) return c;
    i = ie + 1; j = je + 1;
  }
  if (i >= an && j >= bn) return 0;
  return i >= an ? -1 : 1;
}

export function builtin_semver_is_valid(s: usize): usize {
  return opa_boolean(isStr(s) && parseSemver(s) ? 1 : 0);
}

export function builtin_semver_compare(a: usize, b: usize): usize {
  if (!needStr("semver.compare", 1, a) || !needStr("semver.compare", 2, b)) return 0;
  if (!parseSemver(b)) return builtinErrS("semver.compare", "operand 2: string \"", b, "\" is not a valid SemVer");
  let M = svMajor, m = svMinor, pt = svPatch, pre = svPre, preN = svPreN;
  if (!parseSemver(a)) return builtinErrS("semver.compare", "operand 1: string \"", a, "\" is not a valid SemVer");
  let c = cmpI(svMajor, M);
  if (!c) c = cmpI(svMinor, m);
  if (!c) c = cmpI(svPatch, pt);
  if (!c) c = comparePre(svPre, svPreN, pre, preN);
  return intResult(c);
}

