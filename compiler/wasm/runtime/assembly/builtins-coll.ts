// Native builtins over objects, sets and arrays: object.*, json.filter/remove, set
// operators (and/or, intersection, union), array.* and walk support.
import {
  T_OBJECT, T_ARRAY, T_SET, T_STRING, tagOf, lenOf, arrGet, objKey, objVal, strPtr,
  opa_object, opa_set, objectWithCap, setWithCap, opa_array_with_cap, opa_array_append, pushRaw,
  opa_object_insert, opa_set_add, objectGet, setContains, searchObject, compare, copyVec,
  opa_value_get, opa_string, opa_number_int, arrayIndex, opa_boolean, equal,
} from "./value";
import { typeErr } from "./errors";
import { isObj, isArr, isSet, isStr, needObj, needArr, needSet, needNum, isIntVal, intVal } from "./helpers";
import { splitOn } from "./strutil";

export function builtin_object_get(o: usize, k: usize, d: usize): usize {
  if (!needObj("object.get", 1, o)) return 0;
  if (isArr(k)) {
    let cur = o;
    for (let i: u32 = 0; i < lenOf(k); i++) {
      cur = opa_value_get(cur, arrGet(k, i));
      if (!cur) return d;
    }
    return cur;
  }
  let v = objectGet(o, k);
  return v ? v : d;
}

export function builtin_object_keys(o: usize): usize {
  if (!needObj("object.keys", 1, o)) return 0;
  let n = lenOf(o), s = setWithCap(n);
  for (let i: u32 = 0; i < n; i++) pushRaw(s, objKey(o, i), 0);
  return s;
}

// keyMember: is k in the keys collection (array, set or object keys)?
function keyMember(keys: usize, k: usize): bool {
  let t = tagOf(keys);
  if (t == T_SET) return setContains(keys, k);
  if (t == T_OBJECT) return searchObject(keys, k) >= 0;
  for (let i: u32 = 0; i < lenOf(keys); i++) if (equal(arrGet(keys, i), k)) return true;
  return false;
}

function keysOperand(name: string, keys: usize): bool {
  let t = tagOf(keys);
  if (t == T_SET || t == T_OBJECT || t == T_ARRAY) return true;
  typeErr(name, 2, "one of {array, object, set}", keys);
  return false;
}

export function builtin_object_remove(o: usize, keys: usize): usize {
  if (!needObj("object.remove", 1, o) || !keysOperand("object.remove", keys)) return 0;
  let n = lenOf(o), out = objectWithCap(n);
  for (let i: u32 = 0; i < n; i++) if (!keyMember(keys, objKey(o, i))) pushRaw(out, objKey(o, i), objVal(o, i));
  return out;
}

export function builtin_object_filter(o: usize, keys: usize): usize {
  if (!needObj("object.filter", 1, o) || !keysOperand("object.filter", keys)) return 0;
  let n = lenOf(o), out = objectWithCap(n);
  for (let i: u32 = 0; i < n; i++) if (keyMember(keys, objKey(o, i))) pushRaw(out, objKey(o, i), objVal(o, i));
  return out;
}

// unionObjects: b wins, nested objects merge recursively.
function unionObjects(a: usize, b: usize): usize {
  let na = lenOf(a), nb = lenOf(b);
  let out = objectWithCap(na + nb);
  let i: u32 = 0, j: u32 = 0;
  while (i < na || j < nb) {
    if (j >= nb) { pushRaw(out, objKey(a, i), objVal(a, i)); i++; continue; }
    if (i >= na) { pushRaw(out, objKey(b, j), objVal(b, j)); j++; continue; }
    let c = compare(objKey(a, i), objKey(b, j));
    if (c < 0) { pushRaw(out, objKey(a, i), objVal(a, i)); i++; }
    else if (c > 0) { pushRaw(out, objKey(b, j), objVal(b, j)); j++; }
    else {
      let va = objVal(a, i), vb = objVal(b, j);
      pushRaw(out, objKey(a, i), isObj(va) && isObj(vb) ? unionObjects(va, vb) : vb);
      i++; j++;
    }
  }
  return out;
}

