// One differential run: compile a generated bundle (TypeScript source → Rego → wasm, the
// real pipeline), load it with the real opa-wasm SDK, and compare every input's decision
// with the plain-JS reference of the same policies. Shared by the test and the bench script.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, evaluateReference, formatDiagnostic, readBundle, type PolicyInput } from '../../compiler/index.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import fc from 'fast-check';
import { bundleArb, inputsFor, policySource, policyValue, type PolicyGen } from './policy-gen.ts';

export interface Disagreement {
  readonly input: PolicyInput;
  readonly wasm: unknown;
  readonly reference: unknown;
}

export interface RunResult {
  /** compile errors: a generated policy the compiler refused is a generator or compiler bug */
  readonly problems: readonly string[];
  readonly disagreement: Disagreement | null;
  readonly allowed: number;
  readonly sources: readonly string[];
}

type Compiled = { readonly ok: true; readonly wasm: Awaited<ReturnType<typeof loadPolicy>> } | { readonly ok: false; readonly problems: readonly string[] };

// Shrinking re-runs a bundle with fewer or simpler inputs many times: compile it once.
const compiled = new Map<string, Compiled>();

async function compileBundle(sources: readonly string[]): Promise<Compiled> {
  const key = sources.join('\n');
  const hit = compiled.get(key);
  if (hit) return hit;
  const dir = mkdtempSync(path.join(tmpdir(), 'leash-fuzz-'));
  let out: Compiled;
  try {
    sources.forEach((s, i) => writeFileSync(path.join(dir, `gen-${i}.policy.ts`), s));
    const built = await compile([dir], { root: dir });
    if (!built.bundle) {
      out = { ok: false, problems: built.diagnostics.map(formatDiagnostic) };
    } else {
      const files = await readBundle(built.bundle);
      const wasm = await loadPolicy(files.wasm!, undefined, hostBuiltins as never);
      wasm.setData(files.data);
      out = { ok: true, wasm };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (compiled.size >= 8) compiled.delete(compiled.keys().next().value!);
  compiled.set(key, out);
  return out;
}

export async function runBundle(bundle: readonly PolicyGen[], inputs: readonly PolicyInput[]): Promise<RunResult> {
  const sources = bundle.map((g, i) => policySource(g, i));
  const c = await compileBundle(sources);
  if (!c.ok) return { problems: c.problems, disagreement: null, allowed: 0, sources };
  const policies = bundle.map((g, i) => policyValue(g, i));
  let allowed = 0;
  for (const input of inputs) {
    const fromWasm = c.wasm.evaluate(input, 'leash/decision')[0]?.result;
    const fromReference = evaluateReference(policies, input);
    if (fromReference.allow) allowed++;
    if (!isDeepStrictEqual(fromWasm, JSON.parse(JSON.stringify(fromReference)))) {
      return { problems: [], disagreement: { input, wasm: fromWasm, reference: fromReference }, allowed, sources };
    }
  }
  return { problems: [], disagreement: null, allowed, sources };
}

export interface FuzzTally { policies: number; decisions: number; allowed: number }

/**
 * The property both the test and bench/fuzz-policies.ts check: for a generated bundle and
 * `inputs` requests aimed at it, the compiler accepts it and both engines agree.
 */
export function agreementProperty(inputs: number, tally: FuzzTally) {
  return fc.asyncProperty(bundleArb.chain((b) => fc.tuple(fc.constant(b), inputsFor(b, inputs))), async ([bundle, batch]) => {
    const r = await runBundle(bundle, batch);
    if (r.problems.length > 0) throw new Error(`the compiler refused a generated policy:\n${r.problems.join('\n')}`);
    if (r.disagreement) {
      const { input, wasm, reference } = r.disagreement;
      throw new Error(`engines disagree on ${JSON.stringify(input)}\nwasm:      ${JSON.stringify(wasm)}\nreference: ${JSON.stringify(reference)}`);
    }
    tally.policies += bundle.length;
    tally.decisions += batch.length;
    tally.allowed += r.allowed;
  });
}

/** A failure report: the seed to replay, why, and the shrunk bundle as policy sources. */
export function failureReport(details: fc.RunDetails<[[PolicyGen[], PolicyInput[]]]>): string {
  const bundle = details.counterexample?.[0]?.[0] ?? [];
  const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `generated-policy fuzz failed (seed ${details.seed}, shrunk ${details.numShrinks} times; replay with LEASH_FUZZ_SEED=${details.seed}):\n${why}\n\nminimal bundle:\n${bundle.map((g, i) => policySource(g, i)).join('\n')}`;
}
