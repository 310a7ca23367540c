// Section 2 of RESULTS.md: Leash's wasm (through the opa-wasm SDK) against Cedar and
// casbin on the same generated support-agent requests. First every engine must agree on
// every request (mismatches fail the run), then nanoseconds per decision and the ratios.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicyInput } from '../../compiler/index.ts';
import { REPO_ROOT } from '../lib/bundle.ts';
import { runChild } from '../lib/child.ts';
import { newestProfile, renderProfile, summarizeProfile } from '../lib/cpu-profile.ts';
import { fmt, fmtRatio, goalLine, table } from '../lib/markdown.ts';
import { summarize, type Summary } from '../lib/stats.ts';
import { timeBatches, warmUp } from '../lib/timing.ts';
import { createCasbinEngine } from './casbin.ts';
import { createCedarEngine } from './cedar.ts';
import type { Engine, EngineSetup, Unavailable } from './engine.ts';
import { checkEquivalence, describeMismatch, type EquivalenceReport } from './equivalence.ts';
import { engineFromBundle, engineFromWasm } from './leash.ts';
import { referenceEngine } from './reference.ts';
import { createDslReferenceEngine } from './dsl-reference.ts';
import { generateInputs } from './scenario.ts';

export { checkEquivalence, describeMismatch } from './equivalence.ts';
export { createCasbinEngine } from './casbin.ts';
export { createCedarEngine } from './cedar.ts';
export { engineFromBundle, engineFromWasm, buildFloorModule, FLOOR_REGO } from './leash.ts';
export { referenceEngine } from './reference.ts';
export { createDslReferenceEngine } from './dsl-reference.ts';
export { generateInputs, KNOWN_DECISIONS, scenarioInput } from './scenario.ts';
export type { Engine, EngineSetup, Unavailable } from './engine.ts';

export interface EngineOptions {
  readonly quick: boolean;
  /** the example bundle, or why there is none */
  readonly bundle: { readonly path: string } | { readonly missing: string };
  readonly floor: { readonly wasm: Uint8Array } | { readonly missing: string };
  /** profile Leash's evaluation with --cpu-prof: 'always', 'on-miss' (a goal missed) or 'never' */
  readonly profile: 'always' | 'on-miss' | 'never';
  readonly workDir: string;
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
  const dsl = await createDslReferenceEngine();
  if (dsl.ok) deciders.push(dsl.engine); else missing.push(dsl.missing);
  if (leash.ok) deciders.unshift(leash.engine); else missing.push(leash.missing);
  if (!floor.ok) missing.push(floor.missing);

  const equivalence = checkEquivalence(deciders, generateInputs(options.quick ? 600 : 3000, 8));
  const failed = equivalence.mismatches.length > 0;
  const timed = [...deciders.filter((e) => e.name !== 'reference' && e.name !== 'dsl-reference'), ...(floor.ok ? [floor.engine] : [])];
  const timings = failed ? [] : timeEngines(timed, generateInputs(1000, 88), options.quick ? 1 : 3, options.quick ? 10 : 25);
  const profile = await maybeProfile(options, timings);
  return { equivalence, timings, missing, failed, markdown: renderEngines(options, equivalence, timings, missing, profile) };
}

const PROFILE_CHILD = fileURLToPath(new URL('./profile-child.ts', import.meta.url));

/** Leash's goals: ≥ 5× Cedar's speed and ≤ 2× the SDK floor; null when not measurable. */
function leashGoals(timings: readonly EngineTiming[]): { cedar: boolean | null; floor: boolean | null } {
  const ns = (name: string) => timings.find((t) => t.name === name)?.rounds.median ?? Number.NaN;
  const [leash, cedar, floor] = [ns('leash'), ns('cedar'), ns('sdk-floor')];
  return {
    cedar: Number.isFinite(leash) && Number.isFinite(cedar) ? cedar / leash >= 5 : null,
    floor: Number.isFinite(leash) && Number.isFinite(floor) ? leash / floor <= 2 : null,
  };
}

async function maybeProfile(options: EngineOptions, timings: readonly EngineTiming[]): Promise<string | null> {
  if ('missing' in options.bundle || !timings.some((t) => t.name === 'leash') || options.profile === 'never') return null;
  const goals = leashGoals(timings);
  if (options.profile === 'on-miss' && goals.cedar !== false && goals.floor !== false) return null;
  const dir = join(options.workDir, `cpu-prof-engines-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const child = await runChild(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', PROFILE_CHILD, options.bundle.path, '4'], {
    cwd: REPO_ROOT, timeoutMs: 60_000,
  });
  const file = newestProfile(dir);
  if (child.code !== 0 || !file) return `Profiling Leash's evaluation failed (exit ${child.code}): ${child.stderr.slice(-300)}`;
  return renderProfile('Leash evaluation through the SDK (4 s loop over the generated requests)', summarizeProfile(file));
}

function renderEngines(options: EngineOptions, eq: EquivalenceReport, timings: readonly EngineTiming[], missing: readonly Unavailable[], profile: string | null): string {
  const ns = (name: string) => timings.find((t) => t.name === name)?.rounds.median ?? Number.NaN;
  const leashNs = ns('leash');
  const floorNs = ns('sdk-floor');
  const lines: string[] = ['## 2. Policy evaluation against peer engines', ''];
  lines.push(
    'The support-agent scenario (`GET` any record of the task\'s customer; `PATCH`/`PUT`/`POST` only the task\'s ticket and its comments; ' +
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
  const goals = leashGoals(timings);
  lines.push(goalLine(goals.cedar, `Leash ≥ 5× faster than Cedar per decision: Cedar/Leash = ${fmtRatio(ns('cedar') / leashNs)}`));
  lines.push(goalLine(goals.floor, `Leash within 2× of the SDK floor: Leash/floor = ${fmtRatio(leashNs / floorNs)}`));
  if (profile) lines.push('', '### Profile', '', profile);
  return lines.join('\n');
}
