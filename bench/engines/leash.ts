// Leash's own evaluation path: the bundle's policy.wasm through @open-policy-agent/opa-wasm,
// as the server runs it (loadPolicy, setData with the bundle's data.json, evaluate on the
// `leash/decision` entrypoint). Also the SDK floor: a module returning a constant decision.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { DECISION_ENTRYPOINT, type PolicyInput } from '../../compiler/index.ts';
import { readBundleFiles } from '../lib/bundle.ts';
import type { EngineSetup } from './engine.ts';

/** Rego for the floor: the decision shape, constant, so only the SDK's own work is timed. */
export const FLOOR_REGO = `package leash

decision := {"allow": true, "access": "read", "rule": "floor", "reasons": [], "limits": [], "priority": "normal"}
`;

type LoadedPolicy = Awaited<ReturnType<typeof loadPolicy>>;

function firstAllow(result: unknown): boolean {
  // the SDK answers a result set: [{ result: <decision> }]; anything else is a deny
  const first = Array.isArray(result) ? (result[0] as { result?: { allow?: unknown } } | undefined) : undefined;
  return first?.result?.allow === true;
}

export async function engineFromBundle(name: string, label: string, bundlePath: string): Promise<EngineSetup> {
  let files: Map<string, Buffer>;
  try {
    files = await readBundleFiles(bundlePath);
  } catch (err) {
    return { ok: false, missing: { name, reason: `cannot read bundle ${bundlePath}: ${(err as Error).message}` } };
  }
  const wasm = files.get('policy.wasm') ?? [...files.entries()].find(([path]) => path.endsWith('.wasm'))?.[1];
  if (!wasm) return { ok: false, missing: { name, reason: `bundle has no policy.wasm (files: ${[...files.keys()].join(', ')})` } };
  const data = files.get('data.json');
  return engineFromWasm(name, label, wasm, data ? (JSON.parse(data.toString('utf8')) as object) : undefined);
}

/** The host builtins the wasm compiler provides, passed to the SDK like the server does. */
async function compilerHostBuiltins(): Promise<Record<string, Function> | undefined> {
  try {
    const wasm = (await import('../../compiler/wasm/index.ts')) as { hostBuiltins?: Record<string, Function> };
    return wasm.hostBuiltins;
  } catch {
    return undefined;
  }
}

export async function engineFromWasm(name: string, label: string, wasm: Uint8Array, data: object | undefined): Promise<EngineSetup> {
  let policy: LoadedPolicy;
  try {
    policy = await loadPolicy(wasm as Uint8Array<ArrayBuffer>, undefined, await compilerHostBuiltins());
    if (data) policy.setData(data);
  } catch (err) {
    return { ok: false, missing: { name, reason: `opa-wasm could not load the module: ${(err as Error).message}` } };
  }
  return {
    ok: true,
    engine: {
      name,
      label,
      decide(input: PolicyInput): boolean {
        try {
          return firstAllow(policy.evaluate(input, DECISION_ENTRYPOINT));
        } catch {
          return false; // the server fails closed on evaluation errors
        }
      },
    },
  };
}

/** The SDK floor module: FLOOR_REGO through Leash's own Rego parser and wasm compiler. */
export async function buildFloorModule(): Promise<{ ok: true; wasm: Uint8Array } | { ok: false; reason: string }> {
  try {
    const rego = (await import('../../compiler/rego/index.ts')) as typeof import('../../compiler/rego/index.ts');
    const wasmCompiler = (await import('../../compiler/wasm/index.ts')) as typeof import('../../compiler/wasm/index.ts');
    const parsed = rego.parseModule(FLOOR_REGO, 'floor.rego');
    if (!parsed.module) return { ok: false, reason: `the Rego parser rejected the floor module: ${parsed.diagnostics.map((d) => d.message).join('; ')}` };
    const out = wasmCompiler.compileWasm([parsed.module], [DECISION_ENTRYPOINT]);
    if (!out.wasm) return { ok: false, reason: `the wasm compiler rejected the floor module: ${out.diagnostics.map((d) => d.message).join('; ')}` };
    return { ok: true, wasm: out.wasm };
  } catch (err) {
    return { ok: false, reason: `the Rego front end or wasm compiler is not available yet (${(err as Error).message.split('\n')[0]})` };
  }
}
