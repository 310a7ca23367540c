// `leash build [paths...] [-o bundle.tar.gz]`: compile .policy.ts and .rego files (or folders
// of them; default policies/) into a reproducible OPA bundle. `--dump-after STAGE` prints
// that stage's output instead; diagnostics print as file:line:col: CODE: message.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Option, type Command } from 'commander';
import { compile, CompileError, formatDiagnostic, formatDiagnostics, hasErrors, readBundle, STAGES, type StageName } from '../../compiler/index.ts';
import { SignatureError, signBundle, type SignOptions } from '../../compiler/bundle/index.ts';
import { signingOptions, type SigningFlags } from './sign.ts';

export interface BuildOptions extends SigningFlags {
  readonly output?: string;
  readonly wasm?: boolean;
  readonly dumpAfter?: StageName;
  /** `-t wasm`: compile hand-written Rego to policy.wasm for the `-e` entrypoints */
  readonly target?: 'rego' | 'wasm';
  readonly entrypoint?: readonly string[];
}

export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** Runs the command; returns the exit code (0 ok, 1 diagnostics). */
export async function runBuild(paths: readonly string[], opts: BuildOptions, io: CommandIo): Promise<number> {
  const entrypoints = (opts.entrypoint ?? []).map((e) => e.replace(/^data\./, '').replaceAll('.', '/'));
  if (opts.target === 'wasm' && entrypoints.length === 0) {
    io.err('leash build -t wasm needs at least one entrypoint: -e <pkg/rule>');
    return 1;
  }
  // The signing key is checked before compiling, so a bad key fails fast.
  let signing: SignOptions | undefined;
  if (opts.signingKey !== undefined) {
    try {
      signing = signingOptions({ ...opts, signingKey: opts.signingKey });
    } catch (err) {
      if (err instanceof SignatureError) {
        io.err(`leash build: ${err.message}`);
        return 1;
      }
      throw err;
    }
  } else if (opts.signingAlg !== undefined || opts.signingKeyId !== undefined || opts.claimsFile !== undefined || opts.scope !== undefined) {
    io.err('leash build: --signing-alg, --signing-key-id, --claims-file and --scope need --signing-key');
    return 1;
  }
  const result = await compile(paths, {
    ...(opts.wasm === false ? { wasm: false } : {}), ...(opts.dumpAfter ? { dumpAfter: opts.dumpAfter } : {}),
    ...(opts.target === 'wasm' ? { entrypoints } : {}),
  });
  for (const d of result.diagnostics) io.err(formatDiagnostic(d));
  if (hasErrors(result.diagnostics)) return 1;
  if (opts.dumpAfter) {
    io.out((result.dump ?? '').replace(/\n$/, ''));
    return 0;
  }
  if (!result.bundle) return 1;
  const out = opts.output ?? 'bundle.tar.gz';
  const bytes = signing ? await signBundle(result.bundle, signing) : result.bundle;
  try {
    // `-o dist/bundle.tar.gz` in a fresh checkout: the folder is made, as a build tool would
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, bytes);
  } catch (e) {
    io.err(`leash build: cannot write ${out}: ${writeProblem(e as NodeJS.ErrnoException)}`);
    return 1;
  }
  const bundle = await readBundle(bytes);
  const signed = signing ? `, signed with keyid ${signing.key.keyId} (${signing.key.alg}${signing.scope !== undefined ? `, scope ${signing.scope}` : ''})` : '';
  io.out(`wrote ${out} (${bytes.length} bytes, revision ${bundle.manifest?.revision.slice(0, 12) ?? '?'}${signed})`);
  for (const f of result.files) io.out(`  ${f.path}${typeof f.content === 'string' ? '' : ` (${f.content.length} bytes)`}`);
  if (signing) io.out('  .signatures.json');
  return 0;
}

/** Run a command body; a bug prints one line (never a stack trace) and exits 2. */
export async function guarded(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof CompileError) {
      console.error(formatDiagnostics(e.diagnostics));
      return 1;
    }
    console.error(`leash ${command}: internal error: ${(e as Error).message ?? String(e)}`);
    return 2;
  }
}

export function registerBuildCommand(program: Command): void {
  program
    .command('build')
    .description('compile .policy.ts / .rego files or folders (default policies/) into an OPA bundle')
    .argument('[paths...]', '.policy.ts files, .rego files or folders of them (default: policies/)')
    .option('-o, --output <file>', 'where to write the bundle (a missing folder is made)', 'bundle.tar.gz')
    .option('--no-wasm', 'skip the wasm stages (the bundle then holds Rego only)')
    .addOption(new Option('-t, --target <target>', 'rego (default) or wasm: compile hand-written Rego for the -e entrypoints').choices(['rego', 'wasm']))
    .option('-e, --entrypoint <path>', 'a wasm entrypoint as pkg/rule (or data.pkg.rule), like opa build -t wasm -e; repeatable',
      (v: string, acc: string[]) => [...acc, v], [] as string[])
    .addOption(new Option('--dump-after <stage>', 'print the output of a stage and stop').choices([...STAGES]))
    .option('--signing-key <file>', 'sign the bundle (OPA .signatures.json): PEM private key, or for HS256 a file holding the secret')
    .option('--signing-alg <alg>', 'RS256 (default), ES256, EdDSA, HS256 (also RS384/512, PS256/384/512, ES384/512, HS384/512)')
    .option('--signing-key-id <id>', 'key id for the JWS kid and the payload keyid (default "default")')
    .option('--claims-file <file>', 'JSON object of extra signature claims (iss, iat, ...)')
    .option('--scope <scope>', 'the signature\'s scope claim')
    .action(async (paths: string[], opts: BuildOptions) => {
      process.exitCode = await guarded('build', () => runBuild(paths, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
}

function writeProblem(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': case 'EEXIST': return 'a file is in the way of its folder';
    case 'ENOSPC': return 'no space left on the device';
    default: return e.code ?? e.message;
  }
}
