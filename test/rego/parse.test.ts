// Parser unit tests: every Rego v1 construct the issue lists becomes the AST shape the
// contract in ast.ts describes, with locations; v0 forms and malformed input give
// rego_parse_error at the right place with advice; hostile input never throws.
import { describe, expect, it } from 'vitest';
import { parseModule, parseQuery, parseTermText, MEMBER_2, MEMBER_3 } from '../../compiler/rego/index.ts';
import { bodyOf, parseError, parseOk, stripLocs, termOf } from './helpers.ts';

const L = expect.anything();

describe('module structure', () => {
  it('reads the package, imports with aliases, and locates every node', () => {
    const m = parseOk('package a.b["c-d"]\n\nimport data.lib.x as y\nimport input.req\nimport rego.v1\n\np := 1\n', 'm.rego');
    expect(m.package.path).toEqual(['a', 'b', 'c-d']);
    expect(m.package.loc).toEqual({ file: 'm.rego', line: 1, col: 1 });
    expect(m.imports.map((i) => i.alias)).toEqual(['y', undefined, undefined]);
    expect(stripLocs(m.imports[0]!.path)).toEqual({ kind: 'Ref', head: { kind: 'Var', name: 'data' }, path: [{ kind: 'String', value: 'lib' }, { kind: 'String', value: 'x' }] });
    expect(m.rules[0]!.loc).toEqual({ file: 'm.rego', line: 7, col: 1 });
    expect(m.rules[0]!.head.value!.loc).toEqual({ file: 'm.rego', line: 7, col: 6 });
  });

  it('keeps comments and METADATA annotations apart', () => {
    const m = parseOk('# METADATA\n# title: Pkg\npackage a\n\n# plain\n# METADATA\n# title: Allow\n# scope: rule\nallow if input.ok # why\n');
    expect(m.annotations?.data).toEqual({ title: 'Pkg' });
    expect(m.rules[0]!.annotations?.data).toEqual({ title: 'Allow', scope: 'rule' });
    expect(m.rules[0]!.annotations?.scope).toBe('rule');
    expect(m.comments.map((c) => [c.text, c.loc.line])).toEqual([[' plain', 5], [' why', 9]]);
  });

  it('rejects a METADATA block that is not YAML', () => {
    expect(parseError('package a\n# METADATA\n# title: [unclosed\np := 1\n')).toMatch(/^2:1: rego_parse_error: invalid METADATA block/);
  });
});

describe('rules', () => {
  const rule = (src: string) => parseOk(`package t\n${src}\n`).rules[0]!;

  it('complete rules with := and =, default rules, one-line and braced bodies', () => {
    expect(stripLocs(rule('p := 1').head)).toEqual({ kind: 'Head', ref: { kind: 'Ref', head: { kind: 'Var', name: 'p' }, path: [] }, value: { kind: 'Number', text: '1' }, assign: true });
    expect(rule('p = 1').head.assign).toBe(false);
    const d = rule('default allow := false');
    expect(d.isDefault).toBe(true);
    expect(d.body).toEqual([]);
    expect(rule('allow if input.x').body).toHaveLength(1);
    expect(rule('allow if {\n\tinput.x\n\tinput.y; input.z\n}').body).toHaveLength(3);
    expect(rule('allow if input.x').head.value).toBeUndefined();
  });

  it('partial set, partial object and ref-head rules', () => {
    const set = rule('deny contains msg if msg := "no"');
    expect(stripLocs(set.head.key)).toEqual({ kind: 'Var', name: 'msg' });
    const obj = rule('p[k] := v if some k, v in input');
    expect(stripLocs(obj.head.ref.path)).toEqual([{ kind: 'Var', name: 'k' }]);
    const deep = rule('a.b.c := 1');
    expect(stripLocs(deep.head.ref.path)).toEqual([{ kind: 'String', value: 'b' }, { kind: 'String', value: 'c' }]);
    const multi = rule('a.b[x] contains y if { some x, y in input }');
    expect(multi.head.ref.path).toHaveLength(2);
    expect(multi.head.key).toBeDefined();
  });

  it('functions with several definitions and else chains', () => {
    const m = parseOk('package t\nf(x) := 1 if x > 0\nf(x) := y if {\n\ty := x\n} else := 2 if {\n\tx == 0\n} else := 3\n');
    expect(m.rules).toHaveLength(2);
    const f = m.rules[1]!;
    expect(f.head.args).toHaveLength(1);
    expect(f.elses.map((e) => [e.body.length, (e.value as { text: string }).text])).toEqual([[1, '2'], [0, '3']]);
  });

  it('function heads may be ref heads and calls may use dotted names', () => {
    const m = parseOk('package t\nfoo["bar"](x) := x + 1\nx := foo.bar(2)\n');
    expect(m.rules[0]!.head.args).toHaveLength(1);
    expect((m.rules[1]!.head.value as { operator: string }).operator).toBe('foo.bar');
  });

  it('accepts a one-literal body that starts with a collection after `if`', () => {
    const r = rule('f(x) := 1 if {x: i | x := ["a"][i]}');
    expect(r.body[0]!.node.kind).toBe('ObjectComprehension');
  });
});

