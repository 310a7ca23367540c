// Generated cases for the runner itself: whatever limit state a case starts from (`used`) and
// however many requests it sends, the run agrees with counting by hand, and the refusing
// limit is the one named; time passing (`after`) refills a rolling window, not a session.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compile, readBundle } from '../../compiler/index.ts';
import type { Policy, PolicyTestCase } from '../../compiler/dsl/index.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import { createWasmEvaluator, type PolicyEvaluator } from '../../server/engine/evaluator.ts';
import { emptyExercised, runCase } from '../../cli/policy-tests/index.ts';
import refunds from '../fixtures/refunds/refund-agent.policy.ts';

const claims = { role: 'refunds', client_id: 'key-5', task: { customerId: 'C-771' } };
const refund = { method: 'POST', path: '/customers/C-771/refunds', body: { amount: 1 } };
const read = { method: 'GET', path: '/customers/C-771/invoices/i-1' };
const SESSION_MAX = 3; // refunds/session in the fixture
const READS_PER_MINUTE = 120; // refund-agent.read/session/60s, the default

let evaluator: PolicyEvaluator;
const policies: Policy[] = [refunds as Policy];

beforeAll(async () => {
  const built = await compile(['test/fixtures/refunds']);
  const bundle = await readBundle(built.bundle!);
  evaluator = await createWasmEvaluator({ revision: 't', wasm: bundle.wasm!, data: bundle.data }, hostBuiltins as never);
}, 60_000);

const run = (c: PolicyTestCase<unknown>) => runCase(c, evaluator, policies, emptyExercised());

describe('policy test cases, generated', () => {
  it('a case that starts from used units is admitted exactly while used + sent <= max', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 0, max: SESSION_MAX }), fc.integer({ min: 1, max: 5 }), async (used, sent) => {
      const all = await run({ name: 'n', claims, used: { 'refunds/session': used }, steps: [{ request: refund, expect: { allow: true }, times: sent }] });
      const admitted = SESSION_MAX - used;
      if (sent <= admitted) expect(all).toEqual([]);
      else {
        // a lone request is not numbered
        expect(all[0]).toBe(`${sent > 1 ? `request ${admitted + 1} (POST /customers/C-771/refunds): ` : ''}allow: expected true, got false`);
        expect(all.at(-1)).toContain('limit refunds/session exceeded');
      }
      // and expecting the refusal at the right request passes, naming the limit
      if (admitted < 5) {
        const exact = await run({ name: 'n', claims, used: { 'refunds/session': used }, steps: [
          ...(admitted > 0 ? [{ request: refund, expect: { allow: true }, times: admitted }] : []),
          { request: refund, expect: { allow: false, status: 429, code: 'rate_limited', limit: 'refunds/session' } },
        ] });
        expect(exact).toEqual([]);
      }
    }), { numRuns: 25 });
  }, 120_000);

  it('time refills a rolling window but never a session limit', async () => {
    const fullMinute = { 'refund-agent.read/session/60s': READS_PER_MINUTE };
    expect(await run({ name: 'n', claims, used: fullMinute, request: read, expect: { allow: false, limit: 'refund-agent.read/session/60s' } })).toEqual([]);
    expect(await run({ name: 'n', claims, used: fullMinute, steps: [{ request: read, after: '2m', expect: { allow: true } }] })).toEqual([]);
    const spentSession = { 'refunds/session': SESSION_MAX };
    expect(await run({ name: 'n', claims, used: spentSession, steps: [{ request: refund, after: '6d', expect: { allow: false, limit: 'refunds/session' } }] })).toEqual([]);
  }, 60_000);

  it('a wrong limit id in the expectation fails with the one that refused', async () => {
    const got = await run({ name: 'n', claims, used: { 'refunds/session': SESSION_MAX }, request: refund, expect: { allow: false, limit: 'refund-agent.write/session' } });
    expect(got[0]).toBe('limit: expected "refund-agent.write/session", got "refunds/session"');
  }, 60_000);
});
