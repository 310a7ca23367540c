// Codegen entry: IR policy → wasm bytes. Reads the runtime module, places the policy's
// constants in static data, adds one wasm function per planned function and entrypoint,
// defines the runtime's `leash.*` imports (eval dispatch, entrypoints, builtins), then
// validates, optimises and emits.
import binaryen from 'binaryen';
import type { Diagnostic } from '../../diagnostics/index.ts';
import { error } from '../../diagnostics/index.ts';
import type { Block, Func, Policy, Stmt } from '../ir/index.ts';
import {
  loadRuntimeBinary, RUNTIME_FEATURES, NATIVE_BUILTINS, reserveStaticData, addStaticSegments, defineRuntimeImport,
} from '../runtime/index.ts';
import { Linker, NOW_GLOBAL, type LinkOptions } from './linker.ts';
import { compileBlock, type FnState } from './stmts.ts';
import { reserveBudget, addBudgetTick, spendStep, resetBudget } from './budget.ts';

const i32 = binaryen.i32;
/** loadPolicy's default memory (5 pages): static data must lie below it. */
const SDK_DEFAULT_MEMORY = 5 * 65536;
let runtimeBytes: Uint8Array | undefined;

export interface CodegenOptions extends LinkOptions {
  /** names of builtins the host provides (opa_builtinN) */
  readonly hostBuiltins: ReadonlySet<string>;
  /** binaryen optimisation level (default 2) */
  readonly optimizeLevel?: number;
  /** run binaryen's validator (default true; the SDK's WebAssembly compile validates again) */
  readonly validate?: boolean;
}

export interface CodegenResult {
  readonly wasm?: Uint8Array;
  readonly diagnostics: Diagnostic[];
}

function eachStmt(blocks: readonly Block[], f: (s: Stmt) => void): void {
  for (const b of blocks) {
    for (const s of b.stmts) {
      f(s);
      if (s.kind === 'Block') eachStmt(s.blocks, f);
      else if (s.kind === 'Scan') eachStmt([s.block], f);
    }
  }
}

export function generateWasm(policy: Policy, options: CodegenOptions): CodegenResult {
  runtimeBytes ??= loadRuntimeBinary();
  const diagnostics: Diagnostic[] = [];
  const m = binaryen.readBinary(runtimeBytes);
  try {
    m.setFeatures(RUNTIME_FEATURES());
    const funcNames = new Map(policy.funcs.map((f) => [f.name, { wasm: `leash:${f.name}`, arity: f.params.length }]));
    const link = new Linker(m, funcNames, (n) => options.hostBuiltins.has(n), options);

    // 1. host builtin ids and unknown builtins
    const reported = new Set<string>();
    const all: Block[] = [...policy.plans.flatMap((p) => p.blocks), ...policy.funcs.flatMap((f) => f.blocks)];
    eachStmt(all, (s) => {
      if (s.kind !== 'Call' || funcNames.has(s.func) || NATIVE_BUILTINS[s.func]) return;
      if (!options.hostBuiltins.has(s.func)) {
        if (!reported.has(s.func)) {
          reported.add(s.func);
          diagnostics.push(error('leash_wasm_unknown_builtin', `builtin ${s.func} is neither native in the wasm runtime nor provided by the host`, s.loc));
        }
        return;
      }
      if (s.args.length > 4) {
        diagnostics.push(error('leash_wasm_unknown_builtin', `host builtin ${s.func} takes ${s.args.length} arguments (at most 4 through the SDK)`, s.loc));
        return;
      }
      if (!link.hostIds.has(s.func)) link.hostIds.set(s.func, link.hostIds.size);
    });
    if (diagnostics.length > 0) return { diagnostics };
    reserveBudget(m, link);

    // 2. static data: every constant and message, then the entrypoint and builtin tables
    const st = link.statics;
    eachStmt(all, (s) => {
      if (s.kind === 'MakeConst') st.value(s.json);
      if (s.kind === 'AssignVarOnce' || s.kind === 'ObjectInsertOnce' || s.kind === 'ObjectInsertPath') {
        st.cstring(s.message); st.cstring(s.loc?.file ?? ''); st.cstring('eval_conflict_error');
      }
      if (s.kind === 'Call') st.cstring(s.loc?.file ?? '');
    });
    const epJson = JSON.stringify(Object.fromEntries(policy.plans.map((p, i) => [p.name, i])));
    const biJson = JSON.stringify(Object.fromEntries(link.hostIds));
    st.value(epJson); st.value(biJson);
    st.cstring('eval_internal_error'); st.cstring('unknown entrypoint'); st.cstring('');
    const size = st.size + 8;
    const base = reserveStaticData(m, size);
    if (base + size > SDK_DEFAULT_MEMORY) {
      return { diagnostics: [error('leash_plan_unsupported', `the policy's constants need ${Math.ceil(size / 1024)} KiB of static memory, more than fits below the SDK's default 5-page memory: move large constant data into data.json`)] };
    }
    addStaticSegments(m, [{ offset: base, data: st.finish(base) }]);
    link.setBase(base);

    // 3. globals and functions
    m.addGlobal(link.resultSetGlobal, i32, true, m.i32.const(0));
    m.addGlobal('leash:input', i32, true, m.i32.const(0));
    m.addGlobal('leash:data', i32, true, m.i32.const(0));
    m.addGlobal(NOW_GLOBAL, i32, true, m.i32.const(0));
    for (let i = 0; i < policy.slots; i++) m.addGlobal(`leash:slot:${i}`, i32, true, m.i32.const(0));
    addBudgetTick(m, link);
    const memoGlobals: string[] = [];
    for (const f of policy.funcs) addFunc(m, link, f, memoGlobals);
    policy.plans.forEach((p, i) => {
      const fs: FnState = { m, link, labels: [], nextScratch: p.locals, labelSeq: 0 };
      const body = m.block(null, p.blocks.map((b) => compileBlock(fs, b)), binaryen.none);
      m.addFunction(`leash:plan:${i}`, binaryen.createType([i32, i32]), binaryen.none, vars(fs.nextScratch - 2), body);
    });

    // 4. the runtime's imports from `leash`
    const dispatch = policy.plans.reduceRight<binaryen.ExpressionRef>(
      (rest, _p, i) => m.if(m.i32.eq(m.local.get(0, i32), m.i32.const(i)),
        m.call(`leash:plan:${i}`, [m.local.get(1, i32), m.local.get(2, i32)], binaryen.none), rest),
      m.call(link.rt('leash_error'), [m.i32.const(link.cstring('eval_internal_error')), m.i32.const(link.cstring('')),
        m.i32.const(0), m.i32.const(link.cstring('unknown entrypoint'))], binaryen.none),
    );
    defineRuntimeImport(m, 'leash_eval', [], m.block(null, [
      m.global.set('leash:input', m.local.get(1, i32)),
      m.global.set('leash:data', m.local.get(2, i32)),
      ...memoGlobals.map((g) => m.global.set(g, m.i32.const(0))),
      m.global.set(NOW_GLOBAL, m.i32.const(0)),
      resetBudget(m),
      m.global.set(link.resultSetGlobal, m.call(link.rt('opa_set'), [], i32)),
      dispatch,
      m.return(m.global.get(link.resultSetGlobal, i32)),
    ], binaryen.none));
    defineRuntimeImport(m, 'leash_entrypoints', [], m.i32.const(link.constant(epJson)));
    defineRuntimeImport(m, 'leash_builtins', [], m.i32.const(link.constant(biJson)));

    // 5. drop unused native builtins, check, optimise, emit
    for (const [name, nb] of Object.entries(NATIVE_BUILTINS)) {
      if (!policy.builtins.has(name) && m.getExport(nb.fn)) m.removeExport(nb.fn);
    }
    if (options.validate !== false && !m.validate()) throw new Error('internal error: generated wasm does not validate');
    m.runPasses(['remove-unused-module-elements']);
    const level = options.optimizeLevel ?? 2;
    if (level > 0) {
      // the runtime arrives optimised by asc: optimise only the functions generated here
      binaryen.setOptimizeLevel(level);
      binaryen.setShrinkLevel(0);
      for (let i = 0; i < m.getNumFunctions(); i++) {
        const info = binaryen.getFunctionInfo(m.getFunctionByIndex(i));
        if (info.name.startsWith('leash:') && !info.module) m.optimizeFunction(info.name);
      }
    }
    binaryen.setDebugInfo(false); // no name section: smaller modules, faster loads
    return { wasm: m.emitBinary(), diagnostics };
  } finally {
    m.dispose();
  }
}

