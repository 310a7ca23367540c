// The long generated-policy fuzz: the same property as test/fuzz/generated.test.ts, for as
// many bundles as asked and a fresh random seed each time (printed first, so a failure can be
// replayed in the test with LEASH_FUZZ_SEED=<seed>).
//   node --import ./bin/register.mjs bench/fuzz-policies.ts [bundles=500] [inputs=500] [seed]
import fc from 'fast-check';
import { bundleArb, inputsFor, policySource, type PolicyGen } from '../test/fuzz/policy-gen.ts';
import { runBundle } from '../test/fuzz/differential.ts';

const bundles = Number(process.argv[2] ?? 500);
const inputs = Number(process.argv[3] ?? 500);
const seed = Number(process.argv[4] ?? Math.floor(Math.random() * 2 ** 31));
console.log(`generated-policy fuzz: ${bundles} bundles × ${inputs} inputs, seed ${seed}`);

let policies = 0;
let decisions = 0;
let allowed = 0;
const started = performance.now();
const details = await fc.check(
  fc.asyncProperty(bundleArb.chain((b) => fc.tuple(fc.constant(b), inputsFor(b, inputs))), async ([bundle, batch]) => {
    const r = await runBundle(bundle, batch);
    if (r.problems.length > 0) throw new Error(`the compiler refused a generated policy:\n${r.problems.join('\n')}`);
    if (r.disagreement) {
      const { input, wasm, reference } = r.disagreement;
      throw new Error(`engines disagree on ${JSON.stringify(input)}\nwasm:      ${JSON.stringify(wasm)}\nreference: ${JSON.stringify(reference)}`);
    }
    policies += bundle.length;
    decisions += batch.length;
    allowed += r.allowed;
  }),
  { seed, numRuns: bundles },
);
const seconds = (performance.now() - started) / 1000;
if (details.failed) {
  const bundle = (details.counterexample?.[0]?.[0] ?? []) as PolicyGen[];
  const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  console.error(`FAILED (seed ${seed}, shrunk ${details.numShrinks} times):\n${why}\n\nminimal bundle:\n${bundle.map((g, i) => policySource(g, i)).join('\n')}`);
  process.exit(1);
}
console.log(`ok: ${policies} policies, ${decisions} decisions per engine (${allowed} allowed), ${seconds.toFixed(1)} s`);
