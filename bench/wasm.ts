// Wasm compiler and evaluation: compile time of the example bundle (pipeline, in process),
// policy.wasm size, and time per decision of the support-agent policy through the opa-wasm
// SDK (median, p99) next to the SDK floor (a module returning a constant decision, same
// inputs, same run). Writes the `wasm` section of bench/RESULTS.md.
// Usage: node --import tsx bench/wasm.ts [--quick]
import { cpus, totalmem, platform, release, arch, loadavg } from 'node:os';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile } from '../compiler/pipeline.ts';
import { parseModule } from '../compiler/rego/index.ts';
import { compileWasm, hostBuiltins } from '../compiler/wasm/index.ts';
import { DECISION_ENTRYPOINT, type PolicyInput } from '../compiler/contract.ts';
import { writeSection } from './lib/results.ts';
import { buildRuntime, runtimeBuildIsStale } from '../compiler/wasm/runtime/build.ts';

if (runtimeBuildIsStale()) await buildRuntime();

const quick = process.argv.includes('--quick');
const EVALS = quick ? 20_000 : 100_000;
const COMPILES = quick ? 3 : 5;

const FLOOR = `package leash

decision := {"allow": true, "access": "read", "rule": "floor", "reasons": [], "limits": [], "priority": "normal"}
`;

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Support-agent requests: reads and writes, in and out of the task's scope. */
function inputs(n: number): PolicyInput[] {
  const out: PolicyInput[] = [];
  for (let i = 0; i < n; i++) {
    const customer = i % 4 === 0 ? 'C-332' : 'C-771';
    const write = i % 5 === 0;
    out.push({
      agent: {
        id: 'support-bot', session: `s-${i % 97}`, key: 'key-17',
        claims: { role: 'support', client_id: 'client-1', task: { ticketId: 'T-4891', customerId: 'C-771' } },
        task: { ticketId: 'T-4891', customerId: 'C-771' },
      },
      request: {
        method: write ? 'PATCH' : 'GET',
        path: write ? `/tickets/T-${4891 + (i % 3)}` : `/customers/${customer}/records/${i}`,
        query: {}, headers: { 'user-agent': 'bench' }, body: write ? { status: 'closed' } : null,
      },
      upstream: null,
      now: 1764214800000000000,
    });
  }
  return out;
}

type Loaded = Awaited<ReturnType<typeof loadPolicy>>;

function timeEvals(policy: Loaded, reqs: readonly PolicyInput[]): number[] {
  const times: number[] = [];
  for (const input of reqs) {
    const t0 = process.hrtime.bigint();
    policy.evaluate(input, DECISION_ENTRYPOINT);
    times.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  return times.sort((a, b) => a - b);
}

// 1. compile the example bundle (first run includes ts-morph start-up; then the median)
const compileTimes: number[] = [];
let wasm: Uint8Array | undefined;
let data: object = {};
for (let i = 0; i < COMPILES; i++) {
  const t0 = performance.now();
  const r = await compile(['policies'], {});
  compileTimes.push(performance.now() - t0);
  const w = r.files.find((f) => f.path === 'policy.wasm')?.content;
  if (!(w instanceof Uint8Array)) throw new Error('the example bundle did not compile to wasm');
  wasm = w;
  const d = r.files.find((f) => f.path === 'data.json')?.content;
  if (typeof d === 'string') data = JSON.parse(d) as object;
}
const firstCompile = compileTimes[0]!;
const laterCompiles = compileTimes.slice(1).sort((a, b) => a - b);

// 2. the wasm stage alone (plan + codegen) on the parsed example Rego
const rego = await compile(['policies'], { dumpAfter: 'check-rego' });
const modules = rego.files.filter((f) => f.path.endsWith('.rego')).map((f) => parseModule(String(f.content), f.path).module!);
const wasmStage: number[] = [];
for (let i = 0; i < COMPILES; i++) {
  const t0 = performance.now();
  compileWasm(modules, [DECISION_ENTRYPOINT]);
  wasmStage.push(performance.now() - t0);
}
wasmStage.sort((a, b) => a - b);

// 3. evaluation per decision, policy and floor interleaved in rounds on the same inputs
const floorWasm = compileWasm([parseModule(FLOOR, 'floor.rego').module!], [DECISION_ENTRYPOINT]).wasm!;
const policy = await loadPolicy(wasm!, undefined, hostBuiltins);
policy.setData(data);
const floor = await loadPolicy(floorWasm);
const reqs = inputs(5_000);
timeEvals(policy, reqs); timeEvals(floor, reqs); // warm up
const policyTimes: number[] = [];
const floorTimes: number[] = [];
for (let done = 0; done < EVALS; done += reqs.length) {
  policyTimes.push(...timeEvals(policy, reqs));
  floorTimes.push(...timeEvals(floor, reqs));
}
policyTimes.sort((a, b) => a - b);
floorTimes.sort((a, b) => a - b);
const pMed = quantile(policyTimes, 0.5), pP99 = quantile(policyTimes, 0.99);
const fMed = quantile(floorTimes, 0.5), fP99 = quantile(floorTimes, 0.99);

const ms = (n: number): string => `${n.toFixed(0)} ms`;
const us = (n: number): string => `${n.toFixed(1)} µs`;
const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
const markdown = [
  '## Wasm compiler and evaluation',
  '',
  `Run ${new Date().toISOString()} on ${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${platform()} ${release()} ${arch()}; load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end (the machine is shared: figures under load are upper bounds).`,
  `Command: \`node --import tsx bench/wasm.ts${quick ? ' --quick' : ''}\`. Evaluation: ${policyTimes.length.toLocaleString('en-US')} support-agent decisions through \`LoadedPolicy.evaluate\` (reads and writes, in and out of scope), the floor module on the same inputs in alternating rounds of ${reqs.length.toLocaleString('en-US')}.`,
  '',
  '| measure | value |',
  '|---|---|',
  `| example bundle, whole pipeline in process (first, incl. ts-morph warm-up) | ${ms(firstCompile)} |`,
  `| example bundle, whole pipeline in process (median of ${laterCompiles.length} more) | ${ms(quantile(laterCompiles, 0.5))} |`,
  `| wasm stage alone (plan + codegen + binaryen -O1 on generated functions), median of ${wasmStage.length} | ${ms(quantile(wasmStage, 0.5))} |`,
  `| policy.wasm size | ${(wasm!.length / 1024).toFixed(1)} KiB |`,
  `| decision, support-agent policy: median / p99 | ${us(pMed)} / ${us(pP99)} |`,
  `| SDK floor (constant decision): median / p99 | ${us(fMed)} / ${us(fP99)} |`,
  `| policy ÷ floor: median / p99 | ${(pMed / fMed).toFixed(2)}× / ${(pP99 / fP99).toFixed(2)}× |`,
  '',
  `Goals: a decision within 2× of the floor (${pMed / fMed <= 2 ? 'met' : 'missed'}: ${(pMed / fMed).toFixed(2)}×); the example bundle compiles in under 2 s (${quantile(laterCompiles, 0.5) < 2000 ? 'met' : 'missed'} for a warm in-process build).`,
].join('\n');

writeSection({ name: 'wasm', markdown });
console.log(markdown);