export function builtin_object_union(a: usize, b: usize): usize {
  if (!needObj("object.union", 1, a) || !needObj("object.union", 2, b)) return 0;
  return unionObjects(a, b);
}

export function builtin_object_union_n(xs: usize): usize {
  if (!needArr("object.union_n", 1, xs)) return 0;
  let out = opa_object();
  for (let i: u32 = 0; i < lenOf(xs); i++) {
    let x = arrGet(xs, i);
    if (!isObj(x)) return typeErr("object.union_n", 1, "array of objects", x);
    out = unionObjects(out, x);
  }
  return out;
}

export function builtin_object_subset(sup: usize, sub: usize): usize {
  return opa_boolean(isSubset(sup, sub) ? 1 : 0);
}

function isSubset(sup: usize, sub: usize): bool {
  if (isObj(sup) && isObj(sub)) {
    for (let i: u32 = 0; i < lenOf(sub); i++) {
      let v = objectGet(sup, objKey(sub, i));
      if (!v || !isSubset(v, objVal(sub, i))) return false;
    }
    return true;
  }
  if (isSet(sup) && isSet(sub)) {
    for (let i: u32 = 0; i < lenOf(sub); i++) if (!setContains(sup, arrGet(sub, i))) return false;
    return true;
  }
  if (isArr(sup) && isArr(sub)) {
    let n = lenOf(sub), m = lenOf(sup);
    if (n == 0) return true;
    for (let s: u32 = 0; s + n <= m; s++) {
      let ok = true;
      for (let i: u32 = 0; i < n; i++) if (!equal(arrGet(sup, s + i), arrGet(sub, i))) { ok = false; break; }
      if (ok) return true;
    }
    return false;
  }
  if (isArr(sup) && isSet(sub)) {
    for (let i: u32 = 0; i < lenOf(sub); i++) {
      let found = false;
      for (let j: u32 = 0; j < lenOf(sup); j++) if (equal(arrGet(sup, j), arrGet(sub, i))) { found = true; break; }
      if (!found) return false;
    }
    return true;
  }
  return equal(sup, sub);
}

// ---- json.filter / json.remove: paths are "a/b" strings or arrays of keys ----

// pathTree builds an object: key -> subtree, with null marking "keep whole value".
function pathTree(name: string, paths: usize): usize {
  let t = tagOf(paths);
  if (t != T_ARRAY && t != T_SET) { typeErr(name, 2, "one of {array, set}", paths); return 0; }
  let root = opa_object();
  for (let i: u32 = 0; i < lenOf(paths); i++) {
    let p = arrGet(paths, i);
    let segs: usize;
    if (isStr(p)) segs = splitOn(p, 0x2f);
    else if (isArr(p)) segs = p;
    else { typeErr(name, 2, "set of strings or arrays", p); return 0; }
    let node = root;
    let n = lenOf(segs);
    for (let j: u32 = 0; j < n; j++) {
      let k = arrGet(segs, j);
      let child = objectGet(node, k);
      if (j + 1 == n) { opa_object_insert(node, k, opa_set()); break; }
      if (child && lenOf(child) == 0 && tagOf(child) == T_SET) break; // already keeps whole value
      if (!child || tagOf(child) != T_OBJECT) { child = opa_object(); opa_object_insert(node, k, child); }
      node = child;
    }
  }
  return root;
}

function keyFor(v: usize, k: usize): usize {
  // string path segments address array indexes too ("a/0")
  if (tagOf(v) == T_ARRAY && isStr(k)) {
    let p = strPtr(k), n = lenOf(k), x: i64 = 0;
    if (n == 0) return k;
    for (let i: u32 = 0; i < n; i++) { let c = <u32>load<u8>(p + i) - 0x30; if (c > 9) return k; x = x * 10 + c; }
    return opa_number_int(x);
  }
  return k;
}

