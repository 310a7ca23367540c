// Value layout (see ../API.md): constructors, accessors, OPA order and equality, and the
// sorted-vector object/set operations every other runtime file builds on.
import { alloc, realloc } from "./alloc";
import { compareNumbers } from "./number";

export const T_NULL: u32 = 1;
export const T_BOOL: u32 = 2;
export const T_NUMBER: u32 = 3;
export const T_STRING: u32 = 4;
export const T_ARRAY: u32 = 5;
export const T_OBJECT: u32 = 6;
export const T_SET: u32 = 7;

export const N_INT: u32 = 0;
export const N_FLOAT: u32 = 1;
export const N_REF: u32 = 2;

const NULL_V = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0], 8);
const TRUE_V = memory.data<u8>([2, 1, 0, 0, 0, 0, 0, 0], 8);
const FALSE_V = memory.data<u8>([2, 0, 0, 0, 0, 0, 0, 0], 8);
const SMALL_INTS = memory.data(256 * 16, 8);

// @ts-ignore: decorator
@inline export function tagOf(v: usize): u32 { return load<u8>(v); }
// @ts-ignore: decorator
@inline export function lenOf(v: usize): u32 { return load<u32>(v, 4); }
// @ts-ignore: decorator
@inline export function capOf(v: usize): u32 { return load<u32>(v, 8); }
// @ts-ignore: decorator
@inline export function elemsOf(v: usize): usize { return <usize>load<u32>(v, 12); }
// @ts-ignore: decorator
@inline export function strPtr(v: usize): usize { return <usize>load<u32>(v, 8); }
// @ts-ignore: decorator
@inline export function numRepr(v: usize): u32 { return load<u8>(v, 1); }
// @ts-ignore: decorator
@inline export function numInt(v: usize): i64 { return load<i64>(v, 8); }
// @ts-ignore: decorator
@inline export function numFloat(v: usize): f64 { return load<f64>(v, 8); }
// @ts-ignore: decorator
@inline export function arrGet(v: usize, i: u32): usize { return <usize>load<u32>(elemsOf(v) + (<usize>i << 2)); }
// @ts-ignore: decorator
@inline export function objKey(v: usize, i: u32): usize { return <usize>load<u32>(elemsOf(v) + (<usize>i << 3)); }
// @ts-ignore: decorator
@inline export function objVal(v: usize, i: u32): usize { return <usize>load<u32>(elemsOf(v) + (<usize>i << 3), 4); }

export function opa_null(): usize { return NULL_V; }
export function opa_boolean(b: i32): usize { return b ? TRUE_V : FALSE_V; }

export function opa_number_int(i: i64): usize {
  if (<u64>i < 256) {
    let p = SMALL_INTS + (<usize>i << 4);
    if (load<u8>(p) == 0) {
      store<u8>(p, T_NUMBER); store<u8>(p, N_INT, 1); store<i64>(p, i, 8);
    }
    return p;
  }
  let v = alloc(16);
  store<u8>(v, T_NUMBER); store<u8>(v, N_INT, 1); store<i64>(v, i, 8);
  return v;
}

export function opa_number_float(f: f64): usize {
  if (f == Math.floor(f) && Math.abs(f) < 9.0e15) return opa_number_int(<i64>f);
  let v = alloc(16);
  store<u8>(v, T_NUMBER); store<u8>(v, N_FLOAT, 1); store<f64>(v, f, 8);
  return v;
}

export function opa_number_ref(p: usize, n: u32): usize {
  let v = alloc(16);
  store<u8>(v, T_NUMBER); store<u8>(v, N_REF, 1); store<u32>(v, n, 4); store<u32>(v, <u32>p, 8);
  return v;
}

export function opa_string(p: usize, n: u32): usize {
  let v = alloc(16);
  store<u8>(v, T_STRING); store<u32>(v, n, 4); store<u32>(v, <u32>p, 8);
  return v;
}

