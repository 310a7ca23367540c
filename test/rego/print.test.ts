// Printer unit tests: the canonical `opa fmt`-like layout (tabs, braced `if` bodies,
// `contains`, `:=`, raw strings, comments kept by line), idempotence, and ASTs built by
// hand (as the DSL lowering builds them) printing to source that parses back the same.
import { describe, expect, it } from 'vitest';
import {
  booleanTerm, callTerm, dottedRef, expr, numberTerm, printModule, printTerm, setTerm, stringTerm, varTerm,
  type Loc, type Module, type Rule, type Term,
} from '../../compiler/rego/index.ts';
import { parseOk, stripLocs } from './helpers.ts';

const fmt = (src: string): string => printModule(parseOk(src));
const L: Loc = { file: 'gen.rego', line: 1, col: 1 };

describe('layout', () => {
  it('formats a messy module canonically', () => {
    const src = [
      'package  leash.decision',
      'import data.lib',
      'import rego.v1',
      'default allow:=false',
      'allow if {input.request.method=="GET";count(input.xs)>1',
      '  not deny}',
      'deny contains msg if msg:="no"',
      'f(x):=y if {y:=x+1} else:=0',
    ].join('\n');
    expect(fmt(src)).toBe([
      'package leash.decision',
      '',
      'import data.lib',
      'import rego.v1',
      '',
      'default allow := false',
      '',
      'allow if {',
      '\tinput.request.method == "GET"',
      '\tcount(input.xs) > 1',
      '\tnot deny',
      '}',
      '',
      'deny contains msg if {',
      '\tmsg := "no"',
      '}',
      '',
      'f(x) := y if {',
      '\ty := x + 1',
      '} else := 0',
      '',
    ].join('\n'));
  });

  it('keeps comments on their lines, trailing comments at line ends, and annotations', () => {
    const src = '# METADATA\n# title: P\npackage a\n\n# about p\np if {\n\t# first\n\tinput.x # trailing\n}\n\n# the end\n';
    expect(fmt(src)).toBe(src);
  });

  it('keeps comments at the end of a block inside it', () => {
    const src = 'package a\n\np if {\n\tevery y in [1] {\n\t\ty > 0\n\t\t# inside every\n\t}\n\t# end of p\n}\n\n# about q\nq := 1\n\nf(x) := 1 if {\n\tx > 1\n\t# end main\n} else := 2 if {\n\tx\n\t# end else\n}\n';
    expect(fmt(src)).toBe(src);
  });

  it('prints every and nested bodies with tabs, comprehensions inline', () => {
    const out = fmt('package a\np if {\nevery x in xs {\nx > 0\n}\ny := [z | some z in xs; z > 1]\n}\n');
    expect(out).toBe('package a\n\np if {\n\tevery x in xs {\n\t\tx > 0\n\t}\n\ty := [z | some z in xs; z > 1]\n}\n');
  });

  it('keeps raw strings raw, escapes others, and keeps numbers exact', () => {
    expect(fmt('package a\np := `a\\b`\n')).toContain('p := `a\\b`');
    expect(fmt('package a\np := "tab\\there\\u0001"\n')).toContain('p := "tab\\there\\u0001"');
    expect(fmt('package a\np := 100000000000000000000000000001.50\n')).toContain('p := 100000000000000000000000000001.50');
  });

  it('writes brackets for keys that are not plain names, and `_` for wildcards', () => {
    expect(fmt('package a\np if input["a-b"]["if"].c[_]\n')).toContain('input["a-b"]["if"].c[_]');
    expect(fmt('package a["x-y"]\np := 1\n')).toContain('package a["x-y"]');
  });

  it('parenthesises only where precedence needs it', () => {
    expect(fmt('package a\np := ((1 + 2)) * (3 * 4) - (5 - 6)\n')).toContain('p := (1 + 2) * (3 * 4) - (5 - 6)');
    expect(fmt('package a\np := [(a | b), c]\n')).toContain('p := [(a | b), c]');
    expect(fmt('package a\np if (1, 2 in [2]) in [true]\n')).toContain('(1, 2 in [2]) in [true]');
  });

  it('is idempotent', () => {
    const src = 'package a\n\np[k] := v if { some k, v in {"a": {1, 2}, "b": set()} }\nq := {x: y | x := 1; y := 2}\n';
    const once = fmt(src);
    expect(fmt(once)).toBe(once);
  });
});

describe('ASTs built by hand (the DSL lowering path)', () => {
  const rule = (head: Partial<Rule['head']> & { name: string }, body: Rule['body'] = [], isDefault = false): Rule => ({
    kind: 'Rule', isDefault, elses: [], body, loc: L,
    head: { kind: 'Head', ref: dottedRef([head.name], L), assign: head.assign ?? true, loc: L, ...(head.value ? { value: head.value } : {}), ...(head.key ? { key: head.key } : {}) },
  });

  it('prints a decision module that parses back to the same AST', () => {
    const eq = (a: Term, b: Term): Term => callTerm('equal', [a, b], L);
    const m: Module = {
      kind: 'Module', loc: L, imports: [], comments: [],
      package: { kind: 'Package', path: ['leash', 'decision'], loc: L },
      rules: [
        rule({ name: 'allow', value: booleanTerm(false, L) }, [], true),
        rule({ name: 'allow', assign: false }, [
          expr(eq(dottedRef(['input', 'request', 'method'], L), stringTerm('GET', L)), L),
          expr(callTerm('lt', [callTerm('count', [setTerm([], L)], L), numberTerm('50', L)], L), L),
          expr(varTerm('deny', L), L, true),
        ]),
        rule({ name: 'reasons', key: stringTerm('scope "C-771"', L), assign: false }, [expr(varTerm('allow', L), L)]),
      ],
    };
    const text = printModule(m);
    expect(text).toContain('reasons contains "scope \\"C-771\\"" if {');
    expect(stripLocs(parseOk(text))).toEqual(stripLocs(m));
    expect(printTerm(callTerm('mul', [callTerm('plus', [numberTerm('1', L), numberTerm('2', L)], L), numberTerm('3', L)], L))).toBe('(1 + 2) * 3');
  });
});
