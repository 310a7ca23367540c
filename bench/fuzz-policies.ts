// The long generated-policy fuzz: the same property as test/fuzz/generated.test.ts, for as
// many bundles as asked and a fresh random seed each time (printed first, so a failure can be
// replayed in the test with LEASH_FUZZ_SEED=<seed>).
//   node --import ./bin/register.mjs bench/fuzz-policies.ts [bundles=500] [inputs=500] [seed]
import fc from 'fast-check';
import { agreementProperty, failureReport, type FuzzTally } from '../test/fuzz/differential.ts';

const bundles = Number(process.argv[2] ?? 500);
const inputs = Number(process.argv[3] ?? 500);
const seed = Number(process.argv[4] ?? Math.floor(Math.random() * 2 ** 31));
console.log(`generated-policy fuzz: ${bundles} bundles × ${inputs} inputs, seed ${seed}`);

const tally: FuzzTally = { policies: 0, decisions: 0, allowed: 0 };
const started = performance.now();
const details = await fc.check(agreementProperty(inputs, tally), { seed, numRuns: bundles });
const seconds = (performance.now() - started) / 1000;
if (details.failed) {
  console.error(failureReport(details));
  process.exit(1);
}
console.log(`ok: ${tally.policies} policies, ${tally.decisions} decisions per engine (${tally.allowed} allowed), ${seconds.toFixed(1)} s`);