function newVec(tag: u32, cap: u32, width: u32): usize {
  let v = alloc(16);
  store<u8>(v, tag); store<u32>(v, 0, 4); store<u32>(v, cap, 8);
  store<u32>(v, cap ? <u32>alloc(<usize>cap * width) : 0, 12);
  return v;
}

export function opa_array(): usize { return newVec(T_ARRAY, 0, 4); }
export function opa_array_with_cap(n: u32): usize { return newVec(T_ARRAY, n, 4); }
export function opa_object(): usize { return newVec(T_OBJECT, 0, 8); }
export function objectWithCap(n: u32): usize { return newVec(T_OBJECT, n, 8); }
export function opa_set(): usize { return newVec(T_SET, 0, 4); }
export function setWithCap(n: u32): usize { return newVec(T_SET, n, 4); }

// ensureRoom makes room for one more element of `width` bytes.
function ensureRoom(v: usize, width: u32): void {
  let n = lenOf(v), c = capOf(v);
  if (n < c) return;
  let nc: u32 = c < 4 ? 4 : c << 1;
  let p = realloc(elemsOf(v), <usize>c * width, <usize>nc * width);
  store<u32>(v, <u32>p, 12); store<u32>(v, nc, 8);
}

export function opa_array_append(a: usize, x: usize): void {
  ensureRoom(a, 4);
  let n = lenOf(a);
  store<u32>(elemsOf(a) + (<usize>n << 2), <u32>x);
  store<u32>(a, n + 1, 4);
}

// ---- order and equality ----

function compareBytes(pa: usize, na: u32, pb: usize, nb: u32): i32 {
  let n = na < nb ? na : nb;
  let i: u32 = 0;
  while (i + 8 <= n) {
    let a = load<u64>(pa + i), b = load<u64>(pb + i);
    if (a != b) break;
    i += 8;
  }
  for (; i < n; i++) {
    let a = load<u8>(pa + i), b = load<u8>(pb + i);
    if (a != b) return a < b ? -1 : 1;
  }
  return na == nb ? 0 : (na < nb ? -1 : 1);
}

export function compareStrings(a: usize, b: usize): i32 {
  return compareBytes(strPtr(a), lenOf(a), strPtr(b), lenOf(b));
}

export function compare(a: usize, b: usize): i32 {
  if (a == b) return 0;
  let ta = tagOf(a), tb = tagOf(b);
  if (ta != tb) return ta < tb ? -1 : 1;
  switch (ta) {
    case T_NULL: return 0;
    case T_BOOL: { let x = load<u8>(a, 1), y = load<u8>(b, 1); return x == y ? 0 : (x < y ? -1 : 1); }
    case T_NUMBER: return compareNumbers(a, b);
    case T_STRING: return compareStrings(a, b);
    case T_ARRAY: case T_SET: {
      let na = lenOf(a), nb = lenOf(b);
      let n = na < nb ? na : nb;
      for (let i: u32 = 0; i < n; i++) {
        let c = compare(arrGet(a, i), arrGet(b, i));
        if (c) return c;
      }
      return na == nb ? 0 : (na < nb ? -1 : 1);
    }
    case T_OBJECT: {
      let na = lenOf(a), nb = lenOf(b);
      let n = na < nb ? na : nb;
      for (let i: u32 = 0; i < n; i++) {
        let c = compare(objKey(a, i), objKey(b, i));
        if (c) return c;
        c = compare(objVal(a, i), objVal(b, i));
        if (c) return c;
      }
      return na == nb ? 0 : (na < nb ? -1 : 1);
    }
  }
  return 0;
}

export function equal(a: usize, b: usize): bool {
  if (a == b) return true;
  let t = tagOf(a);
  if (t != tagOf(b)) return false;
  if (t == T_STRING) {
    let n = lenOf(a);
    return n == lenOf(b) && compareBytes(strPtr(a), n, strPtr(b), n) == 0;
  }
  if (t >= T_ARRAY && lenOf(a) != lenOf(b)) return false;
  return compare(a, b) == 0;
}

