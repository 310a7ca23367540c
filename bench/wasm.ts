// Wasm compiler and evaluation: compile time of the example bundle (pipeline, in process),
// policy.wasm size, and time per decision of the support-agent policy through the opa-wasm
// SDK (median, p99) next to the SDK floor (a module returning a constant decision, same
// inputs, same run). Writes the `wasm` section of bench/RESULTS.md.
// Usage: node --import tsx bench/wasm.ts [--quick]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, platform, release, arch, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** policy.wasm and data.json of a compile result (`what` names it when there is no wasm) */
function wasmAndData(r: Awaited<ReturnType<typeof compile>>, what: string): { wasm: Uint8Array; data: object } {
  const w = r.files.find((f) => f.path === 'policy.wasm')?.content;
  if (!(w instanceof Uint8Array)) throw new Error(`${what} did not compile to wasm: ${r.diagnostics.map((x) => x.message).join('; ')}`);
  const d = r.files.find((f) => f.path === 'data.json')?.content;
  return { wasm: w, data: typeof d === 'string' ? (JSON.parse(d) as object) : {} };
}

// 1. compile the example bundle (first run includes ts-morph start-up; then the median)
const compileTimes: number[] = [];
let wasm: Uint8Array | undefined;
let data: object = {};
for (let i = 0; i < COMPILES; i++) {
  const t0 = performance.now();
  const r = await compile(['policies'], {});
  compileTimes.push(performance.now() - t0);
  ({ wasm, data } = wasmAndData(r, 'the example bundle'));
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

// 4. evaluation against the number of policies in the bundle, only one of which applies to the
// agent: copies of the support-agent policy for other roles. The decision should cost the
// agent's own policy plus a small step per other policy, not every policy's rules.
const POLICY_COUNTS = [1, 4, 16, 64] as const;
const supportSource = readFileSync('policies/support-agent.policy.ts', 'utf8');
/** the support-agent policy renamed for role `support-<i>`; copy 0 is the original */
const policyCopy = (i: number): string => i === 0 ? supportSource
  : supportSource.replace("name: 'support-agent'", `name: 'support-agent-${i}'`).replaceAll("role: 'support'", `role: 'support-${i}'`).replace(/^(\s+)(\w+): resource\(/gm, `$1$2${i}: resource(`);
const byCount: { count: number; median: number; p99: number }[] = [];
for (const count of POLICY_COUNTS) {
  const dir = mkdtempSync(join(tmpdir(), 'leash-bench-policies-'));
  try {
    for (let i = 0; i < count; i++) writeFileSync(join(dir, `copy-${i}.policy.ts`), policyCopy(i));
    const built = wasmAndData(await compile([dir], { root: dir }), `${count} policy copies`);
    const loaded = await loadPolicy(built.wasm, undefined, hostBuiltins);
    loaded.setData(built.data);
    timeEvals(loaded, reqs); // warm up
    const times: number[] = [];
    for (let done = 0; done < EVALS / 2; done += reqs.length) times.push(...timeEvals(loaded, reqs));
    times.sort((a, b) => a - b);
    byCount.push({ count, median: quantile(times, 0.5), p99: quantile(times, 0.99) });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const oneMedian = byCount[0]!.median;

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
  '',
  `Evaluation against the number of policies in the bundle: copies of the support-agent policy for other roles, so one applies to the agent; the same inputs, ${(EVALS / 2).toLocaleString('en-US')} decisions per bundle.`,
  '',
  '| policies in the bundle | median | p99 | median ÷ one policy |',
  '|---|---|---|---|',
  ...byCount.map((r) => `| ${r.count} | ${us(r.median)} | ${us(r.p99)} | ${(r.median / oneMedian).toFixed(2)}× |`),
  '',
  `Goals: a decision within 2× of the floor (${pMed / fMed <= 2 ? 'met' : 'missed'}: ${(pMed / fMed).toFixed(2)}×); the example bundle compiles in under 2 s (${quantile(laterCompiles, 0.5) < 2000 ? 'met' : 'missed'} for a warm in-process build).`,
].join('\n');

writeSection({ name: 'wasm', markdown });
console.log(markdown);
