// Added by the compiler (codegen) side, kept apart from the runtime engineer's files:
// object merge and path upsert that codegen needs for virtual documents and `with`.
// Codegen prefers the runtime's opa_value_merge / opa_value_add_path when they exist.
import { T_OBJECT, T_ARRAY, tagOf, lenOf, objKey, objVal, objectGet, copyVec, opa_object, opa_object_insert, arrGet } from "./value";

// leash_cg_value_merge deep-merges object b into a copy of object a (b wins on clashes).
export function leash_cg_value_merge(a: usize, b: usize): usize {
  if (a == 0) return b;
  if (b == 0) return a;
  if (tagOf(a) != T_OBJECT || tagOf(b) != T_OBJECT) return b;
  let out = copyVec(a, lenOf(b));
  let n = lenOf(b);
  for (let i: u32 = 0; i < n; i++) {
    let k = objKey(b, i);
    let vb = objVal(b, i);
    let va = objectGet(a, k);
    opa_object_insert(out, k, va != 0 ? leash_cg_value_merge(va, vb) : vb);
  }
  return out;
}

function addPathFrom(base: usize, path: usize, i: u32, x: usize): usize {
  if (i >= lenOf(path)) return x;
  let k = arrGet(path, i);
  let child: usize = base != 0 && tagOf(base) == T_OBJECT ? objectGet(base, k) : 0;
  let out = base != 0 && tagOf(base) == T_OBJECT ? copyVec(base, 1) : opa_object();
  opa_object_insert(out, k, addPathFrom(child, path, i + 1, x));
  return out;
}

// leash_cg_add_path returns a copy of base with x at path (an array of keys).
export function leash_cg_add_path(base: usize, path: usize, x: usize): usize {
  if (tagOf(path) != T_ARRAY) return 0;
  return addPathFrom(base, path, 0, x);
}