export function opa_value_compare(a: usize, b: usize): i32 { return compare(a, b); }
export function opa_value_equal(a: usize, b: usize): i32 { return equal(a, b) ? 1 : 0; }
export function opa_value_type(v: usize): u32 { return tagOf(v); }

// ---- sorted vectors ----

// searchObject returns the index of key k, or -(insertion point) - 1.
export function searchObject(o: usize, k: usize): i32 {
  let lo: i32 = 0, hi: i32 = <i32>lenOf(o) - 1;
  let base = elemsOf(o);
  let isStr = tagOf(k) == T_STRING;
  while (lo <= hi) {
    let mid = (lo + hi) >>> 1;
    let mk = <usize>load<u32>(base + (<usize>mid << 3));
    let c = isStr && tagOf(mk) == T_STRING ? compareStrings(mk, k) : compare(mk, k);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -lo - 1;
}

export function searchSet(s: usize, x: usize): i32 {
  let lo: i32 = 0, hi: i32 = <i32>lenOf(s) - 1;
  let base = elemsOf(s);
  while (lo <= hi) {
    let mid = (lo + hi) >>> 1;
    let c = compare(<usize>load<u32>(base + (<usize>mid << 2)), x);
    if (c == 0) return mid;
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return -lo - 1;
}

export function objectGet(o: usize, k: usize): usize {
  let i = searchObject(o, k);
  return i < 0 ? 0 : objVal(o, <u32>i);
}

// objectGetStr looks a key up by raw bytes (used with static names).
export function objectGetStr(o: usize, p: usize, n: u32): usize {
  let lo: i32 = 0, hi: i32 = <i32>lenOf(o) - 1;
  while (lo <= hi) {
    let mid = (lo + hi) >>> 1;
    let mk = objKey(o, <u32>mid);
    let c = tagOf(mk) < T_STRING ? -1 : tagOf(mk) > T_STRING ? 1 : compareBytes(strPtr(mk), lenOf(mk), p, n);
    if (c == 0) return objVal(o, <u32>mid);
    if (c < 0) lo = mid + 1; else hi = mid - 1;
  }
  return 0;
}

function insertAt(v: usize, i: u32, width: u32): usize {
  ensureRoom(v, width);
  let n = lenOf(v);
  let at = elemsOf(v) + <usize>i * width;
  if (i < n) memory.copy(at + width, at, <usize>(n - i) * width);
  store<u32>(v, n + 1, 4);
  return at;
}

export function opa_object_insert(o: usize, k: usize, x: usize): void {
  let n = lenOf(o);
  if (n > 0) {
    let c = compare(objKey(o, n - 1), k);
    if (c < 0) {
      let at = insertAt(o, n, 8);
      store<u32>(at, <u32>k); store<u32>(at, <u32>x, 4);
      return;
    }
    if (c == 0) { store<u32>(elemsOf(o) + (<usize>(n - 1) << 3), <u32>x, 4); return; }
  }
  let i = searchObject(o, k);
  if (i >= 0) { store<u32>(elemsOf(o) + (<usize>i << 3), <u32>x, 4); return; }
  let at = insertAt(o, <u32>(-i - 1), 8);
  store<u32>(at, <u32>k); store<u32>(at, <u32>x, 4);
}

export function leash_object_insert_checked(o: usize, k: usize, x: usize): i32 {
  let i = searchObject(o, k);
  if (i >= 0) return equal(objVal(o, <u32>i), x) ? 0 : 1;
  let at = insertAt(o, <u32>(-i - 1), 8);
  store<u32>(at, <u32>k); store<u32>(at, <u32>x, 4);
  return 0;
}

export function opa_set_add(s: usize, x: usize): void {
  let n = lenOf(s);
  if (n > 0) {
    let c = compare(arrGet(s, n - 1), x);
    if (c == 0) return;
    if (c < 0) { store<u32>(insertAt(s, n, 4), <u32>x); return; }
  } else { store<u32>(insertAt(s, 0, 4), <u32>x); return; }
  let i = searchSet(s, x);
  if (i >= 0) return;
  store<u32>(insertAt(s, <u32>(-i - 1), 4), <u32>x);
}

export function setContains(s: usize, x: usize): bool { return searchSet(s, x) >= 0; }

// ---- bulk building: push in any order, then finish once (n log n instead of n^2) ----

// leash_set_push appends x without keeping order; the set must be finished with
// leash_set_finish before anyone reads it.
export function leash_set_push(s: usize, x: usize): void {
  let at = insertAt(s, lenOf(s), 4);
  store<u32>(at, <u32>x);
}

export function leash_set_finish(s: usize): usize {
  sortUnique(s, false);
  return s;
}

// leash_object_push appends an entry without keeping order; finish with leash_object_finish.
export function leash_object_push(o: usize, k: usize, x: usize): void {
  let at = insertAt(o, lenOf(o), 8);
  store<u32>(at, <u32>k); store<u32>(at, <u32>x, 4);
}

// leash_object_finish sorts the entries; returns 1 when a key was pushed twice with
// different values (a conflict: the object then keeps the last one), else 0.
export function leash_object_finish(o: usize): i32 {
  let n = lenOf(o);
  if (n < 2) return 0;
  let base = elemsOf(o);
  let sorted = true;
  for (let i: u32 = 1; i < n; i++) {
    if (compare(objKey(o, i - 1), objKey(o, i)) >= 0) { sorted = false; break; }
  }
  if (sorted) return 0;
  let tmp = alloc(<usize>n * 8);
  mergeSortEntries(base, tmp, n);
  let conflict: i32 = 0;
  for (let i: u32 = 1; i < n; i++) {
    if (compare(objKey(o, i - 1), objKey(o, i)) == 0 && !equal(objVal(o, i - 1), objVal(o, i))) conflict = 1;
  }
  sortUnique(o, true);
  return conflict;
}

function mergeSortEntries(base: usize, tmp: usize, n: u32): void { mergeSort(base, tmp, 0, n, 8); }

// ---- access ----

// arrayIndex converts a number key to an array index, or -1.
export function arrayIndex(k: usize, n: u32): i64 {
  if (tagOf(k) != T_NUMBER) return -1;
  let i: i64;
  let r = numRepr(k);
  if (r == N_INT) i = numInt(k);
  else return -1;
  return i >= 0 && i < <i64>n ? i : -1;
}

export function opa_value_get(v: usize, k: usize): usize {
  if (v == 0 || k == 0) return 0;
  switch (tagOf(v)) {
    case T_OBJECT: return objectGet(v, k);
    case T_ARRAY: { let i = arrayIndex(k, lenOf(v)); return i < 0 ? 0 : arrGet(v, <u32>i); }
    case T_SET: { let i = searchSet(v, k); return i < 0 ? 0 : arrGet(v, <u32>i); }
  }
  return 0;
}

export function utf8Count(p: usize, n: u32): u32 {
  let c: u32 = 0;
  for (let i: u32 = 0; i < n; i++) if ((load<u8>(p + i) & 0xc0) != 0x80) c++;
  return c;
}

export function opa_value_length(v: usize): u32 {
  let t = tagOf(v);
  if (t >= T_ARRAY) return lenOf(v);
  if (t == T_STRING) return utf8Count(strPtr(v), lenOf(v));
  return 0;
}

export function leash_iter_key(v: usize, i: u32): usize {
  let t = tagOf(v);
  if (t == T_ARRAY) return opa_number_int(<i64>i);
  if (t == T_OBJECT) return objKey(v, i);
  return arrGet(v, i);
}

export function leash_iter_value(v: usize, i: u32): usize {
  let t = tagOf(v);
  if (t == T_OBJECT) return objVal(v, i);
  return arrGet(v, i);
}

export function leash_is_true(v: usize): i32 {
  return v != 0 && tagOf(v) == T_BOOL && load<u8>(v, 1) ? 1 : 0;
}

// ---- small builders used across the runtime ----

export function copyVec(v: usize, extra: u32): usize {
  let t = tagOf(v);
  let width: u32 = t == T_OBJECT ? 8 : 4;
  let n = lenOf(v);
  let c = newVec(t, n + extra, width);
  if (n) memory.copy(elemsOf(c), elemsOf(v), <usize>n * width);
  store<u32>(c, n, 4);
  return c;
}

// appendSortedUnique appends to a set/object known to stay sorted (no search).
export function pushRaw(v: usize, a: usize, b: usize): void {
  let width: u32 = tagOf(v) == T_OBJECT ? 8 : 4;
  let at = insertAt(v, lenOf(v), width);
  store<u32>(at, <u32>a);
  if (width == 8) store<u32>(at, <u32>b, 4);
}

// sortVec sorts an array's elements (or object entries when width 8) in OPA order and
// removes duplicates (for objects, the last inserted value for a key wins).
export function sortUnique(v: usize, isObject: bool): void {
  let n = lenOf(v);
  if (n < 2) return;
  let width: usize = isObject ? 8 : 4;
  let base = elemsOf(v);
  // check sorted first: common for generated JSON and builds in order
  let sorted = true;
  for (let i: u32 = 1; i < n; i++) {
    if (compare(<usize>load<u32>(base + (i - 1) * width), <usize>load<u32>(base + i * width)) >= 0) { sorted = false; break; }
  }
  if (!sorted) {
    let tmp = alloc(<usize>n * width);
    mergeSort(base, tmp, 0, n, width);
  }
  // dedupe keeping the last of equal runs (stable sort keeps insertion order)
  let w: u32 = 0;
  for (let i: u32 = 0; i < n; i++) {
    let cur = base + <usize>i * width;
    if (i + 1 < n && compare(<usize>load<u32>(cur), <usize>load<u32>(cur + width)) == 0) continue;
    if (w != i) {
      store<u32>(base + <usize>w * width, load<u32>(cur));
      if (isObject) store<u32>(base + <usize>w * width, load<u32>(cur, 4), 4);
    }
    w++;
  }
  store<u32>(v, w, 4);
}

function mergeSort(a: usize, tmp: usize, lo: u32, hi: u32, width: usize): void {
  if (hi - lo <= 8) {
    for (let i = lo + 1; i < hi; i++) {
      let k = load<u32>(a + i * width);
      let x = width == 8 ? load<u32>(a + i * width, 4) : 0;
      let j = i;
      while (j > lo && compare(<usize>load<u32>(a + (j - 1) * width), <usize>k) > 0) {
        store<u32>(a + j * width, load<u32>(a + (j - 1) * width));
        if (width == 8) store<u32>(a + j * width, load<u32>(a + (j - 1) * width, 4), 4);
        j--;
      }
      store<u32>(a + j * width, k);
      if (width == 8) store<u32>(a + j * width, x, 4);
    }
    return;
  }
  let mid = (lo + hi) >>> 1;
  mergeSort(a, tmp, lo, mid, width);
  mergeSort(a, tmp, mid, hi, width);
  if (compare(<usize>load<u32>(a + (mid - 1) * width), <usize>load<u32>(a + mid * width)) <= 0) return;
  let i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    if (compare(<usize>load<u32>(a + j * width), <usize>load<u32>(a + i * width)) < 0) {
      memory.copy(tmp + k * width, a + j * width, width); j++;
    } else {
      memory.copy(tmp + k * width, a + i * width, width); i++;
    }
    k++;
  }
  if (i < mid) memory.copy(tmp + k * width, a + i * width, (mid - i) * width);
  else if (j < hi) memory.copy(tmp + k * width, a + j * width, (hi - j) * width);
  memory.copy(a + lo * width, tmp + lo * width, (hi - lo) * width);
}
