// One policy test case, run the way the server would decide its requests: each request goes
// through the offline decision (canonicalisation, the compiled wasm, the server's body checks,
// limits counted in a store of the case's own) and through the plain-JS reference; the case
// fails when an expectation does not hold or the two engines disagree.
import { isDeepStrictEqual } from 'node:util';
import { evaluateReference } from '../../compiler/index.ts';
import type { Expectation, Policy, PolicyTestCase, Step } from '../../compiler/dsl/index.ts';
import { canonicalWindow } from '../../compiler/dsl/model.ts';
import type { LimitStore } from '../../server/contracts.ts';
import type { PolicyEvaluator } from '../../server/engine/evaluator.ts';
import { createMemoryLimitStore } from '../../server/limits/index.ts';
import { decideOffline, offlineInput, refusalAnswer, type Answer } from '../../server/decide/offline.ts';

/** What a case's requests reached: the coverage it contributes. */
export interface Exercised {
  readonly rules: Set<string>;
  readonly resources: Set<string>;
  /** limits that refused a request (a limit is tested when it trips) */
  readonly limits: Set<string>;
}

export const emptyExercised = (): Exercised => ({ rules: new Set(), resources: new Set(), limits: new Set() });

const CHECKED: readonly (keyof Expectation)[] = ['allow', 'status', 'rule', 'reasons', 'code', 'class', 'priority', 'access', 'limit'];

// A fixed clock, so windows and session lifetimes do not depend on when the tests run.
const START_MS = Date.UTC(2030, 0, 1);
const SESSION_LIFE_MS = 7 * 86_400_000;

/** `'30s'` → 30000; null when malformed (validation reports it first). */
export function afterMs(after: string): number | null {
  const w = canonicalWindow(after);
  return w === null || w === 'session' ? null : Number(w.slice(0, -1)) * 1000;
}

export function compareAnswer(expect: Expectation, got: Answer, step: string): string[] {
  const out: string[] = [];
  for (const k of CHECKED) {
    if (expect[k] === undefined) continue;
    const actual = (got as unknown as Record<string, unknown>)[k];
    if (!isDeepStrictEqual(expect[k], actual)) out.push(`${step}${k}: expected ${JSON.stringify(expect[k])}, got ${JSON.stringify(actual ?? null)}`);
  }
  if (expect.reason !== undefined && !got.reasons.some((r) => r.includes(expect.reason!))) {
    out.push(`${step}reason: expected one containing ${JSON.stringify(expect.reason)}, got ${JSON.stringify(got.reasons)}`);
  }
  if (out.length > 0) out.push(`${step}decided by ${got.rule ?? 'no rule'} (class ${got.class ?? 'none'}): ${got.reasons.join('; ') || 'no reasons'}`);
  return out;
}

/**
 * A store that starts from the case's `used` state: the first time a bucket with a listed id
 * is counted, its used units are consumed first, in the same session, key and window, at the
 * case's start (so time that passes before the request refills them as it would).
 */
function withUsedState(inner: LimitStore, used: Readonly<Record<string, number>>, startMs: number): LimitStore {
  const filled = new Set<string>();
  return {
    ...inner,
    async consume(request) {
      for (const b of request.buckets) {
        const units = used[b.id];
        const at = `${b.id}\u0000${b.key}`;
        if (units === undefined || filled.has(at)) continue;
        filled.add(at);
        if (units > 0) await inner.consume({ ...request, nowMs: startMs, buckets: [{ ...b, cost: units }] });
      }
      return inner.consume(request);
    },
    close: () => inner.close(),
  };
}

export async function runCase(c: PolicyTestCase<unknown>, evaluator: PolicyEvaluator, policies: readonly Policy[], seen: Exercised): Promise<string[]> {
  const steps: readonly Step[] = 'steps' in c ? c.steps : [{ request: c.request, expect: c.expect }];
  const inner = createMemoryLimitStore();
  const store = c.used ? withUsedState(inner, c.used, START_MS) : inner;
  const identity = { ...(c.agent ? { agent: c.agent } : {}), session: c.session ?? `test-${Math.random().toString(36).slice(2)}` };
  const failures: string[] = [];
  let nowMs = START_MS;
  let n = 0;
  try {
    for (const step of steps) {
      if (step.after !== undefined) nowMs += afterMs(step.after) ?? 0;
      for (let i = 0; i < (step.times ?? 1); i++) {
        n++;
        const label = steps.length > 1 || (step.times ?? 1) > 1 ? `request ${n} (${step.request.method} ${step.request.path}): ` : '';
        const built = offlineInput(c.claims as Record<string, unknown>, step.request, identity, nowMs);
        let answer: Answer;
        if ('refusal' in built) answer = refusalAnswer(built.refusal, step.request.method);
        else {
          const decided = await decideOffline(evaluator, built.input, store, nowMs, START_MS + SESSION_LIFE_MS);
          if ('problem' in decided) return [...failures, `${label}policy error: ${decided.problem}`];
          answer = decided;
          const wasm = evaluator.evaluate(built.input);
          const ref = evaluateReference(policies, built.input);
          if (wasm.ok && !isDeepStrictEqual(JSON.parse(JSON.stringify(ref)), JSON.parse(JSON.stringify(wasm.decision)))) {
            failures.push(`${label}the engines disagree: wasm ${JSON.stringify(wasm.decision)}, JS reference ${JSON.stringify(ref)}`);
          }
        }
        if (answer.rule !== null) seen.rules.add(answer.rule);
        for (const r of answer.resources ?? []) seen.resources.add(r);
        if (answer.limit !== undefined) seen.limits.add(answer.limit);
        failures.push(...compareAnswer(step.expect, answer, label));
        if (failures.length > 0) return failures;
      }
    }
  } finally {
    await store.close();
  }
  return failures;
}