function vars(n: number): number[] {
  return new Array<number>(Math.max(0, n)).fill(i32);
}

function addFunc(m: binaryen.Module, link: Linker, f: Func, memoGlobals: string[]): void {
  const fs: FnState = { m, link, labels: [], nextScratch: f.locals, labelSeq: 0 };
  const blocks = f.blocks.map((b) => compileBlock(fs, b));
  const body = m.block(null, [spendStep(m), ...blocks, m.return(m.local.get(f.returns, i32))], binaryen.none);
  const params = binaryen.createType(f.params.map(() => i32));
  const wasm = `leash:${f.name}`;
  if (!f.memo || f.params.length !== 2) {
    m.addFunction(wasm, params, i32, vars(fs.nextScratch - f.params.length), body);
    return;
  }
  const inner = `${wasm}:inner`;
  m.addFunction(inner, params, i32, vars(fs.nextScratch - f.params.length), body);
  const g = `leash:memo:${f.name}`;
  m.addGlobal(g, i32, true, m.i32.const(0));
  memoGlobals.push(g);
  const sameCtx = m.i32.and(
    m.i32.eq(m.local.get(0, i32), m.global.get('leash:input', i32)),
    m.i32.eq(m.local.get(1, i32), m.global.get('leash:data', i32)),
  );
  const call = (): binaryen.ExpressionRef => m.call(inner, [m.local.get(0, i32), m.local.get(1, i32)], i32);
  // memo value: 0 = not computed, 1 = computed and undefined, else the value
  m.addFunction(wasm, params, i32, [i32], m.block(null, [
    m.if(m.i32.eqz(sameCtx), m.return(call())),
    m.local.set(2, m.global.get(g, i32)),
    m.if(m.local.get(2, i32), m.return(m.select(m.i32.eq(m.local.get(2, i32), m.i32.const(1)), m.i32.const(0), m.local.get(2, i32)))),
    m.local.set(2, call()),
    m.global.set(g, m.select(m.local.get(2, i32), m.local.get(2, i32), m.i32.const(1))),
    m.return(m.local.get(2, i32)),
  ], binaryen.none));
}
