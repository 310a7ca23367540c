// OPA wasm ABI surface: version globals, the eval context, eval/opa_eval, and the
// bridge to the three functions codegen defines (imported here from module "leash").
import { alloc, heapPtr, opa_heap_ptr_set } from "./alloc";
import { opa_set, opa_set_add, objectWithCap, pushRaw, opa_string } from "./value";
import { parse, opa_json_dump } from "./json";
import { abortStr, clearError } from "./errors";

@external("leash", "leash_eval") declare function leash_eval(entrypoint: i32, input: usize, data: usize): usize;
@external("leash", "leash_entrypoints") declare function leash_entrypoints(): usize;
@external("leash", "leash_builtins") declare function leash_builtins(): usize;

@external("env", "opa_builtin0") declare function opa_builtin0(id: i32, ctx: usize): usize;
@external("env", "opa_builtin1") declare function opa_builtin1(id: i32, ctx: usize, a: usize): usize;
@external("env", "opa_builtin2") declare function opa_builtin2(id: i32, ctx: usize, a: usize, b: usize): usize;
@external("env", "opa_builtin3") declare function opa_builtin3(id: i32, ctx: usize, a: usize, b: usize, c: usize): usize;
@external("env", "opa_builtin4") declare function opa_builtin4(id: i32, ctx: usize, a: usize, b: usize, c: usize, d: usize): usize;

export const opa_wasm_abi_version: i32 = 1;
export const opa_wasm_abi_minor_version: i32 = 3;

export function opa_eval_ctx_new(): usize {
  let c = alloc(16);
  store<u32>(c, 0); store<u32>(c, 0, 4); store<i32>(c, 0, 8); store<u32>(c, 0, 12);
  return c;
}
export function opa_eval_ctx_set_input(c: usize, v: usize): void { store<u32>(c, <u32>v); }
export function opa_eval_ctx_set_data(c: usize, v: usize): void { store<u32>(c, <u32>v, 4); }
export function opa_eval_ctx_set_entrypoint(c: usize, e: i32): void { store<i32>(c, e, 8); }
export function opa_eval_ctx_get_result(c: usize): usize { return <usize>load<u32>(c, 12); }

function evalCtx(c: usize): i32 {
  clearError();
  let rs = leash_eval(load<i32>(c, 8), <usize>load<u32>(c), <usize>load<u32>(c, 4));
  store<u32>(c, <u32>rs, 12);
  return 0;
}
export { evalCtx as eval };

export function opa_eval(_reserved: i32, entrypoint: i32, data: usize, input: usize, inputLen: u32, heap: usize, _format: i32): usize {
  opa_heap_ptr_set(heap);
  clearError();
  let inputValue: usize = 0;
  if (inputLen > 0) {
    inputValue = parse(input, inputLen, false);
    if (!inputValue) abortStr("leash: input is not valid JSON");
  }
  let rs = leash_eval(entrypoint, inputValue, data);
  return opa_json_dump(rs);
}

export function entrypoints(): usize { return leash_entrypoints(); }
export function builtins(): usize { return leash_builtins(); }

const RESULT_KEY = memory.data<u8>([0x72, 0x65, 0x73, 0x75, 0x6c, 0x74]);

export function leash_result_set_add(rs: usize, x: usize): void {
  if (x == 0) return; // undefined adds no result
  let o = objectWithCap(1);
  pushRaw(o, opa_string(RESULT_KEY, 6), x);
  opa_set_add(rs, o);
}

export function leash_host_builtin0(id: i32): usize { return opa_builtin0(id, 0); }
export function leash_host_builtin1(id: i32, a: usize): usize { return opa_builtin1(id, 0, a); }
export function leash_host_builtin2(id: i32, a: usize, b: usize): usize { return opa_builtin2(id, 0, a, b); }
export function leash_host_builtin3(id: i32, a: usize, b: usize, c: usize): usize { return opa_builtin3(id, 0, a, b, c); }
export function leash_host_builtin4(id: i32, a: usize, b: usize, c: usize, d: usize): usize { return opa_builtin4(id, 0, a, b, c, d); }

export function leash_heap_used(): usize { return heapPtr; }
