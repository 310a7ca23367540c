// Native hash builtins: crypto.md5, crypto.sha1, crypto.sha256, crypto.sha512 and their
// crypto.hmac.* forms (hex digests of a string's UTF-8 bytes), crypto.hmac.equal.
import { alloc } from "./alloc";
import { lenOf, strPtr, opa_string, opa_boolean } from "./value";
import { needStr } from "./helpers";

const K256 = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const K512 = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc, 0x3956c25bf348b538,
  0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118, 0xd807aa98a3030242, 0x12835b0145706fbe,
  0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2, 0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235,
  0xc19bf174cf692694, 0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5, 0x983e5152ee66dfab,
  0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4, 0xc6e00bf33da88fc2, 0xd5a79147930aa725,
  0x06ca6351e003826f, 0x142929670a0e6e70, 0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed,
  0x53380d139d95b3df, 0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30, 0xd192e819d6ef5218,
  0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8, 0x19a4c116b8d2d0c8, 0x1e376c085141ab53,
  0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8, 0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373,
  0x682e6ff3d6b2b8a3, 0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b, 0xca273eceea26619c,
  0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178, 0x06f067aa72176fba, 0x0a637dc5a2c898a6,
  0x113f9804bef90dae, 0x1b710b35131c471b, 0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc,
  0x431d67c49c100d4c, 0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);

const MD5_S = memory.data<u8>([7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
  5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
  6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21]);

const ALG_MD5 = 0, ALG_SHA1 = 1, ALG_SHA256 = 2, ALG_SHA512 = 3;

function blockSize(alg: i32): u32 { return alg == ALG_SHA512 ? 128 : 64; }
function digestSize(alg: i32): u32 { return alg == ALG_MD5 ? 16 : alg == ALG_SHA1 ? 20 : alg == ALG_SHA256 ? 32 : 64; }

let padLen: u32 = 0;
function padded(p: usize, n: u32, alg: i32): usize {
  let bs = blockSize(alg), lenBytes: u32 = alg == ALG_SHA512 ? 16 : 8;
  let total = ((n + 1 + lenBytes + bs - 1) / bs) * bs;
  let m = alloc(total);
  memory.copy(m, p, n);
  store<u8>(m + n, 0x80);
  memory.fill(m + n + 1, 0, total - n - 1);
  let bits = <u64>n << 3;
  if (alg == ALG_MD5) store<u64>(m + total - 8, bits);
  else store<u64>(m + total - 8, bswap<u64>(bits));
  padLen = total;
  return m;
}

function md5(p: usize, n: u32, out: usize): void {
  let m = padded(p, n, ALG_MD5);
  let a0: u32 = 0x67452301, b0: u32 = 0xefcdab89, c0: u32 = 0x98badcfe, d0: u32 = 0x10325476;
  for (let off: u32 = 0; off < padLen; off += 64) {
    let a = a0, b = b0, c = c0, d = d0;
    for (let i: u32 = 0; i < 64; i++) {
      let f: u32, g: u32;
      if (i < 16) { f = (b & c) | (~b & d); g = i; }
      else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
      else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
      else { f = c ^ (b | ~d); g = (7 * i) & 15; }
      let k = <u32>(<u64>Math.floor(Math.abs(Math.sin(<f64>(i + 1))) * 4294967296.0));
      f = f + a + k + load<u32>(m + off + (g << 2));
      a = d; d = c; c = b;
      b = b + rotl<u32>(f, load<u8>(MD5_S + i));
    }
    a0 += a; b0 += b; c0 += c; d0 += d;
  }
  store<u32>(out, a0); store<u32>(out, b0, 4); store<u32>(out, c0, 8); store<u32>(out, d0, 12);
}

function sha1(p: usize, n: u32, out: usize): void {
  let m = padded(p, n, ALG_SHA1);
  let w = alloc(80 * 4);
  let h0: u32 = 0x67452301, h1: u32 = 0xefcdab89, h2: u32 = 0x98badcfe, h3: u32 = 0x10325476, h4: u32 = 0xc3d2e1f0;
  for (let off: u32 = 0; off < padLen; off += 64) {
    for (let i: u32 = 0; i < 16; i++) store<u32>(w + (i << 2), bswap<u32>(load<u32>(m + off + (i << 2))));
    for (let i: u32 = 16; i < 80; i++) store<u32>(w + (i << 2), rotl<u32>(load<u32>(w + ((i - 3) << 2)) ^ load<u32>(w + ((i - 8) << 2)) ^ load<u32>(w + ((i - 14) << 2)) ^ load<u32>(w + ((i - 16) << 2)), 1));
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i: u32 = 0; i < 80; i++) {
      let f: u32, k: u32;
      if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
      else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
      else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
      else { f = b ^ c ^ d; k = 0xca62c1d6; }
      let t = rotl<u32>(a, 5) + f + e + k + load<u32>(w + (i << 2));
      e = d; d = c; c = rotl<u32>(b, 30); b = a; a = t;
    }
    h0 += a; h1 += b; h2 += c; h3 += d; h4 += e;
  }
  store<u32>(out, bswap<u32>(h0)); store<u32>(out, bswap<u32>(h1), 4); store<u32>(out, bswap<u32>(h2), 8);
  store<u32>(out, bswap<u32>(h3), 12); store<u32>(out, bswap<u32>(h4), 16);
}

