// Public surface of the wasm runtime for codegen: the compiled runtime binary, helpers to
// find runtime functions/imports by name in a binaryen module, static-data placement, and
// the table of native builtins. The contract itself is documented in API.md.
import { readFileSync, existsSync } from 'node:fs';
import binaryen from 'binaryen';
import { RUNTIME_BUILD_PATH, RUNTIME_FEATURES, findGlobal } from './build.ts';

export { RUNTIME_FEATURES } from './build.ts';
export { NATIVE_BUILTINS, type NativeBuiltin } from './builtins-table.ts';
export { encodeStaticValue, type StaticValue } from './static-values.ts';

/** Value tags (byte 0 of every value), in OPA's type order. */
export const ValueTag = { null: 1, boolean: 2, number: 3, string: 4, array: 5, object: 6, set: 7 } as const;

/** The three functions codegen must define (imported by the runtime from module "leash"). */
export const CODEGEN_DEFINED = ['leash_eval', 'leash_entrypoints', 'leash_builtins'] as const;

const HEAP_GLOBAL_SUFFIX = '/alloc/heapPtr';
const RUNTIME_MEMORY_NAME = 'mimport$0';

/** The compiled runtime (build/runtime.wasm); throws a clear error when it was not built. */
export function loadRuntimeBinary(): Uint8Array {
  if (!existsSync(RUNTIME_BUILD_PATH)) {
    throw new Error(`wasm runtime not built: run \`node --import tsx compiler/wasm/runtime/build.ts\` (expected ${RUNTIME_BUILD_PATH})`);
  }
  return new Uint8Array(readFileSync(RUNTIME_BUILD_PATH));
}

/** Reads the runtime into a binaryen module with the features it needs enabled. */
export function readRuntimeModule(): binaryen.Module {
  const module = binaryen.readBinary(loadRuntimeBinary());
  module.setFeatures(RUNTIME_FEATURES());
  return module;
}

/** Internal (binaryen) name of the runtime function exported as `exportName`. */
export function runtimeFunctionName(module: binaryen.Module, exportName: string): string {
  const ref = module.getExport(exportName);
  if (!ref) throw new Error(`wasm runtime has no export ${exportName}`);
  return binaryen.getExportInfo(ref).value;
}

/** Internal name of the imported function `moduleName.base` (e.g. leash.leash_eval). */
export function runtimeImportName(module: binaryen.Module, base: string, moduleName = 'leash'): string {
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.module === moduleName && info.base === base) return info.name;
  }
  throw new Error(`wasm runtime has no import ${moduleName}.${base}`);
}

/**
 * Replaces the runtime's import `leash.<base>` with a defined function of the same
 * internal name, so the runtime's calls reach it. `vars` are extra locals.
 */
export function defineRuntimeImport(
  module: binaryen.Module, base: (typeof CODEGEN_DEFINED)[number], vars: readonly number[], body: number,
): void {
  const name = runtimeImportName(module, base);
  const info = binaryen.getFunctionInfo(module.getFunction(name));
  module.removeFunction(name);
  module.addFunction(name, info.params, info.results, [...vars], body);
}

function heapStart(module: binaryen.Module): { name: string; value: number } {
  const name = findGlobal(module, HEAP_GLOBAL_SUFFIX);
  const init = binaryen.getGlobalInfo(module.getGlobal(name)).init;
  const info = binaryen.getExpressionInfo(init) as binaryen.ConstInfo;
  return { name, value: info.value as number };
}

/**
 * Reserves `size` bytes of static memory (8-aligned) after the runtime's data and moves the
 * heap start past them. Returns the address. Fill it with `addStaticSegments`.
 */
export function reserveStaticData(module: binaryen.Module, size: number): number {
  const { name, value } = heapStart(module);
  const base = (value + 7) & ~7;
  const end = (base + size + 7) & ~7;
  module.removeGlobal(name);
  module.addGlobal(name, binaryen.i32, true, module.i32.const(end));
  return base;
}

/** The first heap address (end of all static data). */
export function heapBase(module: binaryen.Module): number {
  return heapStart(module).value;
}

/**
 * Adds active data segments at the given addresses, keeping the runtime's own segments
 * and the `env.memory` import. Addresses must come from `reserveStaticData`.
 */
export function addStaticSegments(module: binaryen.Module, segments: readonly { offset: number; data: Uint8Array }[]): void {
  const kept: binaryen.MemorySegment[] = [];
  // binaryen.js has these data-segment readers; its .d.ts does not declare them
  const segs = module as unknown as {
    getNumDataSegments(): number; getDataSegmentByIndex(i: number): number;
    getDataSegmentInfo(ref: number): { offset: number | null; data: ArrayBuffer; passive: boolean };
  };
  for (let i = 0; i < segs.getNumDataSegments(); i++) {
    const info = segs.getDataSegmentInfo(segs.getDataSegmentByIndex(i));
    kept.push({ offset: module.i32.const(info.offset ?? 0), data: new Uint8Array(info.data), passive: info.passive });
  }
  for (const s of segments) kept.push({ offset: module.i32.const(s.offset), data: s.data });
  // binaryen names the memory it reads from the runtime's import `mimport$0`; setMemory
  // replaces it (same name), and addMemoryImport turns it back into the env.memory import.
  module.setMemory(1, -1, null, kept, false, false, RUNTIME_MEMORY_NAME);
  module.addMemoryImport(RUNTIME_MEMORY_NAME, 'env', 'memory');
}
