// Builds the example bundle with the `leash` CLI (the public interface, timed as users see it;
// the pipeline's compile() in process until the build command exists, and for tests) and
// reads the files out of a bundle .tar.gz.
import { createReadStream, existsSync, writeFileSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { runChild, type ChildResult } from './child.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const LEASH_BIN = fileURLToPath(new URL('../../bin/leash.mjs', import.meta.url));

export async function readBundleFiles(path: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => { chunks.push(c as Buffer); });
      stream.on('end', () => {
        if (header.type === 'file') files.set(header.name.replace(/^\.?\//, ''), Buffer.concat(chunks));
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  createReadStream(path).on('error', (e) => extract.destroy(e)).pipe(createGunzip()).on('error', (e) => extract.destroy(e)).pipe(extract);
  await done;
  return files;
}

export interface BuildOutcome {
  readonly ok: boolean;
  readonly ms: number;
  readonly out: string;
  readonly result: ChildResult;
}

/** `leash build ARGS -o OUT`; ok when the command exits 0 and the bundle exists. */
export async function buildWithCli(args: readonly string[], out: string, timeoutMs = 120_000): Promise<BuildOutcome> {
  const result = await runChild(process.execPath, [LEASH_BIN, 'build', ...args, '-o', out], { cwd: REPO_ROOT, timeoutMs });
  return { ok: result.code === 0 && existsSync(out), ms: result.ms, out, result };
}

export function cliAvailable(): boolean {
  return existsSync(LEASH_BIN) && existsSync(fileURLToPath(new URL('../../cli/index.ts', import.meta.url)));
}

/** The tail of a failed child's output, for "not available yet" lines. */
export function failureText(result: ChildResult): string {
  const text = `${result.stderr}\n${result.stdout}`.trim().split('\n').filter(Boolean).slice(-3).join(' / ');
  if (result.timedOut) return `timed out after ${Math.round(result.ms)} ms`;
  return `exit ${result.code}: ${text.slice(0, 300)}`;
}

export type BuildMethod = 'cli' | 'in-process';

export interface ExampleBuild {
  readonly ok: boolean;
  readonly ms: number;
  readonly out: string;
  readonly method: BuildMethod;
  readonly problem: string;
}

/** `leash build` needs cli/commands/build.ts; until it lands the pipeline's compile() is called directly. */
export function buildCommandAvailable(): boolean {
  return existsSync(fileURLToPath(new URL('../../cli/commands/build.ts', import.meta.url)));
}

/**
 * The example bundle: `leash build <repo>/policies -o OUT` (what users run, timed as such), or
 * compile() in this process (when there is no build command yet, or when asked: tests).
 */
export async function buildExampleBundle(out: string, prefer: BuildMethod = 'cli'): Promise<ExampleBuild> {
  const policies = fileURLToPath(new URL('../../policies', import.meta.url));
  if (prefer === 'cli' && buildCommandAvailable()) {
    const built = await buildWithCli([policies], out);
    return { ok: built.ok, ms: built.ms, out, method: 'cli', problem: built.ok ? '' : `leash build failed (${failureText(built.result)})` };
  }
  const started = performance.now();
  try {
    const compiler = (await import('../../compiler/index.ts')) as {
      compile?: (paths: readonly string[], options: { root: string }) => Promise<{ bundle?: Uint8Array; diagnostics: readonly { message: string }[] }>;
    };
    if (!compiler.compile) return { ok: false, ms: 0, out, method: 'in-process', problem: 'neither `leash build` nor compiler compile() is available yet' };
    const result = await compiler.compile([policies], { root: REPO_ROOT });
    const ms = performance.now() - started;
    if (!result.bundle) {
      return { ok: false, ms, out, method: 'in-process', problem: `compile() produced no bundle: ${result.diagnostics.slice(0, 3).map((d) => d.message).join('; ')}` };
    }
    writeFileSync(out, result.bundle);
    return { ok: true, ms, out, method: 'in-process', problem: '' };
  } catch (err) {
    return { ok: false, ms: 0, out, method: 'in-process', problem: `the compiler is not available yet (${(err as Error).message.split('\n')[0]})` };
  }
}