function sha256(p: usize, n: u32, out: usize): void {
  let m = padded(p, n, ALG_SHA256);
  let w = alloc(64 * 4);
  let h = alloc(32);
  store<u32>(h, 0x6a09e667); store<u32>(h, 0xbb67ae85, 4); store<u32>(h, 0x3c6ef372, 8); store<u32>(h, 0xa54ff53a, 12);
  store<u32>(h, 0x510e527f, 16); store<u32>(h, 0x9b05688c, 20); store<u32>(h, 0x1f83d9ab, 24); store<u32>(h, 0x5be0cd19, 28);
  for (let off: u32 = 0; off < padLen; off += 64) {
    for (let i: u32 = 0; i < 16; i++) store<u32>(w + (i << 2), bswap<u32>(load<u32>(m + off + (i << 2))));
    for (let i: u32 = 16; i < 64; i++) {
      let x = load<u32>(w + ((i - 15) << 2)), y = load<u32>(w + ((i - 2) << 2));
      let s0 = rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >> 3);
      let s1 = rotr<u32>(y, 17) ^ rotr<u32>(y, 19) ^ (y >> 10);
      store<u32>(w + (i << 2), load<u32>(w + ((i - 16) << 2)) + s0 + load<u32>(w + ((i - 7) << 2)) + s1);
    }
    let a = load<u32>(h), b = load<u32>(h, 4), c = load<u32>(h, 8), d = load<u32>(h, 12);
    let e = load<u32>(h, 16), f = load<u32>(h, 20), g = load<u32>(h, 24), hh = load<u32>(h, 28);
    for (let i: u32 = 0; i < 64; i++) {
      let S1 = rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25);
      let ch = (e & f) ^ (~e & g);
      let t1 = hh + S1 + ch + load<u32>(K256 + (i << 2)) + load<u32>(w + (i << 2));
      let S0 = rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22);
      let mj = (a & b) ^ (a & c) ^ (b & c);
      let t2 = S0 + mj;
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    store<u32>(h, load<u32>(h) + a); store<u32>(h, load<u32>(h, 4) + b, 4); store<u32>(h, load<u32>(h, 8) + c, 8);
    store<u32>(h, load<u32>(h, 12) + d, 12); store<u32>(h, load<u32>(h, 16) + e, 16); store<u32>(h, load<u32>(h, 20) + f, 20);
    store<u32>(h, load<u32>(h, 24) + g, 24); store<u32>(h, load<u32>(h, 28) + hh, 28);
  }
  for (let i: u32 = 0; i < 8; i++) store<u32>(out + (i << 2), bswap<u32>(load<u32>(h + (i << 2))));
}

function sha512(p: usize, n: u32, out: usize): void {
  let m = padded(p, n, ALG_SHA512);
  let w = alloc(80 * 8);
  let h = alloc(64);
  store<u64>(h, 0x6a09e667f3bcc908); store<u64>(h, 0xbb67ae8584caa73b, 8); store<u64>(h, 0x3c6ef372fe94f82b, 16);
  store<u64>(h, 0xa54ff53a5f1d36f1, 24); store<u64>(h, 0x510e527fade682d1, 32); store<u64>(h, 0x9b05688c2b3e6c1f, 40);
  store<u64>(h, 0x1f83d9abfb41bd6b, 48); store<u64>(h, 0x5be0cd19137e2179, 56);
  for (let off: u32 = 0; off < padLen; off += 128) {
    for (let i: u32 = 0; i < 16; i++) store<u64>(w + (i << 3), bswap<u64>(load<u64>(m + off + (i << 3))));
    for (let i: u32 = 16; i < 80; i++) {
      let x = load<u64>(w + ((i - 15) << 3)), y = load<u64>(w + ((i - 2) << 3));
      let s0 = rotr<u64>(x, 1) ^ rotr<u64>(x, 8) ^ (x >> 7);
      let s1 = rotr<u64>(y, 19) ^ rotr<u64>(y, 61) ^ (y >> 6);
      store<u64>(w + (i << 3), load<u64>(w + ((i - 16) << 3)) + s0 + load<u64>(w + ((i - 7) << 3)) + s1);
    }
    let a = load<u64>(h), b = load<u64>(h, 8), c = load<u64>(h, 16), d = load<u64>(h, 24);
    let e = load<u64>(h, 32), f = load<u64>(h, 40), g = load<u64>(h, 48), hh = load<u64>(h, 56);
    for (let i: u32 = 0; i < 80; i++) {
      let S1 = rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41);
      let ch = (e & f) ^ (~e & g);
      let t1 = hh + S1 + ch + load<u64>(K512 + (i << 3)) + load<u64>(w + (i << 3));
      let S0 = rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39);
      let mj = (a & b) ^ (a & c) ^ (b & c);
      hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + S0 + mj;
    }
    store<u64>(h, load<u64>(h) + a); store<u64>(h, load<u64>(h, 8) + b, 8); store<u64>(h, load<u64>(h, 16) + c, 16);
    store<u64>(h, load<u64>(h, 24) + d, 24); store<u64>(h, load<u64>(h, 32) + e, 32); store<u64>(h, load<u64>(h, 40) + f, 40);
    store<u64>(h, load<u64>(h, 48) + g, 48); store<u64>(h, load<u64>(h, 56) + hh, 56);
  }
  for (let i: u32 = 0; i < 8; i++) store<u64>(out + (i << 3), bswap<u64>(load<u64>(h + (i << 3))));
}

