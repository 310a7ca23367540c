// The Rego → WebAssembly compiler's public surface: plan (Rego AST → IR), then codegen
// (IR → wasm linked with the runtime). The result loads in @open-policy-agent/opa-wasm;
// pass `hostBuiltins` as the SDK's custom builtins when the module uses any.
import type { Module } from '../rego/ast.ts';
import type { Diagnostic } from '../diagnostics/index.ts';
import { hasErrors } from '../diagnostics/index.ts';
import { planPolicy } from './plan/index.ts';
import { generateWasm } from './codegen/index.ts';
import { HOST_BUILTIN_NAMES } from './host-builtins.ts';
import { NATIVE_BUILTINS } from './runtime/index.ts';
import type { Policy } from './ir/index.ts';

export { hostBuiltins, strictHostBuiltins, HOST_BUILTIN_NAMES } from './host-builtins.ts';
export { printPolicy } from './ir/print.ts';
export type { Policy as IrPolicy } from './ir/index.ts';

export interface CompileWasmOptions {
  /** OPA's StrictBuiltinErrors for native builtins (pair with `strictHostBuiltins`) */
  readonly strictBuiltinErrors?: boolean;
  /** binaryen optimisation level for the generated functions, 0-4 (default 1) */
  readonly optimizeLevel?: number;
  /** binaryen validation of the module (default true) */
  readonly validate?: boolean;
  /** receives the IR before code generation (for `--dump-after plan` and tests) */
  readonly onPlan?: (policy: Policy) => void;
}

export interface CompileWasmResult {
  readonly wasm?: Uint8Array;
  readonly diagnostics: Diagnostic[];
}

/** Which builtins a compiled module can call, and where each lives. */
export const builtins = {
  native: (): string[] => Object.keys(NATIVE_BUILTINS).sort(),
  host: (): string[] => [...HOST_BUILTIN_NAMES].filter((n) => !NATIVE_BUILTINS[n]).sort(),
};

/**
 * Compiles checked Rego modules to a wasm module with one entrypoint per `pkg/rule` path
 * (e.g. `leash/decision`). Unsupported constructs and unknown builtins are diagnostics.
 */
export function compileWasm(modules: readonly Module[], entrypoints: readonly string[], options: CompileWasmOptions = {}): CompileWasmResult {
  const planned = planPolicy(modules, entrypoints);
  if (!planned.policy || hasErrors(planned.diagnostics)) return { diagnostics: planned.diagnostics };
  options.onPlan?.(planned.policy);
  const gen = generateWasm(planned.policy, {
    hostBuiltins: HOST_BUILTIN_NAMES,
    strictBuiltinErrors: options.strictBuiltinErrors ?? false,
    optimizeLevel: options.optimizeLevel ?? 1,
    validate: options.validate ?? true,
  });
  return gen.wasm ? { wasm: gen.wasm, diagnostics: [...planned.diagnostics, ...gen.diagnostics] } : { diagnostics: [...planned.diagnostics, ...gen.diagnostics] };
}
