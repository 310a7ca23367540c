// Name resolution for codegen: runtime exports by name, planned functions, native and host
// builtins, constants and C strings placed in static data.
import binaryen from 'binaryen';
import type { Loc } from '../../diagnostics/index.ts';
import { runtimeFunctionName, NATIVE_BUILTINS } from '../runtime/index.ts';
import { StaticData } from './static.ts';

export interface LinkOptions {
  /** OPA's StrictBuiltinErrors: a failing native builtin aborts instead of being undefined */
  readonly strictBuiltinErrors?: boolean;
}

/**
 * Runtime functions codegen supplies itself (runtime/assembly/codegen-support.ts), used when
 * present: its merge lets a rule's value win a clash with base data where opa_value_merge
 * answers 0. Without that file the runtime's own functions are used.
 */
const CODEGEN_SUPPORT: Record<string, string> = {
  opa_value_merge: 'leash_cg_value_merge',
  opa_value_add_path: 'leash_cg_add_path',
};

export const NOW_GLOBAL = 'leash:now';

export class Linker {
  readonly statics = new StaticData();
  private readonly rtNames = new Map<string, string>();
  readonly hostIds = new Map<string, number>();
  readonly resultSetGlobal = 'leash:rs';
  /** absolute address of the static data (set by `placeStatics` before any code is emitted) */
  private base = -1;

  constructor(
    readonly m: binaryen.Module,
    readonly funcNames: Map<string, { wasm: string; arity: number }>,
    readonly hostAvailable: (name: string) => boolean,
    readonly options: LinkOptions,
  ) {}

  rt(exportName: string): string {
    let n = this.rtNames.get(exportName);
    if (n === undefined) {
      const fallback = CODEGEN_SUPPORT[exportName];
      n = runtimeFunctionName(this.m, fallback && this.m.getExport(fallback) ? fallback : exportName);
      this.rtNames.set(exportName, n);
    }
    return n;
  }

  /** A constant's absolute address (all constants are collected before code is emitted). */
  constant(json: string): number {
    if (this.base < 0) throw new Error('internal error: static data not placed');
    return this.statics.value(json) + this.base;
  }

  cstring(s: string): number {
    if (this.base < 0) throw new Error('internal error: static data not placed');
    return this.statics.cstring(s) + this.base;
  }

  isNative(name: string): boolean {
    return NATIVE_BUILTINS[name] !== undefined;
  }

  /** A call of a planned function or a builtin. */
  call(func: string, args: binaryen.ExpressionRef[], loc: Loc | undefined): binaryen.ExpressionRef {
    const m = this.m;
    const planned = this.funcNames.get(func);
    if (planned) return m.call(planned.wasm, args, binaryen.i32);
    const native = NATIVE_BUILTINS[func];
    if (native) {
      return m.call(this.rt(native.fn), args, binaryen.i32);
    }
    if (func === 'time.now_ns' && args.length === 0) {
      // one clock reading per evaluation, as OPA does: cached in a global reset by leash_eval
      const read = m.call(this.rt('leash_host_builtin0'), [m.i32.const(this.hostIds.get(func) ?? 0)], binaryen.i32);
      return m.block(null, [
        m.if(m.i32.eqz(m.global.get(NOW_GLOBAL, binaryen.i32)), m.global.set(NOW_GLOBAL, read)),
        m.global.get(NOW_GLOBAL, binaryen.i32),
      ], binaryen.i32);
    }
    let id = this.hostIds.get(func);
    if (id === undefined) {
      id = this.hostIds.size;
      this.hostIds.set(func, id);
    }
    if (args.length > 4) throw new Error(`internal error: host builtin ${func} with ${args.length} arguments`);
    return m.call(this.rt(`leash_host_builtin${args.length}`), [m.i32.const(id), ...args], binaryen.i32);
  }

  setBase(base: number): void {
    this.base = base;
  }
}
