// Builds bundles with the `leash` CLI (the public interface, so the bench does not depend
// on compiler internals) and reads the files out of a bundle .tar.gz.
import { createReadStream, existsSync } from 'node:fs';
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
