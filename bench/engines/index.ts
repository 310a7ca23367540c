// Section 2 of RESULTS.md: Leash's wasm (through the opa-wasm SDK) against Cedar and
// casbin on the same generated support-agent requests. First every engine must agree on
// every request (mismatches fail the run), then nanoseconds per decision and the ratios.
import type { PolicyInput } from '../../compiler/index.ts';
import { fmt, fmtRatio, goalLine, table } from '../lib/markdown.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import { timeBatches, warmUp } from '../lib/timing.ts';
import { createCasbinEngine } from './casbin.ts';
import { createCedarEngine } from './cedar.ts';
import type { Engine, EngineSetup, Unavailable } from './engine.ts';
import { checkEquivalence, describeMismatch, type EquivalenceReport } from './equivalence.ts';
import { engineFromBundle, engineFromWasm } from './leash.ts';
import { referenceEngine } from './reference.ts';
import { generateInputs } from './scenario.ts';

export { checkEquivalence, describeMismatch } from './equivalence.ts';
export { createCasbinEngine } from './casbin.ts';
export { createCedarEngine } from './cedar.ts';
export { engineFromBundle, engineFromWasm, buildFloorModule, FLOOR_REGO } from './leash.ts';
export { referenceEngine } from './reference.ts';
export { generateInputs, KNOWN_DECISIONS, scenarioInput } from './scenario.ts';
export type { Engine, EngineSetup, Unavailable } from './engine.ts';

export interface EngineOptions {
  readonly quick: boolean;
  /** the example bundle, or why there is none */
  readonly bundle: { readonly path: string } | { readonly missing: string };
  readonly floor: { readonly wasm: Uint8Array } | { readonly missing: string };
}

export interface EngineTiming {
  readonly name: string;
  readonly label: string;
  /** ns per decision: median of each round's batch medians */
  readonly rounds: Summary;
  readonly batchP10: number;
  readonly batchP90: number;
}

export interface EngineResults {
  readonly equivalence: EquivalenceReport;
  readonly timings: readonly EngineTiming[];
  readonly missing: readonly Unavailable[];
  readonly failed: boolean;
  readonly markdown: string;
}

async function setUpLeash(options: EngineOptions): Promise<{ leash: EngineSetup; floor: EngineSetup }> {
  const leash: EngineSetup = 'missing' in options.bundle
    ? { ok: false, missing: { name: 'leash', reason: options.bundle.missing } }
    : await engineFromBundle('leash', 'Leash policy.wasm via @open-policy-agent/opa-wasm', options.bundle.path);
  const floor: EngineSetup = 'missing' in options.floor
    ? { ok: false, missing: { name: 'sdk-floor', reason: options.floor.missing } }
    : await engineFromWasm('sdk-floor', 'constant-decision module via the same SDK path', options.floor.wasm, undefined);
  return { leash, floor };
}

/** About 20 ms per batch, whatever the engine's speed, so batches compare across engines. */
function calibrate(engine: Engine, inputs: readonly PolicyInput[]): number {
  warmUp((i: PolicyInput) => engine.decide(i), inputs, 300);
  const probe = timeBatches((i: PolicyInput) => engine.decide(i), inputs, 3, 50);
  return Math.max(10, Math.round(20_000_000 / Math.max(1, probe.nsPerOp)));
}

function timeEngines(engines: readonly Engine[], inputs: readonly PolicyInput[], rounds: number, batches: number): EngineTiming[] {
  const sizes = new Map(engines.map((e) => [e.name, calibrate(e, inputs)]));
  const perRound = new Map<string, number[]>(engines.map((e) => [e.name, []]));
  const allBatches = new Map<string, number[]>(engines.map((e) => [e.name, []]));
  for (let r = 0; r < rounds; r++) {
    // interleave engines inside each round so drift on a shared machine hits all of them
    for (const engine of engines) {
      warmUp((i: PolicyInput) => engine.decide(i), inputs, 200);
      const t = timeBatches((i: PolicyInput) => engine.decide(i), inputs, batches, sizes.get(engine.name)!);
      perRound.get(engine.name)!.push(t.nsPerOp);
      allBatches.get(engine.name)!.push(...t.batches);
    }
  }
  return engines.map((e) => {
    const all = [...allBatches.get(e.name)!].sort((a, b) => a - b);
    return {
      name: e.name,
      label: e.label,
      rounds: summarize(perRound.get(e.name)!),
      batchP10: all[Math.floor(all.length * 0.1)] ?? Number.NaN,
      batchP90: all[Math.floor(all.length * 0.9)] ?? Number.NaN,
    };
  });
}

