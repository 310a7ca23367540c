// Native builtins: graph.reachable (role and group hierarchies) and io.jwt.decode (read a
// token's header and claims without verifying it; verification is the server's job).
import { alloc } from "./alloc";
import {
  T_OBJECT, T_ARRAY, T_SET, tagOf, lenOf, strPtr, arrGet, opa_set, opa_set_add, setContains,
  objectGet, opa_array_with_cap, opa_array_append, opa_string,
} from "./value";
import { typeErr, builtinErr } from "./errors";
import { needObj, needStr } from "./helpers";
import { parse } from "./json";
import { base64Decode } from "./base64";

export function builtin_graph_reachable(g: usize, initial: usize): usize {
  if (!needObj("graph.reachable", 1, g)) return 0;
  let t = tagOf(initial);
  if (t != T_ARRAY && t != T_SET) return typeErr("graph.reachable", 2, "one of {array, set}", initial);
  let seen = opa_set();
  let queue = opa_array_with_cap(8);
  for (let i: u32 = 0; i < lenOf(initial); i++) opa_array_append(queue, arrGet(initial, i));
  for (let q: u32 = 0; q < lenOf(queue); q++) {
    let node = arrGet(queue, q);
    if (setContains(seen, node)) continue;
    let edges = objectGet(g, node);
    if (!edges) continue; // OPA only reports nodes present in the graph
    opa_set_add(seen, node);
    let et = tagOf(edges);
    if (et != T_ARRAY && et != T_SET) continue;
    for (let i: u32 = 0; i < lenOf(edges); i++) {
      let x = arrGet(edges, i);
      if (!setContains(seen, x)) opa_array_append(queue, x);
    }
  }
  return seen;
}

const HEXJ = memory.data<u8>([48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102]);

// io.jwt.decode(token) = [header, payload, signature as hex]
export function builtin_io_jwt_decode(tok: usize): usize {
  if (!needStr("io.jwt.decode", 1, tok)) return 0;
  let p = strPtr(tok), n = lenOf(tok);
  let d1: i32 = -1, d2: i32 = -1;
  for (let i: u32 = 0; i < n; i++) {
    if (load<u8>(p + i) != 0x2e) continue;
    if (d1 < 0) d1 = <i32>i; else if (d2 < 0) d2 = <i32>i; else return builtinErr("io.jwt.decode", "encoded JWT had no payload or signature (too many dots)");
  }
  if (d2 < 0) return builtinErr("io.jwt.decode", "encoded JWT had no payload");
  let h = base64Decode(opa_string(p, <u32>d1), true);
  let b = base64Decode(opa_string(p + <u32>d1 + 1, <u32>(d2 - d1 - 1)), true);
  let s = base64Decode(opa_string(p + <u32>d2 + 1, n - <u32>d2 - 1), true);
  if (!h || !b || !s) return builtinErr("io.jwt.decode", "JWT is not base64url encoded");
  let header = parse(strPtr(h), lenOf(h), false);
  let payload = parse(strPtr(b), lenOf(b), false);
  if (!header || tagOf(header) != T_OBJECT) return builtinErr("io.jwt.decode", "JWT header is not a JSON object");
  if (!payload || tagOf(payload) != T_OBJECT) return builtinErr("io.jwt.decode", "JWT payload is not a JSON object");
  let sn = lenOf(s), hex = alloc(sn * 2);
  for (let i: u32 = 0; i < sn; i++) {
    let c = load<u8>(strPtr(s) + i);
    store<u8>(hex + i * 2, load<u8>(HEXJ + (c >> 4))); store<u8>(hex + i * 2 + 1, load<u8>(HEXJ + (c & 15)));
  }
  let out = opa_array_with_cap(3);
  opa_array_append(out, header); opa_array_append(out, payload); opa_array_append(out, opa_string(hex, sn * 2));
  return out;
}
