// Property tests (fast-check): random ASTs survive print → parse unchanged (locations
// aside) and print idempotently; random and mutated source never makes the parser,
// checker or printer throw, and whatever parses formats idempotently.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkModules, parseModule, printModule } from '../../compiler/rego/index.ts';
import { moduleArb } from './arbitraries.ts';
import { stripLocs } from './helpers.ts';

const SAMPLE = `# METADATA
# title: sample
package leash.decision

import data.lib.x as y

default allow := false

allow if {
	input.request.method == "GET" # reads
	some k, v in input.m
	every z in [1, 2] {
		z > 0
	}
	xs := [a | a := input.q[_]; a > 1]
	not deny with input.user as {"n": set()}
	count(xs) > 1
}

deny contains msg if msg := sprintf("%v", [\`raw\`])

f(x) := y if {
	y := x + 1.5e3
} else := 0
`;

describe('print → parse round trip', () => {
  it('random ASTs print to source that parses back to the same AST', () => {
    fc.assert(fc.property(moduleArb, (m) => {
      const text = printModule(m);
      const r = parseModule(text, 'gen.rego');
      if (!r.module) throw new Error(`${r.diagnostics[0]?.message} at ${r.diagnostics[0]?.loc?.line}:${r.diagnostics[0]?.loc?.col} in\n${text}`);
      expect(stripLocs(r.module)).toEqual(stripLocs(m));
      expect(printModule(r.module)).toBe(text);
    }), { numRuns: 400 });
  });
});

describe('robustness', () => {
  const noThrow = (src: string): void => {
    const r = parseModule(src, 'fuzz.rego');
    if (r.module) {
      checkModules([r.module]);
      // Whatever parses formats to source that parses again and formats the same.
      const out = printModule(r.module);
      const again = parseModule(out, 'fuzz.rego');
      if (!again.module) throw new Error(`formatted source does not parse: ${again.diagnostics[0]?.message}\n${out}`);
      expect(printModule(again.module)).toBe(out);
    } else {
      expect(r.diagnostics[0]!.code).toBe('rego_parse_error');
      expect(r.diagnostics[0]!.loc).toBeDefined();
    }
  };

  it('random source never throws', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => noThrow(s)), { numRuns: 300 });
    fc.assert(fc.property(fc.array(fc.constantFrom(...'package p if { } [ ] ( ) := = == x y . , ; "s" `r` 1 -2 not some every in contains with as else default | & _ \n \t'.split(' ')), { maxLength: 60 }),
      (toks) => noThrow(`package t\n${toks.join(' ')}`)), { numRuns: 500 });
  });

  it('mutated valid source never throws', () => {
    const mutation = fc.tuple(fc.nat(SAMPLE.length), fc.nat(8), fc.string({ maxLength: 4 }));
    fc.assert(fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (ms) => {
      let s = SAMPLE;
      for (const [at, del, ins] of ms) s = s.slice(0, at % (s.length + 1)) + ins + s.slice((at % (s.length + 1)) + del);
      noThrow(s);
    }), { numRuns: 500 });
  });
});
