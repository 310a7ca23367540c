// Turns the bytes of an OPA bundle (.tar.gz) into a policy evaluator: read the bundle with
// the compiler's reader, take its manifest revision, policy.wasm and data.json, and load the
// wasm with the host builtins the wasm compiler provides. Errors say what is wrong with
// which bundle; the engine keeps the previous revision serving when one is thrown.
import { createHash } from 'node:crypto';
import { CompileError, formatDiagnostics, hostBuiltins, readBundle, type Bundle } from '../../compiler/index.ts';
import { readBundleFiles, verify, type VerifyOptions } from '../../compiler/bundle/index.ts';
import type { BundleLoader } from './engine.ts';
import { createWasmEvaluator, type HostBuiltins } from './evaluator.ts';

export const loadBundleFile: BundleLoader = async (bytes, origin) => {
  let bundle: Bundle;
  try {
    bundle = await readBundle(bytes);
  } catch (err) {
    if (err instanceof CompileError) throw new Error(`${origin}: ${formatDiagnostics(err.diagnostics)}`);
    throw err;
  }
  if (!bundle.wasm) throw new Error(`${origin} holds no policy.wasm; build it with \`leash build\` (not --no-wasm)`);
  // A bundle from elsewhere may lack a revision: name it by its content instead.
  const revision = bundle.manifest?.revision || `sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}`;
  return createWasmEvaluator({ revision, wasm: bundle.wasm, data: bundle.data }, hostBuiltins as HostBuiltins);
};

/**
 * A loader that first checks the bundle's OPA signature (.signatures.json) and refuses the
 * bundle, before anything of it is used, when it is unsigned, signed with another key or
 * scope, or when any file was added, removed or changed after signing.
 */
export function withSignatureCheck(load: BundleLoader, verification: VerifyOptions): BundleLoader {
  return async (bytes, origin) => {
    let files: Map<string, Buffer>;
    try {
      files = await readBundleFiles(bytes);
    } catch (err) {
      if (err instanceof CompileError) throw new Error(`${origin}: ${formatDiagnostics(err.diagnostics)}`);
      throw err;
    }
    const result = await verify([...files].map(([path, b]) => ({ path, bytes: b })), verification);
    if (!result.ok) throw new Error(`bundle signature rejected: ${result.problem}`);
    return load(bytes, origin);
  };
}
