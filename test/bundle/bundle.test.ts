// The bundle writer is reproducible (same input, same bytes, whatever the order given; fixed
// tar and gzip headers; revision = content hash) and the reader returns what was written
// and refuses unsafe or malformed archives with leash_bundle_error.
import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { CompileError, readBundle, writeBundle, type BundleInput } from '../../compiler/index.ts';

const input: BundleInput = {
  modules: [
    { path: 'leash/policies/b.rego', source: 'package leash.policies.b\n\nx := 2\n' },
    { path: 'leash/decision.rego', source: 'package leash\n\ndecision := 1\n' },
  ],
  data: { leash: { upstreams: { stripe: { name: 'stripe', baseUrl: 'https://api.stripe.com' } } }, z: 1, a: [3, 2] },
  roots: ['leash'],
  wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]),
};

async function entries(bytes: Uint8Array): Promise<tar.Header[]> {
  const out: tar.Header[] = [];
  const ex = tar.extract();
  const done = (async () => { for await (const e of ex) { out.push(e.header); e.resume(); } })();
  Readable.from([gunzipSync(bytes)]).pipe(ex);
  await done;
  return out;
}

async function pack(files: { name: string; body: string; type?: 'file' | 'symlink' }[]): Promise<Uint8Array> {
  const p = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve) => { p.on('data', (c: unknown) => { chunks.push(c as Buffer); }); p.on('end', resolve); });
  for (const f of files) {
    if (f.type === 'symlink') p.entry({ name: f.name, type: 'symlink', linkname: f.body });
    else p.entry({ name: f.name }, f.body);
  }
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

const bundleError = async (bytes: Uint8Array): Promise<string> => {
  try {
    await readBundle(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(CompileError);
    const d = (e as CompileError).diagnostics[0]!;
    expect(d.code).toBe('leash_bundle_error');
    return d.message;
  }
  throw new Error('expected the bundle to be refused');
};

describe('writeBundle', () => {
  it('gives identical bytes for the same input, in any module order', async () => {
    const a = await writeBundle(input);
    const b = await writeBundle({ ...input, modules: [...input.modules].reverse(), data: { a: [3, 2], z: 1, leash: input.data && (input.data as { leash: unknown }).leash } });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });

  it('sorts entries and fixes every header field that could vary', async () => {
    const bytes = await writeBundle(input);
    // gzip: no mtime, maximum compression flag, OS "unknown"
    expect([...bytes.slice(4, 10)]).toEqual([0, 0, 0, 0, 2, 0xff]);
    const hs = await entries(bytes);
    expect(hs.map((h) => h.name)).toEqual(['/.manifest', '/data.json', '/leash/decision.rego', '/leash/policies/b.rego', '/policy.wasm']);
    for (const h of hs) expect({ mtime: h.mtime?.getTime(), uid: h.uid, gid: h.gid, mode: h.mode, uname: h.uname, gname: h.gname }).toEqual({ mtime: 0, uid: 0, gid: 0, mode: 0o644, uname: '', gname: '' });
  });

  it('writes a manifest whose revision changes with any content, and a wasm entry for policy.wasm', async () => {
    const one = await readBundle(await writeBundle(input));
    expect(one.manifest).toEqual({ revision: expect.stringMatching(/^[0-9a-f]{64}$/), roots: ['leash'], wasm: [{ entrypoint: 'leash/decision', module: '/policy.wasm' }], rego_version: 1 });
    const two = await readBundle(await writeBundle({ ...input, modules: [{ path: 'leash/decision.rego', source: 'package leash\n\ndecision := 2\n' }] }));
    expect(two.manifest!.revision).not.toBe(one.manifest!.revision);
    const noWasm = await readBundle(await writeBundle({ ...input, wasm: undefined }));
    expect(noWasm.manifest!.wasm).toBeUndefined();
    expect(noWasm.wasm).toBeNull();
  });
});

describe('readBundle', () => {
  it('returns the modules, data and wasm that were written', async () => {
    const b = await readBundle(await writeBundle(input));
    expect(b.modules).toEqual([
      { path: 'leash/decision.rego', source: 'package leash\n\ndecision := 1\n' },
      { path: 'leash/policies/b.rego', source: 'package leash.policies.b\n\nx := 2\n' },
    ]);
    expect(b.data).toEqual(input.data);
    expect([...b.wasm!]).toEqual([...input.wasm!]);
  });

  it('merges nested data.json files at their directory path, as OPA does', async () => {
    const b = await readBundle(await pack([{ name: 'data.json', body: '{"a":1}' }, { name: 'x/y/data.json', body: '{"b":2}' }]));
    expect(b.data).toEqual({ a: 1, x: { y: { b: 2 } } });
  });

  it('refuses archives that are unsafe or malformed, saying why', async () => {
    expect(await bundleError(new Uint8Array([1, 2, 3]))).toMatch(/not a gzip archive/);
    expect(await bundleError(await pack([{ name: '../evil.rego', body: 'package x' }]))).toMatch(/escapes the bundle root/);
    expect(await bundleError(await pack([{ name: 'a.rego', body: 'x' }, { name: './a.rego', body: 'y' }]))).toMatch(/appears twice/);
    expect(await bundleError(await pack([{ name: 'link', body: '/etc/passwd', type: 'symlink' }]))).toMatch(/regular files only/);
    expect(await bundleError(await pack([{ name: '.manifest', body: '{oops' }]))).toMatch(/\.manifest is not valid JSON/);
    expect(await bundleError(await pack([{ name: 'data.json', body: '[1]' }]))).toMatch(/must hold a JSON object/);
    expect(await bundleError(await pack([{ name: 'data.json', body: '{"x":1}' }, { name: 'x/data.json', body: '{"y":1}' }]))).toMatch(/conflicts with data at x/);
  });
});