function filterBy(v: usize, tree: usize): usize {
  if (tagOf(tree) == T_SET) return v;
  let t = tagOf(v);
  if (t == T_OBJECT) {
    let out = opa_object();
    for (let i: u32 = 0; i < lenOf(tree); i++) {
      let child = objectGet(v, objKey(tree, i));
      if (child) opa_object_insert(out, objKey(tree, i), filterBy(child, objVal(tree, i)));
    }
    return out;
  }
  if (t == T_ARRAY) {
    let out = opa_array_with_cap(0);
    for (let i: u32 = 0; i < lenOf(v); i++) {
      let sub = objectGetAny(tree, opa_number_int(<i64>i));
      if (sub) opa_array_append(out, filterBy(arrGet(v, i), sub));
    }
    return out;
  }
  if (t == T_SET) {
    let out = opa_set();
    for (let i: u32 = 0; i < lenOf(tree); i++) if (setContains(v, objKey(tree, i))) opa_set_add(out, objKey(tree, i));
    return out;
  }
  return v;
}

// objectGetAny looks an index up under a number key or its decimal string form.
function objectGetAny(tree: usize, k: usize): usize {
  let x = objectGet(tree, k);
  if (x) return x;
  for (let i: u32 = 0; i < lenOf(tree); i++) {
    let kk = objKey(tree, i);
    if (isStr(kk) && equal(keyFor(opa_array_with_cap(0), kk), k)) return objVal(tree, i);
  }
  return 0;
}

export function builtin_json_filter(o: usize, paths: usize): usize {
  if (!needObj("json.filter", 1, o)) return 0;
  let tree = pathTree("json.filter", paths);
  return tree ? filterBy(o, tree) : 0;
}

function removeBy(v: usize, tree: usize): usize {
  let t = tagOf(v);
  if (t == T_OBJECT) {
    let out = opa_object();
    for (let i: u32 = 0; i < lenOf(v); i++) {
      let sub = objectGet(tree, objKey(v, i));
      if (sub && tagOf(sub) == T_SET) continue;
      pushRaw(out, objKey(v, i), sub ? removeBy(objVal(v, i), sub) : objVal(v, i));
    }
    return out;
  }
  if (t == T_ARRAY) {
    let out = opa_array_with_cap(lenOf(v));
    for (let i: u32 = 0; i < lenOf(v); i++) {
      let sub = objectGetAny(tree, opa_number_int(<i64>i));
      if (sub && tagOf(sub) == T_SET) continue;
      opa_array_append(out, sub ? removeBy(arrGet(v, i), sub) : arrGet(v, i));
    }
    return out;
  }
  if (t == T_SET) {
    let out = opa_set();
    for (let i: u32 = 0; i < lenOf(v); i++) {
      let sub = objectGet(tree, arrGet(v, i));
      if (!(sub && tagOf(sub) == T_SET)) pushRaw(out, arrGet(v, i), 0);
    }
    return out;
  }
  return v;
}

export function builtin_json_remove(o: usize, paths: usize): usize {
  if (!needObj("json.remove", 1, o)) return 0;
  let tree = pathTree("json.remove", paths);
  return tree ? removeBy(o, tree) : 0;
}

// ---- sets ----

function intersect2(a: usize, b: usize): usize {
  let out = setWithCap(lenOf(a) < lenOf(b) ? lenOf(a) : lenOf(b));
  let i: u32 = 0, j: u32 = 0;
  while (i < lenOf(a) && j < lenOf(b)) {
    let c = compare(arrGet(a, i), arrGet(b, j));
    if (c == 0) { pushRaw(out, arrGet(a, i), 0); i++; j++; }
    else if (c < 0) i++; else j++;
  }
  return out;
}

function union2(a: usize, b: usize): usize {
  let out = setWithCap(lenOf(a) + lenOf(b));
  let i: u32 = 0, j: u32 = 0;
  while (i < lenOf(a) || j < lenOf(b)) {
    if (j >= lenOf(b)) { pushRaw(out, arrGet(a, i), 0); i++; continue; }
    if (i >= lenOf(a)) { pushRaw(out, arrGet(b, j), 0); j++; continue; }
    let c = compare(arrGet(a, i), arrGet(b, j));
    if (c == 0) { pushRaw(out, arrGet(a, i), 0); i++; j++; }
    else if (c < 0) { pushRaw(out, arrGet(a, i), 0); i++; }
    else { pushRaw(out, arrGet(b, j), 0); j++; }
  }
  return out;
}

