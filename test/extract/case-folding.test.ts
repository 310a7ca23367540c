// A policy's .toLowerCase() and .toUpperCase() compile to Rego's lower and upper; the DSL
// reference (what `leash test` and `leash eval` run) must give the bundle's decision on the
// letters where JavaScript's own methods part from Rego's (İ, ß, a final Σ) and on the ones an
// ASCII-only mapping would miss (the Kelvin sign, fullwidth letters), and on generated text.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, evaluateReference, formatDiagnostic, readBundle, type PolicyInput } from '../../compiler/index.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import { regoLower, regoUpper } from '../../compiler/dsl/rego-case.ts';
import folding from '../fixtures/dsl/case-folding.policy.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
type Policy = Awaited<ReturnType<typeof loadPolicy>>;
let policy: Policy;

beforeAll(async () => {
  const r = await compile(['test/fixtures/dsl/case-folding.policy.ts'], { root: ROOT });
  expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
  const bundle = await readBundle(r.bundle!);
  policy = await loadPolicy(bundle.wasm!, undefined, hostBuiltins as never);
  policy.setData(bundle.data);
}, 120_000);

const input = (name: unknown, team: string): PolicyInput => ({
  agent: { id: 'a', session: 's', key: null, claims: { role: 'folder', name, team }, task: null },
  request: { method: 'GET', path: '/accounts/1', query: {}, headers: {}, body: null },
  upstream: null,
  now: 0,
});

function decideBoth(name: string, team: string): { wasm: unknown; reference: unknown } {
  const i = input(name, team);
  return { wasm: policy.evaluate(i, 'leash/decision')[0]?.result, reference: evaluateReference([folding], i) };
}

describe('case mapping in DSL predicates', () => {
  it.each([
    ['İSTANBUL', 'x', ['istanbul']],
    ['straße', 'x', ['street']],
    ['STRASSE', 'x', ['strasse']],
    ['ΟΔΟΣ', 'x', ['odos']],
    ['n', 'ＡＤＭＩＮ-1', []],
    ['n', 'ADMIN-1', ['admin']],
    ['n', '\u212Aelvin', ['kelvin']],
    ['ǅ', 'ǆ', ['lowerIsTeam', 'shout']],
  ])('name %s, team %s: the denies that fire are %j in both', (name, team, fired) => {
    const { wasm, reference } = decideBoth(name, team);
    expect(reference).toEqual(wasm);
    expect((wasm as { reasons: string[] }).reasons).toEqual(fired);
  });

  it('agree on generated text from the letters where mappings differ', () => {
    const letters = ['İ', 'i', 'I', 'ı', 'ß', 'ẞ', 'S', 's', 'ſ', 'Σ', 'σ', 'ς', 'Ο', 'ο', 'Δ', 'δ', 'K', 'k', '\u212A', 'Ａ', 'ａ', 'ǅ', 'Ǆ', 'ǆ', 'ᾳ', 'ᾼ', 'ﬀ', 'ŉ', 'T', 'R', 'A', 'E', 'N', 'B', 'U', 'L', 'a', 'd', 'm', 'n', 'e', 'l', 'v', 't', 'r', 'u', 'b'];
    const text = fc.array(fc.constantFrom(...letters), { maxLength: 9 }).map((cs) => cs.join(''));
    // the team is the name case-mapped by Rego or by JavaScript, so lowerIsTeam and upperIsTeam
    // fire or not by whose mapping the reference uses
    const jsLower = (s: string) => s.toLowerCase();
    const jsUpper = (s: string) => s.toUpperCase();
    const teamOf = fc.constantFrom<(s: string) => string>(regoLower, regoUpper, jsLower, jsUpper, (s) => s);
    let fired = 0;
    fc.assert(fc.property(text, teamOf, (name, mapping) => {
      const { wasm, reference } = decideBoth(name, mapping(name));
      expect(reference).toEqual(wasm);
      fired += (wasm as { reasons: string[] }).reasons.length;
    }), { numRuns: 1_000, seed: 20261208 });
    expect(fired).toBeGreaterThan(300);
  });

  it('puts JavaScript\'s own methods back after each predicate, also after one that throws', () => {
    const nativeLower = String.prototype.toLowerCase;
    evaluateReference([folding], input('İSTANBUL', 'x'));
    // a claim of the wrong type makes the predicate throw inside the swap
    evaluateReference([folding], input(5, 'x'));
    expect(String.prototype.toLowerCase).toBe(nativeLower);
    expect('İ'.toLowerCase()).toBe('i\u0307');
  });
});
