// Entry of the Leash wasm runtime: the explicit list of everything the module exports
// (ABI exports, the value API codegen calls, native builtins). See ../API.md.
export { opa_malloc, opa_free, opa_heap_ptr_get, opa_heap_ptr_set, __leash_heap_base } from "./alloc";
export {
  opa_null, opa_boolean, opa_number_int, opa_number_float, opa_number_ref, opa_string,
  opa_array, opa_array_with_cap, opa_object, opa_set, opa_array_append, opa_object_insert,
  leash_object_insert_checked, opa_set_add, opa_value_type, opa_value_get, opa_value_length,
  leash_iter_key, leash_iter_value, opa_value_compare, opa_value_equal, leash_is_true,
  leash_set_push, leash_set_finish, leash_object_push, leash_object_finish,
} from "./value";
export { opa_json_parse, opa_value_parse, opa_json_dump, opa_value_dump, leash_value_to_json_string } from "./json";
export { leash_error, leash_builtin_error_raise, leash_builtin_error_pending } from "./errors";
export {
  opa_wasm_abi_version, opa_wasm_abi_minor_version, opa_eval_ctx_new, opa_eval_ctx_set_input,
  opa_eval_ctx_set_data, opa_eval_ctx_set_entrypoint, opa_eval_ctx_get_result, eval,
  opa_eval, entrypoints, builtins, leash_result_set_add, leash_host_builtin0,
  leash_host_builtin1, leash_host_builtin2, leash_host_builtin3, leash_host_builtin4,
} from "./abi";
export { leash_cg_value_merge, leash_cg_add_path } from "./codegen-support";
export * from "./builtins-num";
export * from "./builtins-str";
export * from "./builtins-coll";
export { opa_value_merge, opa_value_add_path, opa_value_remove_path } from "./paths";
export * from "./builtins-types";
export { builtin_graph_reachable, builtin_io_jwt_decode } from "./builtins-extra";
export * from "./glob";
export * from "./regex";
export * from "./builtins-fmt";
export * from "./builtins-time";
export * from "./builtins-misc";
export * from "./builtins-crypto";
