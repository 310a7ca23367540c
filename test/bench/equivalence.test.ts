// The engine comparison in bench/ is only meaningful if Cedar, casbin and Leash decide the
// same thing: this checks the encodings against issue 2's documented decisions and against
// each other on a few hundred generated support-agent requests.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkEquivalence, createCasbinEngine, createCedarEngine, createDslReferenceEngine, describeMismatch, engineFromBundle,
  generateInputs, KNOWN_DECISIONS, referenceEngine, scenarioInput, type Engine,
} from '../../bench/engines/index.ts';
import { buildExampleBundle, REPO_ROOT } from '../../bench/lib/bundle.ts';

const LEASH_PARTS = ['policies/support-agent.policy.ts', 'compiler/wasm/index.ts'];
const leashPresent = LEASH_PARTS.every((p) => existsSync(join(REPO_ROOT, p)));

describe('bench engine encodings', () => {
  const engines: Engine[] = [];
  let workDir = '';

  beforeAll(async () => {
    engines.push(createCedarEngine(), await createCasbinEngine(), referenceEngine);
    if (!leashPresent) {
      console.warn(`[bench equivalence] Leash not compared: missing ${LEASH_PARTS.filter((p) => !existsSync(join(REPO_ROOT, p))).join(', ')}`);
      return;
    }
    const dsl = await createDslReferenceEngine();
    if (dsl.ok) engines.push(dsl.engine);
    else console.warn(`[bench equivalence] DSL reference not compared: ${dsl.missing.reason}`);
    workDir = mkdtempSync(join(tmpdir(), 'leash-bench-eq-'));
    const built = await buildExampleBundle(join(workDir, 'bundle.tar.gz'), 'in-process');
    if (!built.ok && /not available yet/.test(built.problem)) {
      console.warn(`[bench equivalence] Leash not compared: ${built.problem}`);
      return;
    }
    // the compiler exists: a failed build of the example policies is a real failure
    if (!built.ok) throw new Error(`building the example bundle (${built.method}) failed: ${built.problem}`);
    const leash = await engineFromBundle('leash', 'Leash wasm', built.out);
    if (!leash.ok) throw new Error(leash.missing.reason);
    engines.unshift(leash.engine);
  }, 120_000);

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('every engine gives the documented decision on the scenario anchors', () => {
    for (const engine of engines) {
      for (const known of KNOWN_DECISIONS) {
        const input = scenarioInput(known.method, known.path, known.role);
        expect(engine.decide(input), `${engine.name}: ${known.method} ${known.path} as ${known.role}`).toBe(known.allow);
      }
    }
  });

  it('all engines agree on 400 generated requests, with both outcomes represented', () => {
    const report = checkEquivalence(engines, generateInputs(400, 2026));
    expect(report.mismatches.map(describeMismatch)).toEqual([]);
    expect(report.allowed).toBeGreaterThan(20);
    expect(report.checked - report.allowed).toBeGreaterThan(20);
  });

  it('reports a mismatch when one engine decides differently', () => {
    const allowAll: Engine = { name: 'allow-all', label: 'broken on purpose', decide: () => true };
    const report = checkEquivalence([referenceEngine, allowAll], generateInputs(50, 3));
    expect(report.mismatches.length).toBe(50 - report.allowed);
    expect(report.mismatches.length).toBeGreaterThan(0);
    expect(describeMismatch(report.mismatches[0]!)).toMatch(/reference=deny allow-all=allow/);
  });
});
