// `leash fmt FILES...`: print Rego files in canonical form, like `opa fmt`. `-w` rewrites
// files in place, `-l` lists files whose formatting differs, `--fail` exits 1 when any
// would change. Parse errors print as `file:line:col: rego_parse_error: ...` and exit 2.
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { formatDiagnostic } from '../../compiler/diagnostics/index.ts';
import { findRegoFiles, formatRego } from '../../compiler/rego/index.ts';

export interface FmtOptions {
  readonly write?: boolean;
  readonly list?: boolean;
  readonly fail?: boolean;
}

export interface FmtIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the command; returns the exit code. */
export function runFmt(paths: readonly string[], opts: FmtOptions, io: FmtIo): number {
  const { files, diagnostics } = findRegoFiles(paths);
  let broken = diagnostics.length > 0;
  for (const d of diagnostics) io.err(formatDiagnostic(d));
  let changed = 0;
  for (const file of files) {
    const source = readFileSync(file, 'utf8');
    const r = formatRego(source, file);
    if (r.formatted === undefined) {
      broken = true;
      for (const d of r.diagnostics) io.err(formatDiagnostic(d));
      continue;
    }
    const differs = r.formatted !== source;
    if (differs) changed++;
    if (opts.list && differs) io.out(file);
    if (opts.write && differs) writeFileSync(file, r.formatted);
    if (!opts.list && !opts.write) io.out(r.formatted.replace(/\n$/, ''));
  }
  if (broken) return 2;
  return opts.fail && changed > 0 ? 1 : 0;
}

export function registerFmtCommand(program: Command): void {
  program
    .command('fmt')
    .description('format Rego files in the canonical style (like `opa fmt`)')
    .argument('<paths...>', '.rego files or folders')
    .option('-w, --write', 'rewrite files whose formatting differs')
    .option('-l, --list', 'list files whose formatting differs')
    .option('--fail', 'exit 1 when any file would change')
    .action((paths: string[], opts: FmtOptions) => {
      process.exitCode = runFmt(paths, opts, {
        out: (t) => process.stdout.write(`${t}\n`),
        err: (t) => process.stderr.write(`${t}\n`),
      });
    });
}