export async function runEngines(options: EngineOptions): Promise<EngineResults> {
  const { leash, floor } = await setUpLeash(options);
  const deciders: Engine[] = [createCedarEngine(), await createCasbinEngine(), referenceEngine];
  const missing: Unavailable[] = [];
  if (leash.ok) deciders.unshift(leash.engine); else missing.push(leash.missing);
  if (!floor.ok) missing.push(floor.missing);

  const equivalence = checkEquivalence(deciders, generateInputs(options.quick ? 600 : 3000, 8));
  const failed = equivalence.mismatches.length > 0;
  const timed = [...deciders.filter((e) => e.name !== 'reference'), ...(floor.ok ? [floor.engine] : [])];
  const timings = failed ? [] : timeEngines(timed, generateInputs(1000, 88), options.quick ? 1 : 3, options.quick ? 10 : 25);
  return { equivalence, timings, missing, failed, markdown: renderEngines(options, equivalence, timings, missing) };
}

function renderEngines(options: EngineOptions, eq: EquivalenceReport, timings: readonly EngineTiming[], missing: readonly Unavailable[]): string {
  const ns = (name: string) => timings.find((t) => t.name === name)?.rounds.median ?? Number.NaN;
  const leashNs = ns('leash');
  const floorNs = ns('sdk-floor');
  const lines: string[] = ['## 2. Policy evaluation against peer engines', ''];
  lines.push(
    'The support-agent scenario (read any record of the task\'s customer; write only the task\'s ticket and its comments; ' +
    'role `support` only) encoded three ways: Leash\'s compiled `policy.wasm` through `@open-policy-agent/opa-wasm` ' +
    '(`evaluate(input, "leash/decision")`), Cedar (`bench/engines/cedar.ts`, pre-parsed policy set, `statefulIsAuthorized`) ' +
    'and casbin (`bench/engines/casbin.ts`, ABAC model with `keyMatch2`/`keyGet2`, `enforceSync`). Each engine gets the ' +
    'same `PolicyInput` and converts it itself inside the timed call (Cedar: path segments and the principal entity; ' +
    'casbin: subject object). Limits are not compared: they are stateful and consumed by the server, not the engines.',
    '',
  );
  lines.push('### Equivalence', '');
  lines.push(
    `${eq.checked} generated requests (seed 8), engines: ${eq.engines.join(', ')} (\`reference\` is issue 2's rules in plain JS); ` +
    `${eq.allowed} allowed by all, ${eq.checked - eq.allowed - eq.mismatches.length} denied by all, ` +
    `**${eq.mismatches.length} mismatches**.`,
  );
  if (eq.mismatches.length) {
    lines.push('', 'Mismatches (first 20); timing was not run:', '', ...eq.mismatches.slice(0, 20).map((m) => `- ${describeMismatch(m)}`));
  }
  if (missing.length) lines.push('', ...missing.map((m) => `- \`${m.name}\`: not available yet — ${m.reason}`));
  if (timings.length) {
    lines.push('', '### Nanoseconds per decision', '');
    lines.push(
      `1,000 generated requests (seed 88) cycled; batches of ~20 ms; ${options.quick ? '1 round' : '3 rounds'} of ` +
      `${options.quick ? 10 : 25} batches per engine, engines interleaved within each round. Median = median of the ` +
      'rounds\' batch medians (min–max over rounds); p10–p90 over all batches.',
      '',
    );
    const rows = timings.map((t) => [
      `\`${t.name}\` — ${t.label}`,
      `${fmt(t.rounds.median)}${t.rounds.n > 1 ? ` (${fmt(t.rounds.min)}–${fmt(t.rounds.max)})` : ''}`,
      `${fmt(t.batchP10)}–${fmt(t.batchP90)}`,
      fmtRatio(t.rounds.median / leashNs),
      fmtRatio(t.rounds.median / floorNs),
    ]);
    lines.push(table(['engine', 'ns/decision, median', 'batch p10–p90', '÷ leash', '÷ SDK floor'], rows));
  }
  lines.push('', '### Goals', '');
  const cedarNs = ns('cedar');
  lines.push(goalLine(Number.isFinite(leashNs) && Number.isFinite(cedarNs) ? cedarNs / leashNs >= 5 : null,
    `Leash ≥ 5× faster than Cedar per decision: Cedar/Leash = ${fmtRatio(cedarNs / leashNs)}`));
  lines.push(goalLine(Number.isFinite(leashNs) && Number.isFinite(floorNs) ? leashNs / floorNs <= 2 : null,
    `Leash within 2× of the SDK floor: Leash/floor = ${fmtRatio(leashNs / floorNs)}`));
  return lines.join('\n');
}
