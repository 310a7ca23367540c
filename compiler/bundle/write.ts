// Writes an OPA bundle (.tar.gz) reproducibly: entries sorted by path, fixed mtime, owner
// and mode, a fixed gzip header, and a manifest whose revision is the content hash. The
// same input always gives the same bytes.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { DECISION_ENTRYPOINT } from '../contract.ts';

export interface BundleInput {
  /** Rego modules by bundle path (e.g. 'leash/decision.rego'). */
  readonly modules: readonly { readonly path: string; readonly source: string }[];
  /** The whole data document (written as one data.json at the root). */
  readonly data: unknown;
  /** Top-level packages/data paths this bundle owns. */
  readonly roots: readonly string[];
  /** The compiled policy (next stage); adds the manifest's `wasm` entry. */
  readonly wasm?: Uint8Array;
  /** The wasm module's entrypoints (default: leash/decision), one manifest entry each. */
  readonly wasmEntrypoints?: readonly string[];
}

export interface Manifest {
  readonly revision: string;
  readonly roots: readonly string[];
  readonly wasm?: readonly { readonly entrypoint: string; readonly module: string }[];
  readonly rego_version?: number;
}

export const WASM_PATH = '/policy.wasm';
const FIXED_MTIME = new Date(0);

/** JSON with object keys sorted, so equal values print identically. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** The files of a bundle (manifest included), sorted by path. */
export function bundleFiles(input: BundleInput): { path: string; bytes: Buffer }[] {
  const files: { path: string; bytes: Buffer }[] = [
    { path: '/data.json', bytes: Buffer.from(`${canonicalJson(input.data)}\n`) },
    ...input.modules.map((m) => ({ path: `/${m.path.replace(/^\/+/, '')}`, bytes: Buffer.from(m.source) })),
  ];
  if (input.wasm) files.push({ path: WASM_PATH, bytes: Buffer.from(input.wasm) });
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) throw new Error(`internal error: two bundle files at ${f.path}`);
    seen.add(f.path);
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  // Revision: a hash over every path and content, so any change gives a new revision.
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.path}\0${f.bytes.length}\0`).update(f.bytes);
  const manifest: Manifest = {
    revision: h.digest('hex'),
    roots: [...new Set(input.roots)].sort(),
    ...(input.wasm ? { wasm: (input.wasmEntrypoints ?? [DECISION_ENTRYPOINT]).map((entrypoint) => ({ entrypoint, module: WASM_PATH })) } : {}),
    rego_version: 1,
  };
  return [{ path: '/.manifest', bytes: Buffer.from(`${JSON.stringify(manifest)}\n`) }, ...files];
}

/** The bundle as .tar.gz bytes. */
export async function writeBundle(input: BundleInput): Promise<Uint8Array> {
  return packBundleFiles(bundleFiles(input));
}

/**
 * Packs files (paths like '/data.json') into .tar.gz bytes reproducibly, in the order given:
 * fixed mtime, owner and mode, and a fixed gzip header.
 */
export async function packBundleFiles(files: readonly { readonly path: string; readonly bytes: Uint8Array }[]): Promise<Uint8Array> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (c: unknown) => { chunks.push(c as Buffer); });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const f of files) {
    pack.entry({ name: f.path, size: f.bytes.length, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '', mtime: FIXED_MTIME, type: 'file' }, Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength));
  }
  pack.finalize();
  await done;
  const gz = gzipSync(Buffer.concat(chunks), { level: 9 });
  // The gzip header's OS byte depends on where zlib was built; fix it to "unknown".
  gz[9] = 0xff;
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}