export function builtin_and(a: usize, b: usize): usize {
  if (!needSet("and", 1, a) || !needSet("and", 2, b)) return 0;
  return intersect2(a, b);
}

export function builtin_or(a: usize, b: usize): usize {
  if (!needSet("or", 1, a) || !needSet("or", 2, b)) return 0;
  return union2(a, b);
}

export function builtin_intersection(xs: usize): usize {
  if (!needSet("intersection", 1, xs)) return 0;
  if (lenOf(xs) == 0) return opa_set();
  let out: usize = 0;
  for (let i: u32 = 0; i < lenOf(xs); i++) {
    let x = arrGet(xs, i);
    if (!isSet(x)) return typeErr("intersection", 1, "set of sets", x);
    out = out ? intersect2(out, x) : x;
  }
  return out;
}

export function builtin_union(xs: usize): usize {
  if (!needSet("union", 1, xs)) return 0;
  let out = opa_set();
  for (let i: u32 = 0; i < lenOf(xs); i++) {
    let x = arrGet(xs, i);
    if (!isSet(x)) return typeErr("union", 1, "set of sets", x);
    out = union2(out, x);
  }
  return out;
}

// ---- arrays ----

export function builtin_array_concat(a: usize, b: usize): usize {
  if (!needArr("array.concat", 1, a) || !needArr("array.concat", 2, b)) return 0;
  let out = copyVec(a, lenOf(b));
  for (let i: u32 = 0; i < lenOf(b); i++) opa_array_append(out, arrGet(b, i));
  return out;
}

export function builtin_array_slice(a: usize, s: usize, e: usize): usize {
  if (!needArr("array.slice", 1, a) || !needNum("array.slice", 2, s) || !needNum("array.slice", 3, e)) return 0;
  if (!isIntVal(s)) return typeErr("array.slice", 2, "integer number", s);
  if (!isIntVal(e)) return typeErr("array.slice", 3, "integer number", e);
  let n = <i64>lenOf(a), x = intVal(s), y = intVal(e);
  if (x < 0) x = 0;
  if (y > n) y = n;
  let out = opa_array_with_cap(0);
  for (let i = x; i < y; i++) opa_array_append(out, arrGet(a, <u32>i));
  return out;
}

export function builtin_array_reverse(a: usize): usize {
  if (!needArr("array.reverse", 1, a)) return 0;
  let n = lenOf(a), out = opa_array_with_cap(n);
  for (let i = n; i > 0; i--) opa_array_append(out, arrGet(a, i - 1));
  return out;
}

// flattenInto removes one level of nesting, as OPA's array.flatten does.
function flattenInto(out: usize, a: usize): void {
  for (let i: u32 = 0; i < lenOf(a); i++) {
    let x = arrGet(a, i);
    if (tagOf(x) == T_ARRAY) { for (let j: u32 = 0; j < lenOf(x); j++) opa_array_append(out, arrGet(x, j)); }
    else opa_array_append(out, x);
  }
}

export function builtin_array_flatten(a: usize): usize {
  if (!needArr("array.flatten", 1, a)) return 0;
  let out = opa_array_with_cap(lenOf(a));
  flattenInto(out, a);
  return out;
}

// ---- walk support: all [path, value] pairs, pre-order, paths as arrays ----

function walkInto(out: usize, path: usize, v: usize): void {
  let pair = opa_array_with_cap(2);
  opa_array_append(pair, path); opa_array_append(pair, v);
  opa_array_append(out, pair);
  let t = tagOf(v);
  if (t < T_ARRAY) return;
  for (let i: u32 = 0; i < lenOf(v); i++) {
    let k = t == T_ARRAY ? opa_number_int(<i64>i) : (t == T_OBJECT ? objKey(v, i) : arrGet(v, i));
    let child = t == T_OBJECT ? objVal(v, i) : arrGet(v, i);
    let p = copyVec(path, 1);
    opa_array_append(p, k);
    walkInto(out, p, child);
  }
}

// builtin_walk returns the array of every [path, value] pair of x (OPA's walk relation;
// codegen scans it).
export function builtin_walk(x: usize): usize {
  let out = opa_array_with_cap(8);
  walkInto(out, opa_array_with_cap(0), x);
  return out;
}

