// toNumber from 'leash' is Rego's to_number in plain JavaScript: numbers for numbers,
// booleans, null and decimal number text; "undefined" (the reference's Undefined) for
// everything JavaScript's Number would turn into NaN, 0 or a hex value instead.
import { describe, expect, it } from 'vitest';
import { toNumber } from '../../compiler/dsl/index.ts';
import { Undefined } from '../../compiler/dsl/strict-view.ts';
import { evaluateReference, type PolicyInput } from '../../compiler/index.ts';
import ops from '../../policies/ops-agent.policy.ts';

describe('toNumber', () => {
  it('converts what to_number converts', () => {
    const cases: [unknown, number][] = [
      [7, 7], [-2.5, -2.5], [true, 1], [false, 0], [null, 0],
      ['12', 12], ['-3', -3], ['+7', 7], ['007', 7], ['2.5', 2.5], ['.5', 0.5], ['-.5', -0.5], ['5.', 5],
      ['1e2', 100], ['1E-2', 0.01], ['+1e+3', 1000], ['1e-400', 0],
    ];
    for (const [x, n] of cases) expect([x, toNumber(x)]).toEqual([x, n]);
    // -0 is printed as 0 by Rego; keep it from leaking into decisions as -0
    expect(Object.is(toNumber('-0'), 0)).toBe(true);
  });

  it('is undefined where JavaScript Number says NaN, 0 or a hex value', () => {
    for (const x of ['abc', '', ' ', '\t', ' 12 ', '12 ', '0x10', '0x1p4', '0b1', '1_0', 'NaN', 'Infinity', '-inf', '1e', 'e5', '.', '+', '1.2.3', '1e400', '１', [1], {}]) {
      expect(() => toNumber(x), JSON.stringify(x)).toThrow(Undefined);
    }
  });

  it('makes a cost that uses it undefined, so the limit is broken (as in Rego), not a cost of 1', () => {
    const input = (series: unknown): PolicyInput => ({
      agent: { id: 'ops-1', session: 's-1', key: 'k', claims: { role: 'ops', client_id: 'c-1', task: { incidentId: 'I-1', service: 'db' } }, task: { incidentId: 'I-1', service: 'db' } },
      request: { method: 'POST', path: '/metrics/query', query: {}, headers: {}, body: { service: 'db', series } },
      upstream: null,
      now: 0,
    });
    const costOf = (series: unknown) => evaluateReference([ops], input(series)).limits.find((l) => l.scope === 'task')?.cost;
    expect([costOf('12'), costOf(' 12 '), costOf(0), costOf('-4')]).toEqual([12, undefined, 1, 1]);
    const bad = evaluateReference([ops], input('abc'));
    expect(bad.allow).toBe(false);
    expect(bad.reasons).toEqual([expect.stringMatching(/^limit .* cannot be counted/)]);
  });
});