describe('expressions', () => {
  it('some declarations, some-in with key and value, every', () => {
    expect(stripLocs(bodyOf('some x, y')[0]!.node)).toEqual({ kind: 'SomeVars', vars: [{ kind: 'Var', name: 'x' }, { kind: 'Var', name: 'y' }] });
    expect(stripLocs(bodyOf('some x in xs')[0]!.node)).toMatchObject({ kind: 'SomeIn', value: { name: 'x' }, collection: { name: 'xs' } });
    expect(stripLocs(bodyOf('some k, v in xs')[0]!.node)).toMatchObject({ kind: 'SomeIn', key: { name: 'k' }, value: { name: 'v' } });
    const every = bodyOf('every k, v in xs {\n\t\tv > 0\n\t}')[0]!.node;
    expect(every).toMatchObject({ kind: 'Every', key: { name: 'k' }, value: { name: 'v' } });
  });

  it('not, with modifiers, := and = at expression level', () => {
    const e = bodyOf('not allow with input.user as "bob" with data.x as 1')[0]!;
    expect(e.negated).toBe(true);
    expect(e.with.map((w) => stripLocs(w.value))).toEqual([{ kind: 'String', value: 'bob' }, { kind: 'Number', text: '1' }]);
    expect(termOf('x := 1')).toMatchObject({ kind: 'Call', operator: 'assign' });
    expect(termOf('x = 1')).toMatchObject({ kind: 'Call', operator: 'eq' });
  });

  it('infix operators bind as OPA binds them', () => {
    const ops = (t: unknown): unknown => {
      const x = t as { kind: string; operator?: string; args?: unknown[]; name?: string; text?: string; value?: unknown };
      if (x.kind === 'Call') return [x.operator, ...(x.args ?? []).map(ops)];
      return x.name ?? x.text ?? (x.kind === 'Array' ? 'array' : String(x.value));
    };
    expect(ops(termOf('a + b * c == d - e / f'))).toEqual(['equal', ['plus', 'a', ['mul', 'b', 'c']], ['minus', 'd', ['div', 'e', 'f']]]);
    expect(ops(termOf('a | b & c'))).toEqual(['or', 'a', ['and', 'b', 'c']]);
    expect(ops(termOf('(a + b) % c'))).toEqual(['rem', ['plus', 'a', 'b'], 'c']);
    expect(ops(termOf('a - b - c'))).toEqual(['minus', ['minus', 'a', 'b'], 'c']);
    expect(ops(termOf('a != b'))).toEqual(['neq', 'a', 'b']);
    for (const [sym, name] of [['<', 'lt'], ['<=', 'lte'], ['>', 'gt'], ['>=', 'gte']]) expect(ops(termOf(`a ${sym} b`))).toEqual([name, 'a', 'b']);
    expect(ops(termOf('x in xs == true'))).toEqual([MEMBER_2, 'x', ['equal', 'xs', 'true']]);
    expect(ops(termOf('k, v in xs'))).toEqual([MEMBER_3, 'k', 'v', 'xs']);
    expect(ops(termOf('1, 2 in [2] in [false, true]'))).toEqual([MEMBER_2, [MEMBER_3, '1', '2', 'array'], 'array']);
    expect(ops(termOf('x := 1 - -1'))).toEqual(['assign', 'x', ['minus', '1', '-1']]);
  });

  it('refs with dots and brackets, calls, composite heads', () => {
    expect(stripLocs(termOf('data.a["b-c"][x].d'))).toEqual({
      kind: 'Ref', head: { kind: 'Var', name: 'data' },
      path: [{ kind: 'String', value: 'a' }, { kind: 'String', value: 'b-c' }, { kind: 'Var', name: 'x' }, { kind: 'String', value: 'd' }],
    });
    expect(termOf('count(xs, n)')).toMatchObject({ kind: 'Call', operator: 'count', args: [L, L] });
    expect(termOf('strings.replace_n({"a": "b"}, s)')).toMatchObject({ kind: 'Call', operator: 'strings.replace_n' });
    expect(termOf('contains("abc", "b")')).toMatchObject({ kind: 'Call', operator: 'contains' });
    expect(termOf('f(x)[0]')).toMatchObject({ kind: 'Ref', head: { kind: 'Call', operator: 'f' } });
    expect(termOf('[1, 2][0]')).toMatchObject({ kind: 'Ref', head: { kind: 'Array' } });
  });

  it('scalars: strings with escapes, raw strings, exact numbers, null, booleans', () => {
    expect(termOf('"a\\"b\\n\\u00e9\\ud83d\\ude00"')).toMatchObject({ kind: 'String', value: 'a"b\né😀' });
    expect(termOf('`raw\\n"x"`')).toMatchObject({ kind: 'String', value: 'raw\\n"x"', raw: true });
    expect(termOf('123456789012345678901234567890')).toMatchObject({ kind: 'Number', text: '123456789012345678901234567890' });
    expect(termOf('0.1e-7')).toMatchObject({ kind: 'Number', text: '0.1e-7' });
    expect(termOf('-3.25')).toMatchObject({ kind: 'Number', text: '-3.25' });
    expect(termOf('null')).toMatchObject({ kind: 'Null' });
    expect(termOf('false')).toMatchObject({ kind: 'Boolean', value: false });
  });

  it('collections and comprehensions', () => {
    expect(termOf('set()')).toMatchObject({ kind: 'Set', items: [] });
    expect(termOf('{}')).toMatchObject({ kind: 'Object', entries: [] });
    expect(termOf('{1, 2,}')).toMatchObject({ kind: 'Set', items: [L, L] });
    expect(termOf('{"a": 1, "b": [2]}')).toMatchObject({ kind: 'Object', entries: [L, L] });
    expect(termOf('[x | some x in xs]')).toMatchObject({ kind: 'ArrayComprehension', body: [L] });
    expect(termOf('{x | x := 1; x > 0}')).toMatchObject({ kind: 'SetComprehension', body: [L, L] });
    expect(termOf('{k: v | some k, v in o}')).toMatchObject({ kind: 'ObjectComprehension' });
    expect(termOf('[(a | b), c]')).toMatchObject({ kind: 'Array', items: [{ kind: 'Call', operator: 'or' }, L] });
  });

  it('renames each wildcard to a unique variable', () => {
    const t = termOf('x := [_, _, input.a[_]]') as { args: readonly { items: readonly unknown[] }[] };
    const names = JSON.stringify(t.args[1]).match(/\$wildcard\d+/g);
    expect(new Set(names).size).toBe(3);
  });
});

