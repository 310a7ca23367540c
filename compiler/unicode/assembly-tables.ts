// The case tables as an AssemblyScript module (static i32 data in linear memory), which the
// runtime build writes to assembly/case-tables.ts before compiling: the numbers live once,
// in case-tables.ts.
import { FOLD_RUNS, LOWER_RUNS, UPPER_RUNS } from './case-tables.ts';

function table(name: string, runs: readonly number[]): string {
  return `export const ${name}_RUNS: usize = memory.data<i32>([${runs.join(', ')}]);\nexport const ${name}_RUN_COUNT: u32 = ${runs.length / 4};\n`;
}

export function assemblyCaseTables(): string {
  return `// Written by compiler/wasm/runtime/build.ts from compiler/unicode/case-tables.ts; do not edit.\n${table('LOWER', LOWER_RUNS)}${table('UPPER', UPPER_RUNS)}${table('FOLD', FOLD_RUNS)}`;
}
