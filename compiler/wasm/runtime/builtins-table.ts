// The native builtins the runtime implements: Rego builtin name → exported wasm function
// and arity. A builtin not listed here must be a host builtin (env.opa_builtinN).

export interface NativeBuiltin {
  /** Export name of the runtime function: (operands as value ptrs) -> value ptr, 0 = undefined/error. */
  readonly fn: string;
  readonly arity: number;
}

const table: Record<string, number> = {
};

/** Rego name → native implementation. Export names are `builtin_` + the name with '.' → '_'. */
export const NATIVE_BUILTINS: Readonly<Record<string, NativeBuiltin>> = Object.freeze(
  Object.fromEntries(Object.entries(table).map(([name, arity]) => [name, { fn: `builtin_${name.replaceAll('.', '_')}`, arity }])),
);
