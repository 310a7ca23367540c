// Checker unit tests: each OPA error code for what OPA's compiler rejects (with the
// position), and clean results for the valid forms that look close to them.
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../compiler/diagnostics/index.ts';
import { checkModules, checkModulesWithIndex, lookupBuiltin, ruleKind } from '../../compiler/rego/index.ts';
import { parseOk } from './helpers.ts';

/** Diagnostics of one or more modules as `line:col: code: message`. */
function check(...sources: string[]): string[] {
  const modules = sources.map((s, i) => parseOk(s, `m${i}.rego`));
  return checkModules(modules).map((d) => formatDiagnostic(d).replace(/^m\d\.rego:/, ''));
}
const mod = (body: string): string => `package t\n\n${body}\n`;

describe('clean modules', () => {
  it('accepts safe bodies in any order, as OPA reorders them', () => {
    expect(check(mod([
      'import data.lib.util as u',
      'default allow := false',
      'allow if {',
      '\tx > 1',
      '\tx = input.n',
      '\tsome k, v in input.m',
      '\t[a, b] = [k, v]',
      '\tcount(input.xs, n)',
      '\tn > a',
      '\tevery y in input.ys { y != x }',
      '\tys := [z | some z in input.ys; z > x]',
      '\tnot u.blocked with input.user as x',
      '}',
      'p[k] := v if some k, v in input.o',
      'q contains x if input.xs[x]',
      'f(x) := y if y := x * 2',
      'g(x) := f(x) + 1',
      'h := r if r := g(1) else := 0',
      'obj := {k: v | some k in ["a"]; v := upper(k)}',
      'm := data.t.f(1)',
    ].join('\n')))).toEqual([]);
  });

  it('knows rule kinds and exports the index', () => {
    const m = parseOk(mod('a := 1\nb contains 1\nc[k] := 1 if some k in ["x"]\nd(x) := x'));
    expect(m.rules.map(ruleKind)).toEqual(['complete', 'partial_set', 'partial_object', 'function']);
    const { index } = checkModulesWithIndex([m]);
    expect(index.groups.get(['data', 't', 'd'].join('\u0000'))?.arity).toBe(1);
    expect(lookupBuiltin('count')?.arity).toBe(1);
  });
});

describe('rego_unsafe_var_error', () => {
  it('reports variables no positive expression binds, at their position', () => {
    expect(check(mod('p if { x > 1 }'))).toEqual(['3:8: rego_unsafe_var_error: var x is unsafe']);
    expect(check(mod('p := y'))).toEqual(['3:6: rego_unsafe_var_error: var y is unsafe']);
    expect(check(mod('p if { not input.xs[i] }'))).toEqual(['3:21: rego_unsafe_var_error: var i is unsafe']);
    expect(check(mod('p := [x | y > 1]'))).toContain('3:11: rego_unsafe_var_error: var y is unsafe');
    expect(check(mod('p contains x if input.a'))).toEqual(['3:12: rego_unsafe_var_error: var x is unsafe']);
    expect(check(mod('p if { every x in input.xs { x > z } }'))).toEqual(['3:34: rego_unsafe_var_error: var z is unsafe']);
  });
});

describe('body reordering at scale', () => {
  it('orders a long body written in reverse dependency order', () => {
    const lines: string[] = [];
    for (let i = 3000; i > 0; i--) lines.push(`\tx${i} = x${i - 1}`);
    expect(check(mod(`p if {\n${lines.join('\n')}\n\tx0 = 1\n}`))).toEqual([]);
    const unsafe = check(mod(`p if {\n${lines.join('\n')}\n}`));
    expect(unsafe).toHaveLength(3000); // x0 ... x2999: each is unified only with another unbound var
    expect(unsafe).toContain('3003:7: rego_unsafe_var_error: var x0 is unsafe');
  });
});

describe('rego_compile_error', () => {
  it(':= reassignment, use before :=, shadowing input/data', () => {
    expect(check(mod('p if { x := 1; x := 2 }'))).toEqual(['3:16: rego_compile_error: var x assigned above']);
    expect(check(mod('p if { x == 1; x := 1 }'))).toEqual(['3:16: rego_compile_error: var x referenced above']);
    expect(check(mod('f(x) := 1 if { x := 2 }'))).toEqual(['3:16: rego_compile_error: var x assigned above']);
    expect(check(mod('p if { input := 1 }'))[0]).toMatch(/rego_compile_error: variables must not shadow input/);
  });

  it('conflicting rule kinds, multiple defaults', () => {
    expect(check(mod('p := 1\np contains 2'))).toEqual(['4:1: rego_compile_error: conflicting rules data.t.p found']);
    expect(check(mod('default p := 1\ndefault p := 2'))).toEqual(['4:1: rego_compile_error: multiple default rules data.t.p found']);
    expect(check(mod('p := 1'), 'package t.p\n\nq := 1\n')[0]).toMatch(/rego_type_error: package t\.p conflicts with rule data\.t\.p/);
  });

  it('unknown and clashing imports', () => {
    expect(check('package t\n\nimport future.keywords.maybe\n')).toEqual([expect.stringMatching(/^3:1: rego_compile_error: unknown import future\.keywords\.maybe/)]);
    expect(check('package t\n\nimport rego.v2\n')[0]).toMatch(/unknown import rego\.v2/);
    expect(check('package t\n\nimport data.a as z\nimport data.b as z\n')[0]).toMatch(/4:1: rego_compile_error: import data\.b shadows import data\.a/);
    expect(check('package t\n\nimport future.keywords.in\nimport future.keywords\nimport rego.v1\n')).toEqual([]);
  });
});

