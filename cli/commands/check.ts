// `leash check [paths...]`: type-check and compile policies (default policies/) without
// writing anything; exit 1 with file:line:col diagnostics on any error. Warnings (such as a
// resource that reads the body, which /authz gateways cannot send) are printed and keep exit 0.
// Meant for CI.
import type { Command } from 'commander';
import { compile, formatDiagnostic, hasErrors } from '../../compiler/index.ts';
import { guarded, type CommandIo } from './build.ts';

export interface CheckOptions {
  readonly wasm?: boolean;
}

export async function runCheck(paths: readonly string[], opts: CheckOptions, io: CommandIo): Promise<number> {
  const result = await compile(paths, opts.wasm === false ? { wasm: false, warnings: true } : { warnings: true });
  for (const d of result.diagnostics) io.err(formatDiagnostic(d));
  if (hasErrors(result.diagnostics)) {
    const n = result.diagnostics.filter((d) => d.severity === 'error').length;
    io.err(`leash check: ${n} error${n === 1 ? '' : 's'}`);
    return 1;
  }
  const rego = result.files.filter((f) => f.path.endsWith('.rego')).length;
  io.out(`ok: ${rego} Rego module${rego === 1 ? '' : 's'}${result.files.some((f) => f.path === 'policy.wasm') ? ' and policy.wasm' : ''} compiled`);
  return 0;
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description('type-check and compile policies without writing; exit 1 on any error')
    .argument('[paths...]', '.policy.ts files, .rego files or folders of them (default: policies/)')
    .option('--no-wasm', 'stop after checking the Rego (skip the wasm stages)')
    .action(async (paths: string[], opts: CheckOptions) => {
      process.exitCode = await guarded('check', () => runCheck(paths, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
}
