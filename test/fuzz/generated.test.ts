// Property-based differential testing with generated policies: random well-typed bundles
// (1-4 policies on overlapping routes and agents, every rule kind, conditions over params,
// claims, task, body, query, headers and absent fields, limits with computed costs) and
// random inputs. The compiled wasm and the plain-JS reference must give the same decision,
// field for field. On a failure fast-check prints the seed and shrinks to a minimal bundle;
// the printed sources are the policies to paste into a file. LEASH_FUZZ_SEED=n replays a
// seed; bench/fuzz-policies.ts runs longer.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bundleArb, inputsFor, policySource, type PolicyGen } from './policy-gen.ts';
import { runBundle } from './differential.ts';

const SEED = Number(process.env['LEASH_FUZZ_SEED'] ?? 20261206);
const POLICIES = 200;
const INPUTS = 200;

describe('generated policies: wasm and the JS reference agree', () => {
  it(`on at least ${POLICIES} policies × ${INPUTS} inputs (seed ${SEED})`, async () => {
    let policies = 0;
    let decisions = 0;
    let allowed = 0;
    await fc.assert(
      fc.asyncProperty(bundleArb.chain((b) => fc.tuple(fc.constant(b), inputsFor(b, INPUTS))), async ([bundle, inputs]) => {
        const r = await runBundle(bundle, inputs);
        if (r.problems.length > 0) throw new Error(`the compiler refused a generated policy:\n${r.problems.join('\n')}`);
        if (r.disagreement) {
          const { input, wasm, reference } = r.disagreement;
          throw new Error(`engines disagree on ${JSON.stringify(input)}\nwasm:      ${JSON.stringify(wasm)}\nreference: ${JSON.stringify(reference)}`);
        }
        policies += bundle.length;
        decisions += inputs.length;
        allowed += r.allowed;
      }),
      {
        seed: SEED,
        numRuns: Number(process.env['LEASH_FUZZ_RUNS'] ?? 90),
        endOnFailure: false,
        reporter: (details) => {
          if (!details.failed) return;
          const bundle = (details.counterexample?.[0]?.[0] ?? []) as PolicyGen[];
          const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
          throw new Error(`generated-policy fuzz failed (seed ${details.seed}, shrunk ${details.numShrinks} times; replay with LEASH_FUZZ_SEED=${details.seed}):\n${why}\n\nminimal bundle:\n${bundle.map((g, i) => policySource(g, i)).join('\n')}`);
        },
      },
    );
    console.log(`generated-policy fuzz: ${policies} policies, ${decisions} decisions per engine, ${allowed} allowed (seed ${SEED})`);
    expect(policies).toBeGreaterThanOrEqual(POLICIES);
    // the inputs must reach allows, not only denials
    expect(allowed).toBeGreaterThan(decisions / 50);
  }, 600_000);
});
