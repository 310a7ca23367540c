// Leash's own evaluation path: the bundle's policy.wasm through @open-policy-agent/opa-wasm,
// as the server runs it (loadPolicy, setData with the bundle's data.json, evaluate on the
// `leash/decision` entrypoint). Also the SDK floor: a module returning a constant decision.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DECISION_ENTRYPOINT, type PolicyInput } from '../../compiler/index.ts';
import { buildWithCli, cliAvailable, failureText, readBundleFiles } from '../lib/bundle.ts';
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
  let policy: LoadedPolicy;
  try {
    policy = await loadPolicy(wasm);
    const data = files.get('data.json');
    if (data) policy.setData(JSON.parse(data.toString('utf8')) as object);
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

/** The SDK floor module, built with `leash build -t wasm` from FLOOR_REGO. */
export async function buildFloorBundle(workDir: string): Promise<{ ok: true; bundle: string } | { ok: false; reason: string }> {
  if (!cliAvailable()) return { ok: false, reason: 'the leash CLI (cli/index.ts) is not available yet' };
  const dir = join(workDir, 'floor');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'floor.rego'), FLOOR_REGO);
  const out = join(workDir, 'floor.tar.gz');
  const built = await buildWithCli(['-t', 'wasm', '-e', DECISION_ENTRYPOINT, dir], out);
  return built.ok ? { ok: true, bundle: out } : { ok: false, reason: `leash build -t wasm failed (${failureText(built.result)})` };
}