describe('rego_type_error', () => {
  it('undefined functions and wrong arity', () => {
    expect(check(mod('p if nope(1)'))).toEqual(['3:6: rego_type_error: undefined function nope']);
    expect(check(mod('p if startwith("ab", "a")'))).toEqual(['3:6: rego_type_error: undefined function startwith (did you mean startswith?)']);
    expect(check(mod('p if count(1, 2, 3)'))).toEqual(['3:6: rego_type_error: count: arity mismatch: have 3 operands, want 1']);
    expect(check(mod('f(x) := x\np := f(1, 2)'))).toEqual(['4:6: rego_type_error: f: arity mismatch: have 2 operands, want 1']);
    expect(check(mod('p if { any([true]) }'))).toEqual(['3:8: rego_type_error: undefined function any (removed in Rego v1: write `some x in xs; x` or `true in xs`)']);
    expect(check(mod('f(x) := 1\nf(x, y) := 2'))).toEqual(['4:1: rego_type_error: function data.t.f has arity 1 but this definition has 2']);
  });

  it('allows the output-operand form only at expression level', () => {
    expect(check(mod('p if { count([1], n); n == 1 }'))).toEqual([]);
    expect(check(mod('p if { x := count([1], n) }'))[0]).toMatch(/count: arity mismatch/);
  });

  it('operand types known statically', () => {
    expect(check(mod('p := count(1)'))).toEqual(['3:12: rego_type_error: count: invalid argument(s): operand 1 is number, want string|array|set|object']);
    expect(check(mod('p if { x := "a"; y := x + 1 }'))).toEqual(['3:23: rego_type_error: plus: invalid argument(s): operand 1 is string, want number']);
    expect(check(mod('p := upper(lower("A"))'))).toEqual([]);
    expect(check(mod('p := {1} - {2}'))).toEqual([]);
    // types do not leak between branches or out of `every`
    expect(check(mod('f(y) := z if { z := "a" } else := w if { some z in [1]; w := z + 1 }'))).toEqual([]);
    expect(check(mod('p if { every v in [1] { x := "s"; x != v }; some x in [1]; x + 1 > 0 }'))).toEqual([]);
  });
});

describe('rego_recursion_error', () => {
  it('finds cycles through rules, functions and packages', () => {
    expect(check(mod('a if b\nb if a'))).toEqual(['3:1: rego_recursion_error: rule data.t.a is recursive: data.t.a -> data.t.b -> data.t.a']);
    expect(check(mod('f(x) := f(x)'))[0]).toMatch(/rego_recursion_error: rule data\.t\.f is recursive/);
    expect(check(mod('p := data.t.q\nq := count(data.t)'))[0]).toMatch(/recursive/);
    expect(check('package a\n\np := data.b.q\n', 'package b\n\nq := data.a.p\n')[0]).toMatch(/rego_recursion_error/);
    expect(check(mod('p := x if { x := 1; p2 := 2 }\nq := data[2]'))).toEqual([]);
    expect(check(mod('p[k] := 1 if { some k in ["a"]; q }\nq if p.a'))[0]).toMatch(/rego_recursion_error: rule data\.t\.p is recursive/);
  });
});

describe('with targets', () => {
  it('must be input, data or a function', () => {
    expect(check(mod('import data.lib\np if { q with input.x as 1 with lib.y as 2 with count as 3 with f as 4 }\nq := 1\nf(x) := x'))).toEqual([]);
    expect(check(mod('p if { q with z as 1 }\nq := 1'))).toEqual(['3:15: rego_type_error: with keyword target must reference existing input, data, or a function']);
  });
});

describe('checkRegoFiles', () => {
  it('checks .rego files under folders as one set, with file positions', async () => {
    const { mkdtempSync, writeFileSync, mkdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { checkRegoFiles } = await import('../../compiler/rego/index.ts');
    const dir = mkdtempSync(join(tmpdir(), 'leash-rego-'));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'lib', 'util.rego'), 'package lib\n\nadmin(u) if u.role == "admin"\n');
    writeFileSync(join(dir, 'main.rego'), 'package main\n\nimport data.lib\n\nallow if lib.admin(input.user)\n');
    writeFileSync(join(dir, 'notes.txt'), 'not rego');
    expect(checkRegoFiles([dir])).toMatchObject({ files: [join(dir, 'lib', 'util.rego'), join(dir, 'main.rego')], diagnostics: [] });
    writeFileSync(join(dir, 'bad.rego'), 'package bad\n\np if lib.nope(1)\nq := x\n');
    const r = checkRegoFiles([dir]);
    expect(r.diagnostics.map((d) => formatDiagnostic(d))).toEqual([
      `${join(dir, 'bad.rego')}:3:6: rego_type_error: undefined function lib.nope`,
      `${join(dir, 'bad.rego')}:4:6: rego_unsafe_var_error: var x is unsafe`,
    ]);
  });
});