function digest(alg: i32, p: usize, n: u32, out: usize): void {
  if (alg == ALG_MD5) md5(p, n, out);
  else if (alg == ALG_SHA1) sha1(p, n, out);
  else if (alg == ALG_SHA256) sha256(p, n, out);
  else sha512(p, n, out);
}

function hexValue(p: usize, n: u32): usize {
  let out = alloc(n * 2);
  for (let i: u32 = 0; i < n; i++) {
    let b = <u32>load<u8>(p + i);
    let hi = b >> 4, lo = b & 15;
    store<u8>(out + i * 2, <u8>(hi < 10 ? 0x30 + hi : 0x57 + hi));
    store<u8>(out + i * 2 + 1, <u8>(lo < 10 ? 0x30 + lo : 0x57 + lo));
  }
  return opa_string(out, n * 2);
}

function hashBuiltin(name: string, alg: i32, s: usize): usize {
  if (!needStr(name, 1, s)) return 0;
  let out = alloc(64);
  digest(alg, strPtr(s), lenOf(s), out);
  return hexValue(out, digestSize(alg));
}

function hmac(name: string, alg: i32, s: usize, key: usize): usize {
  if (!needStr(name, 1, s) || !needStr(name, 2, key)) return 0;
  let bs = blockSize(alg), ds = digestSize(alg);
  let k = alloc(bs);
  memory.fill(k, 0, bs);
  if (lenOf(key) > bs) digest(alg, strPtr(key), lenOf(key), k);
  else memory.copy(k, strPtr(key), lenOf(key));
  let n = lenOf(s);
  let inner = alloc(bs + n);
  for (let i: u32 = 0; i < bs; i++) store<u8>(inner + i, load<u8>(k + i) ^ 0x36);
  memory.copy(inner + bs, strPtr(s), n);
  let ih = alloc(64);
  digest(alg, inner, bs + n, ih);
  let outer = alloc(bs + ds);
  for (let i: u32 = 0; i < bs; i++) store<u8>(outer + i, load<u8>(k + i) ^ 0x5c);
  memory.copy(outer + bs, ih, ds);
  let oh = alloc(64);
  digest(alg, outer, bs + ds, oh);
  return hexValue(oh, ds);
}

export function builtin_crypto_md5(s: usize): usize { return hashBuiltin("crypto.md5", ALG_MD5, s); }
export function builtin_crypto_sha1(s: usize): usize { return hashBuiltin("crypto.sha1", ALG_SHA1, s); }
export function builtin_crypto_sha256(s: usize): usize { return hashBuiltin("crypto.sha256", ALG_SHA256, s); }
export function builtin_crypto_sha512(s: usize): usize { return hashBuiltin("crypto.sha512", ALG_SHA512, s); }
export function builtin_crypto_hmac_md5(s: usize, k: usize): usize { return hmac("crypto.hmac.md5", ALG_MD5, s, k); }
export function builtin_crypto_hmac_sha1(s: usize, k: usize): usize { return hmac("crypto.hmac.sha1", ALG_SHA1, s, k); }
export function builtin_crypto_hmac_sha256(s: usize, k: usize): usize { return hmac("crypto.hmac.sha256", ALG_SHA256, s, k); }
export function builtin_crypto_hmac_sha512(s: usize, k: usize): usize { return hmac("crypto.hmac.sha512", ALG_SHA512, s, k); }

// crypto.hmac.equal compares two MACs in time independent of where they differ.
export function builtin_crypto_hmac_equal(a: usize, b: usize): usize {
  if (!needStr("crypto.hmac.equal", 1, a) || !needStr("crypto.hmac.equal", 2, b)) return 0;
  let n = lenOf(a);
  if (n != lenOf(b)) return opa_boolean(0);
  let diff: u32 = 0;
  for (let i: u32 = 0; i < n; i++) diff |= <u32>(load<u8>(strPtr(a) + i) ^ load<u8>(strPtr(b) + i));
  return opa_boolean(diff == 0 ? 1 : 0);
}
