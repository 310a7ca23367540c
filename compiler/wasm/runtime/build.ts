// Builds the Leash wasm runtime: compiles assembly/*.ts with AssemblyScript (stub runtime,
// imported memory, no managed allocations), then patches the heap-start global so the
// module has no start function, and writes build/runtime.wasm. Run: `node --import tsx
// compiler/wasm/runtime/build.ts` (npm `prepare` and the vitest global setup do this).
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import { assemblyCaseTables } from '../../unicode/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
export const RUNTIME_SOURCE_DIR = join(here, 'assembly');
export const RUNTIME_BUILD_PATH = join(here, 'build', 'runtime.wasm');
const HEAP_GLOBAL_SUFFIX = '/alloc/heapPtr';
/** wasm features the runtime uses; codegen must set them on the module it reads. */
export const RUNTIME_FEATURES = (): number =>
  binaryen.Features.MVP | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt |
  binaryen.Features.NontrappingFPToInt | binaryen.Features.SignExt | binaryen.Features.MutableGlobals;
const HEAP_BASE_EXPORT = '__leash_heap_base';
// The case tables' numbers live in compiler/unicode/case-tables.ts; the build writes them as
// an AssemblyScript module here (not committed) before compiling.
const CASE_TABLES_SOURCE = fileURLToPath(new URL('../../unicode/case-tables.ts', import.meta.url));
const CASE_TABLES_ASSEMBLY = join(RUNTIME_SOURCE_DIR, 'case-tables.ts');

/** True when build/runtime.wasm is missing or older than any source file. */
export function runtimeBuildIsStale(): boolean {
  if (!existsSync(RUNTIME_BUILD_PATH)) return true;
  const built = statSync(RUNTIME_BUILD_PATH).mtimeMs;
  const sources = readdirSync(RUNTIME_SOURCE_DIR).map((f) => join(RUNTIME_SOURCE_DIR, f));
  sources.push(fileURLToPath(import.meta.url), CASE_TABLES_SOURCE);
  return sources.some((f) => statSync(f).mtimeMs > built);
}

async function compileAssemblyScript(): Promise<Uint8Array> {
  writeFileSync(CASE_TABLES_ASSEMBLY, assemblyCaseTables());
  const asc = (await import('assemblyscript/asc')).default;
  let binary: Uint8Array | undefined;
  let errors = '';
  const result = await asc.main(
    [
      join(RUNTIME_SOURCE_DIR, 'index.ts'),
      '--runtime', 'stub', '--importMemory', '--noExportMemory',
      '-O3', '--noAssert', '--debug', '--disableWarning', '--outFile', 'runtime.wasm',
    ],
    {
      writeFile(name, contents) {
        if (name.endsWith('.wasm') && contents instanceof Uint8Array) binary = contents;
      },
      stderr: { write: (s: string | Uint8Array) => { errors += String(s); return true; } } as never,
      stdout: { write: () => true } as never,
    },
  );
  if (result.error || !binary) throw new Error(`AssemblyScript build of the wasm runtime failed:\n${errors}`);
  return binary;
}

/** Moves the heap start into the heap pointer's initialiser and checks invariants. */
function finishModule(raw: Uint8Array): Uint8Array {
  const module = binaryen.readBinary(raw);
  module.setFeatures(RUNTIME_FEATURES());
  try {
    const heapGlobal = findGlobal(module, HEAP_GLOBAL_SUFFIX);
    const baseFn = binaryen.getExportInfo(module.getExport(HEAP_BASE_EXPORT)).value;
    const body = binaryen.getFunctionInfo(module.getFunction(baseFn)).body;
    const info = binaryen.getExpressionInfo(body) as binaryen.ConstInfo;
    if (info.id !== binaryen.ConstId) throw new Error('runtime: heap base is not a constant');
    const heapBase = ((info.value as number) + 7) & ~7;
    module.removeExport(HEAP_BASE_EXPORT);
    module.removeGlobal(heapGlobal);
    module.addGlobal(heapGlobal, binaryen.i32, true, module.i32.const(heapBase));
    if (module.getStart()) throw new Error('runtime: unexpected start function');
    for (let i = 0; i < module.getNumFunctions(); i++) {
      const name = binaryen.getFunctionInfo(module.getFunctionByIndex(i)).name;
      if (name.startsWith('~lib/rt/')) throw new Error(`runtime: managed allocation pulled in (${name})`);
    }
    if (!module.validate()) throw new Error('runtime: module does not validate');
    binaryen.setDebugInfo(true);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

/** The internal name of the global whose name ends with `suffix`. */
export function findGlobal(module: binaryen.Module, suffix: string): string {
  for (let i = 0; i < module.getNumGlobals(); i++) {
    const name = binaryen.getGlobalInfo(module.getGlobalByIndex(i)).name;
    if (name.endsWith(suffix)) return name;
  }
  throw new Error(`runtime: global *${suffix} not found`);
}

export async function buildRuntime(): Promise<string> {
  const wasm = finishModule(await compileAssemblyScript());
  mkdirSync(dirname(RUNTIME_BUILD_PATH), { recursive: true });
  // write then rename, so a concurrent reader (another test worker) never sees half a file
  const tmp = `${RUNTIME_BUILD_PATH}.${process.pid}.tmp`;
  writeFileSync(tmp, wasm);
  renameSync(tmp, RUNTIME_BUILD_PATH);
  return RUNTIME_BUILD_PATH;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  if (force || runtimeBuildIsStale()) {
    buildRuntime().then(
      (p) => console.log(`wasm runtime built: ${p}`),
      (e: unknown) => { console.error(e instanceof Error ? e.message : e); process.exit(1); },
    );
  }
}
