// Run under `node --cpu-prof`: evaluates the example bundle's policy.wasm through the SDK
// on generated support-agent requests for a few seconds, so the profile shows where a
// Leash decision's time goes (SDK marshalling, wasm evaluation, host builtins, GC).
// Run: node --cpu-prof --cpu-prof-dir=DIR --import tsx bench/engines/profile-child.ts BUNDLE SECONDS
import { engineFromBundle } from './leash.ts';
import { generateInputs } from './scenario.ts';

const [bundle, seconds] = [process.argv[2]!, Number(process.argv[3] ?? 3)];
const setup = await engineFromBundle('leash', 'Leash', bundle);
if (!setup.ok) {
  console.error(setup.missing.reason);
  process.exit(1);
}
const inputs = generateInputs(1000, 88);
const until = performance.now() + seconds * 1000;
let n = 0;
while (performance.now() < until) {
  for (let i = 0; i < 100; i++) setup.engine.decide(inputs[(n + i) % inputs.length]!);
  n += 100;
}
console.log(JSON.stringify({ decisions: n }));
