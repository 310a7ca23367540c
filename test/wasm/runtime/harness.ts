// Test harness: assembles small policy modules around the real runtime with binaryen
// (standing in for codegen) and loads them with the real opa-wasm SDK.
import binaryen from 'binaryen';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import {
  readRuntimeModule, runtimeFunctionName, defineRuntimeImport, reserveStaticData, addStaticSegments,
} from '../../../compiler/wasm/runtime/index.ts';

const { i32 } = binaryen;

export interface Harness {
  readonly module: binaryen.Module;
  call(exportName: string, args: number[], type?: number): number;
  /** Places bytes in static memory; returns the address. */
  staticBytes(bytes: Uint8Array): number;
  /** A static NUL-terminated C string; returns the address. */
  cstr(s: string): number;
}

export function newHarness(): Harness {
  const module = readRuntimeModule();
  const segments: { offset: number; data: Uint8Array }[] = [];
  return {
    module,
    call: (name, args, type = i32) => module.call(runtimeFunctionName(module, name), args, type),
    staticBytes(bytes) {
      const at = reserveStaticData(module, bytes.length);
      segments.push({ offset: at, data: bytes });
      addStaticSegments(module, segments.splice(0));
      return at;
    },
    cstr(s) { return this.staticBytes(new TextEncoder().encode(s + '\0')); },
  };
}

/**
 * Finishes a harness: defines leash_entrypoints from `entrypoints` (JSON text parsed at
 * load), leash_builtins as `{}` unless given, and leash_eval from `evalBody` (locals 0..2
 * are entrypoint, input, data; `vars` extra locals).
 */
export function finish(
  h: Harness,
  opts: { entrypoints: Record<string, number>; builtins?: Record<string, number>; evalVars?: number[]; evalBody: number },
): Uint8Array {
  const m = h.module;
  const json = (o: unknown): number => {
    const bytes = new TextEncoder().encode(JSON.stringify(o));
    const at = h.staticBytes(bytes);
    return h.call('opa_json_parse', [m.i32.const(at), m.i32.const(bytes.length)]);
  };
  defineRuntimeImport(m, 'leash_entrypoints', [], json(opts.entrypoints));
  defineRuntimeImport(m, 'leash_builtins', [], json(opts.builtins ?? {}));
  defineRuntimeImport(m, 'leash_eval', opts.evalVars ?? [], opts.evalBody);
  if (!m.validate()) throw new Error('harness module does not validate');
  binaryen.setOptimizeLevel(1);
  const out = m.emitBinary();
  m.dispose();
  return out;
}

export async function load(bytes: Uint8Array, builtins: Record<string, (...a: unknown[]) => unknown> = {}) {
  return loadPolicy(bytes as unknown as ArrayBuffer, undefined, builtins);
}