describe('v1 strictness and errors', () => {
  it('requires `if` before a body and says what to write', () => {
    expect(parseError('package a\np { true }\n')).toBe('2:3: rego_parse_error: unexpected { token: `if` keyword is required before rule body (write `p if { ... }`)');
    expect(parseError('package a\np[x] { x := 1 }\n')).toMatch(/^2:6: .*v0 partial set rule is written `p contains \.\.\. if \{ \.\.\. \}`/);
    expect(parseError('package a\nf(x) := 1 if { true } else := 2 { true }\n')).toMatch(/`if` keyword is required.*else := value if/);
  });

  it('asks for contains or a value on bare heads', () => {
    expect(parseError('package a\np[x]\n')).toMatch(/rule p\[x\] needs `contains`/);
    expect(parseError('package a\np\n')).toMatch(/rule p needs a value/);
  });

  it('reports the first problem with its position', () => {
    expect(parseError('p := 1')).toBe('1:1: rego_parse_error: unexpected identifier p: expected `package` first');
    expect(parseError('package a\np if {}\n')).toBe('2:7: rego_parse_error: unexpected } token: found empty body');
    expect(parseError('package a\np := "abc\n')).toBe('2:6: rego_parse_error: non-terminated string');
    expect(parseError('package a\np := 1 q := 2\n')).toMatch(/^2:8: .*expected a new line/);
    expect(parseError('package a\ncontains := 1\n')).toMatch(/a keyword cannot name a rule/);
    expect(parseError('package a\np if { !x }\n')).toMatch(/illegal ! character/);
    expect(parseError('package a\nimport foo.bar\n')).toMatch(/2:8: .*must begin with data, input, future or rego/);
    expect(parseError('package a\np if { x := "\\q" }\n')).toMatch(/illegal escape/);
    expect(parseError('package a\ndefault p if { true }\n')).toMatch(/default rule p must be/);
    expect(parseError('package a\ndefault p := [x]\n')).toBe('2:15: rego_parse_error: default rule value cannot contain var (a default is a constant)');
    expect(parseError('package a\ndefault p := {"a": data.x}\n')).toMatch(/cannot contain ref/);
    expect(parseOk('package a\ndefault p := [x | x := 1]\ndefault f(_) := {"a": set()}\n').rules).toHaveLength(2);
    expect(parseError('package a\np if { not { x := 1 } }\n')).toMatch(/body negation/);
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    const deep = `package a\np := ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
    const r = parseModule(deep, 'deep.rego');
    expect(r.module).toBeUndefined();
    expect(r.diagnostics[0]!.message).toMatch(/nesting is deeper than/);
    const parens = `package a\np := ${'('.repeat(50_000)}1${')'.repeat(50_000)}\n`;
    expect(parseModule(parens, 'p.rego').diagnostics[0]!.code).toBe('rego_parse_error');
    const chain = `package a\np := ${Array(100_000).fill('1').join(' + ')}\n`;
    expect(parseModule(chain, 'c.rego').diagnostics[0]!.message).toMatch(/nests more than 500 levels deep/);
  });

  it('keeps long refs and long bodies linear and within the stack', () => {
    const ref = parseOk(`package a\np := x${'.a'.repeat(100_000)}\n`).rules[0]!.head.value;
    if (ref?.kind !== 'Ref') throw new Error(`expected a ref, got ${ref?.kind}`);
    expect(ref.path).toHaveLength(100_000);
    const withs = bodyOf(`x := 1${' with input as 1'.repeat(20_000)}`)[0]!;
    expect(withs.with).toHaveLength(20_000);
  });

  it('parses a large flat module (linear scanning)', () => {
    const rules = Array.from({ length: 5000 }, (_, i) => `r${i} if { input.a[${i}] == "${i}" }`).join('\n');
    expect(parseOk(`package big\n${rules}\n`).rules).toHaveLength(5000);
  });
});

describe('queries and terms', () => {
  it('parses conformance-style queries and input terms', () => {
    const q = parseQuery('data.test.p = x; y := 1', 'query');
    expect(q.body).toHaveLength(2);
    expect(parseQuery('', 'query').diagnostics[0]!.message).toMatch(/empty query/);
    expect(parseTermText('{"foo": {{1}}}', 'input').term).toMatchObject({ kind: 'Object', entries: [[L, { kind: 'Set' }]] });
    expect(parseTermText('1 2', 'input').diagnostics[0]!.message).toMatch(/expected end of term/);
  });
});
