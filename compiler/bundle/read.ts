// Reads an OPA bundle (.tar.gz): manifest, data (every data.json merged at its directory
// path), Rego modules and policy.wasm. Refuses unsafe or oversized archives with a
// `leash_bundle_error`, never a stack trace.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { CompileError, error } from '../diagnostics/index.ts';
import type { Manifest } from './write.ts';

export interface Bundle {
  readonly manifest: Manifest | null;
  readonly data: Record<string, unknown>;
  readonly modules: readonly { readonly path: string; readonly source: string }[];
  readonly wasm: Uint8Array | null;
  /** every file of the archive, sorted, with its size and SHA-256 (for `leash inspect`) */
  readonly files: readonly { readonly path: string; readonly bytes: number; readonly sha256: string }[];
}

const MAX_BYTES = 256 * 1024 * 1024;

const fail = (message: string): never => {
  throw new CompileError([error('leash_bundle_error', message)]);
};

/** Parse bundle bytes; throws CompileError (leash_bundle_error) when malformed. */
export async function readBundle(bytes: Uint8Array): Promise<Bundle> {
  return bundleFromFiles(await readBundleFiles(bytes));
}

/**
 * The regular files of a bundle archive, by normalised path ('/data.json', '/.manifest'),
 * with the same safety checks as readBundle (size, entry types, no `..`, no duplicates).
 * Signature verification works on these raw bytes.
 */
export async function readBundleFiles(bytes: Uint8Array): Promise<Map<string, Buffer>> {
  let tarBytes: Buffer;
  try {
    tarBytes = gunzipSync(bytes, { maxOutputLength: MAX_BYTES });
  } catch (e) {
    return fail(`not a gzip archive or larger than ${MAX_BYTES} bytes unpacked (${(e as Error).message})`);
  }
  const files = new Map<string, Buffer>();
  const extract = tar.extract();
  try {
    const reading = (async () => {
      for await (const entry of extract) {
        const chunks: Buffer[] = [];
        for await (const c of entry) chunks.push(c as Buffer);
        const type = entry.header.type;
        if ((type as string) === 'directory') continue;
        if (type !== 'file' && type !== 'contiguous-file') fail(`entry ${entry.header.name} is a ${type}; bundles hold regular files only`);
        const path = normalizePath(entry.header.name);
        if (files.has(path)) fail(`entry ${path} appears twice`);
        files.set(path, Buffer.concat(chunks));
      }
    })();
    Readable.from([tarBytes]).pipe(extract);
    await reading;
  } catch (e) {
    if (e instanceof CompileError) throw e;
    fail(`not a tar archive (${(e as Error).message})`);
  }
  return files;
}

/** The bundle view of files read by readBundleFiles. */
export function bundleFromFiles(files: ReadonlyMap<string, Buffer>): Bundle {
  let manifest: Manifest | null = null;
  const data: Record<string, unknown> = {};
  const modules: { path: string; source: string }[] = [];
  let wasm: Uint8Array | null = null;
  for (const [path, content] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (path === '/.manifest') {
      const m = parseJson(path, content);
      if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('.manifest must be a JSON object');
      manifest = m as Manifest;
    } else if (path === '/data.json' || path.endsWith('/data.json')) {
      const dir = path.slice(1, -'data.json'.length).split('/').filter((s) => s !== '');
      mergeAt(data, dir, parseJson(path, content), path);
    } else if (path.endsWith('.rego')) {
      modules.push({ path: path.slice(1), source: content.toString('utf8') });
    } else if (path === '/policy.wasm' || path.endsWith('.wasm')) {
      if (wasm) fail('more than one .wasm module; Leash bundles carry one policy.wasm');
      wasm = new Uint8Array(content);
    }
  }
  const listing = [...files].sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([path, content]) => ({ path: path.slice(1), bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') }));
  return { manifest, data, modules, wasm, files: listing };
}

function normalizePath(name: string): string {
  const parts = name.replace(/^\.?\/+/, '').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) fail(`entry ${name} escapes the bundle root`);
  return `/${parts.join('/')}`;
}

function parseJson(path: string, content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'));
  } catch (e) {
    return fail(`${path} is not valid JSON (${(e as Error).message})`);
  }
}

function mergeAt(root: Record<string, unknown>, dir: readonly string[], value: unknown, path: string): void {
  let node = root;
  for (const seg of dir) {
    const next = node[seg];
    if (next === undefined) node[seg] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) fail(`${path} conflicts with data at ${dir.join('.')}`);
    node = node[seg] as Record<string, unknown>;
  }
  if (dir.length === 0 && (typeof value !== 'object' || value === null || Array.isArray(value))) fail(`${path} must hold a JSON object`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${path} must hold a JSON object`);
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k in node) fail(`${path} redefines data key ${[...dir, k].join('.')}`);
    node[k] = v;
  }
}
