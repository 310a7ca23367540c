// Property-based differential testing with generated policies: random well-typed bundles
// (2-4 policies on overlapping routes and agents, every rule kind, credential-proxy upstreams
// with their own routes and limits, conditions over params, claims, task, body, query,
// headers and absent fields, limits with computed costs) and random inputs. The compiled wasm and the plain-JS reference must give the same decision,
// field for field. On a failure fast-check prints the seed and shrinks to a minimal bundle;
// the printed sources are the policies to paste into a file. LEASH_FUZZ_SEED=n replays a
// seed; LEASH_FUZZ_RUNS=n sets the runs (45 here, about 130 policies, to keep `npm test` in
// its time budget); bench/fuzz-policies.ts runs longer.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { agreementProperty, failureReport, type FuzzTally } from './differential.ts';

const SEED = Number(process.env['LEASH_FUZZ_SEED'] ?? 20261206);
const POLICIES = 120;
const INPUTS = 200;

describe('generated policies: wasm and the JS reference agree', () => {
  it(`on at least ${POLICIES} policies × ${INPUTS} inputs (seed ${SEED})`, async () => {
    const tally: FuzzTally = { policies: 0, decisions: 0, allowed: 0 };
    await fc.assert(agreementProperty(INPUTS, tally), {
      seed: SEED,
      numRuns: Number(process.env['LEASH_FUZZ_RUNS'] ?? 45),
      reporter: (details) => {
        if (details.failed) throw new Error(failureReport(details));
      },
    });
    const { policies, decisions, allowed } = tally;
    console.log(`generated-policy fuzz: ${policies} policies, ${decisions} decisions per engine, ${allowed} allowed (seed ${SEED})`);
    expect(policies).toBeGreaterThanOrEqual(POLICIES);
    // the inputs must reach allows, not only denials
    expect(allowed).toBeGreaterThan(decisions / 50);
  }, 600_000);
});
