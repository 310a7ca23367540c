// Whole-value operations codegen uses for base/virtual document merging and `with`:
// deep merge, copy-on-write add/remove at a path.
import {
  T_OBJECT, T_ARRAY, tagOf, lenOf, objKey, objVal, arrGet, opa_object, copyVec, objectGet,
  opa_object_insert, searchObject, objectWithCap, pushRaw, arrayIndex, elemsOf,
} from "./value";

// opa_value_merge: keys of both objects; where both hold objects, merge recursively;
// any other overlap is a conflict (returns 0).
export function opa_value_merge(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  if (tagOf(a) != T_OBJECT || tagOf(b) != T_OBJECT) return 0;
  let na = lenOf(a), nb = lenOf(b);
  let out = objectWithCap(na + nb);
  let i: u32 = 0, j: u32 = 0;
  while (i < na || j < nb) {
    if (j >= nb) { pushRaw(out, objKey(a, i), objVal(a, i)); i++; continue; }
    if (i >= na) { pushRaw(out, objKey(b, j), objVal(b, j)); j++; continue; }
    let ka = objKey(a, i), kb = objKey(b, j);
    let c = searchCompare(ka, kb);
    if (c < 0) { pushRaw(out, ka, objVal(a, i)); i++; }
    else if (c > 0) { pushRaw(out, kb, objVal(b, j)); j++; }
    else {
      let m = opa_value_merge(objVal(a, i), objVal(b, j));
      if (!m) return 0;
      pushRaw(out, ka, m); i++; j++;
    }
  }
  return out;
}

import { compare } from "./value";
function searchCompare(a: usize, b: usize): i32 { return compare(a, b); }

function setAt(base: usize, path: usize, depth: u32, x: usize): usize {
  if (depth == lenOf(path)) return x;
  let k = arrGet(path, depth);
  if (base != 0 && tagOf(base) == T_ARRAY) {
    let i = arrayIndex(k, lenOf(base));
    if (i < 0) return 0;
    let c = copyVec(base, 0);
    let child = setAt(arrGet(base, <u32>i), path, depth + 1, x);
    if (!child) return 0;
    store<u32>(elemsOf(c) + (<usize>i << 2), <u32>child);
    return c;
  }
  let obj = base != 0 && tagOf(base) == T_OBJECT ? copyVec(base, 1) : opa_object();
  let cur = base != 0 && tagOf(base) == T_OBJECT ? objectGet(base, k) : 0;
  let child = setAt(cur, path, depth + 1, x);
  if (!child) return 0;
  opa_object_insert(obj, k, child);
  return obj;
}

// opa_value_add_path returns a copy of base with x at path (an array of keys); objects
// missing along the path are created. base 0 starts from {}. Returns 0 when the path
// runs through a scalar or an out-of-range array index.
export function opa_value_add_path(base: usize, path: usize, x: usize): usize {
  if (path == 0 || tagOf(path) != T_ARRAY) return 0;
  return setAt(base, path, 0, x);
}

function removeAt(base: usize, path: usize, depth: u32): usize {
  if (base == 0 || tagOf(base) != T_OBJECT) return base;
  let k = arrGet(path, depth);
  let i = searchObject(base, k);
  if (i < 0) return base;
  let n = lenOf(base);
  if (depth + 1 == lenOf(path)) {
    let out = objectWithCap(n);
    for (let j: u32 = 0; j < n; j++) if (j != <u32>i) pushRaw(out, objKey(base, j), objVal(base, j));
    return out;
  }
  let child = removeAt(objVal(base, <u32>i), path, depth + 1);
  let out = copyVec(base, 0);
  store<u32>(elemsOf(out) + (<usize>i << 3), <u32>child, 4);
  return out;
}

// opa_value_remove_path returns a copy of base without the value at path.
export function opa_value_remove_path(base: usize, path: usize): usize {
  if (path == 0 || tagOf(path) != T_ARRAY || lenOf(path) == 0) return base;
  return removeAt(base, path, 0);
}
