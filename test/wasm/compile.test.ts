// compileWasm end to end through the real opa-wasm SDK: Rego semantics that matter for
// policies (undefined vs false, negation, partial rules, conflicts, else, with), the
// diagnostics for unsupported constructs and unknown builtins, and bare loading.
import { describe, it, expect } from 'vitest';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseModule } from '../../compiler/rego/index.ts';
import { compileWasm, hostBuiltins, printPolicy } from '../../compiler/wasm/index.ts';
import { formatDiagnostic } from '../../compiler/diagnostics/index.ts';

function build(src: string, entrypoints: string[]): Uint8Array {
  const parsed = parseModule(src, 'test.rego');
  if (!parsed.module) throw new Error(parsed.diagnostics.map(formatDiagnostic).join('\n'));
  const r = compileWasm([parsed.module], entrypoints, { optimizeLevel: 0 });
  if (!r.wasm) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.wasm;
}

async function evalOnce(src: string, entrypoint: string, input?: unknown, data?: object): Promise<unknown[]> {
  const policy = await loadPolicy(build(src, [entrypoint]), undefined, hostBuiltins);
  if (data) policy.setData(data);
  return (policy.evaluate(input, entrypoint) as { result: unknown }[]).map((r) => r.result);
}

describe('compileWasm', () => {
  it('distinguishes undefined from false and negates undefined', async () => {
    const src = `package t
default d := false
d if input.x > 1
u if input.x > 1
n if not u
`;
    expect(await evalOnce(src, 't/d', { x: 0 })).toEqual([false]);
    expect(await evalOnce(src, 't/d', { x: 5 })).toEqual([true]);
    expect(await evalOnce(src, 't/u', { x: 0 })).toEqual([]);
    expect(await evalOnce(src, 't/n', { x: 0 })).toEqual([true]);
    expect(await evalOnce(src, 't/n', { x: 9 })).toEqual([]);
  });

  it('builds partial sets and objects over iteration, and merges base data under data', async () => {
    const src = `package t
names contains n if { some u in input.users; u.admin; n := u.name }
by_name[u.name] := u.role if { some u in input.users }
`;
    const input = { users: [{ name: 'a', admin: true, role: 'x' }, { name: 'b', admin: false, role: 'y' }] };
    expect(await evalOnce(src, 't/names', input)).toEqual([['a']]);
    expect(await evalOnce(src, 't/by_name', input)).toEqual([{ a: 'x', b: 'y' }]);
    const [all] = await evalOnce(src, 't', input, { t: { base: 1 } }) as [Record<string, unknown>];
    expect(all.base).toBe(1);
    expect(all.names).toEqual(['a']);
  });

  it('aborts with eval_conflict_error when a complete rule has two values', async () => {
    const src = `package t
p := 1 if input.a
p := 2 if input.b
`;
    expect(await evalOnce(src, 't/p', { a: true })).toEqual([1]);
    await expect(evalOnce(src, 't/p', { a: true, b: true })).rejects.toMatch(/test\.rego:\d+: eval_conflict_error: .*data\.t\.p/);
  });

  it('runs functions with else, every, comprehensions and with', async () => {
    const src = `package t
f(x) := "big" if x > 10
else := "small"
ok if every v in input.xs { v > 0 }
sq := [y | some x in input.xs; y := x * x]
mocked := y if { y := f(input.n) with input.n as 1 }
swapped := r if { r := f(3) with f as g }
g(_) := "mock"
`;
    expect(await evalOnce(src, 't/ok', { xs: [1, 2] })).toEqual([true]);
    expect(await evalOnce(src, 't/ok', { xs: [1, -2] })).toEqual([]);
    expect(await evalOnce(src, 't/sq', { xs: [2, 3] })).toEqual([[4, 9]]);
    expect(await evalOnce(src, 't/mocked', { n: 50 })).toEqual(['small']);
    expect(await evalOnce(src, 't/swapped', {})).toEqual(['mock']);
  });

  it('reorders body expressions so variables are bound before use, as OPA does', async () => {
    const src = `package t
p if { x > 1; x = input.x }
f(a) := b if { b == 2; b = a + 1 }
r := f(1)
`;
    expect(await evalOnce(src, 't/p', { x: 3 })).toEqual([true]);
    expect(await evalOnce(src, 't/p', { x: 0 })).toEqual([]);
    expect(await evalOnce(src, 't/r', {})).toEqual([2]);
  });

  it('loads in a bare loadPolicy when only native builtins are used', async () => {
    const wasm = build(`package t\nallow if { startswith(input.p, "/a/"); count(input.q) < 3 }\n`, ['t/allow']);
    const policy = await loadPolicy(wasm);
    expect(policy.evaluate({ p: '/a/b', q: [1] }, 't/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ p: '/b', q: [1] }, 't/allow')).toEqual([]);
  });

  it('reports an unknown builtin by name and location', () => {
    const parsed = parseModule(`package t\np if no_such.builtin(1)\n`, 'x.rego');
    const r = compileWasm([parsed.module!], ['t/p']);
    expect(r.wasm).toBeUndefined();
    expect(r.diagnostics.map(formatDiagnostic).join('\n')).toMatch(/^x\.rego:2:\d+: (leash_plan_unsupported|leash_wasm_unknown_builtin): .*no_such\.builtin/);
  });

  it('reports an unsupported construct with file:line:col instead of miscompiling', () => {
    const parsed = parseModule(`package t\np := {"q": 1}\nr if { p.q == 2 with data.t.p.q as 2 }\n`, 'y.rego');
    const r = compileWasm([parsed.module!], ['t/r']);
    expect(r.wasm).toBeUndefined();
    expect(formatDiagnostic(r.diagnostics[0]!)).toMatch(/^y\.rego:3:\d+: leash_plan_unsupported: /);
  });

  it('builds nested ref-head rules and detects their conflicts', async () => {
    const src = `package t
by.role[u.role][u.name] := u.id if { some u in input.users }
tags[k] contains v if { some k, vs in input.tags; some v in vs }
`;
    const input = { users: [{ role: 'a', name: 'x', id: 1 }, { role: 'a', name: 'y', id: 2 }], tags: { p: ['1', '2'] } };
    expect(await evalOnce(src, 't/by', input)).toEqual([{ role: { a: { x: 1, y: 2 } } }]);
    expect(await evalOnce(src, 't/tags', input)).toEqual([{ p: ['1', '2'] }]);
    const clash = { users: [{ role: 'a', name: 'x', id: 1 }, { role: 'a', name: 'x', id: 2 }], tags: {} };
    await expect(evalOnce(src, 't/by', clash)).rejects.toMatch(/eval_conflict_error/);
  });

  it('refuses rules that depend on themselves instead of recursing at run time', () => {
    const parsed = parseModule(`package t\np if q\nq if p\n`, 'r.rego');
    const r = compileWasm([parsed.module!], ['t/p']);
    expect(r.wasm).toBeUndefined();
    expect(formatDiagnostic(r.diagnostics[0]!)).toMatch(/^r\.rego:\d+:\d+: leash_plan_unsupported: recursion: t\.(p|q) → /);
  });

  it('refuses constants that would not fit below the default SDK memory', () => {
    const big = JSON.stringify(Array.from({ length: 40000 }, (_, i) => `item-${i}`));
    const r = compileWasm([parseModule(`package t\nlist := ${big}\np if "item-3" in list\n`, 'big.rego').module!], ['t/p']);
    expect(r.wasm).toBeUndefined();
    expect(r.diagnostics[0]?.message).toMatch(/move large constant data into data\.json/);
  });

  it('prints the plan deterministically', () => {
    const parsed = parseModule(`package t\np if input.a == 1\n`, 'z.rego');
    const texts: string[] = [];
    compileWasm([parsed.module!], ['t/p'], { onPlan: (p) => texts.push(printPolicy(p)) });
    compileWasm([parsed.module!], ['t/p'], { onPlan: (p) => texts.push(printPolicy(p)) });
    expect(texts[0]).toContain('func g0.data.t.p');
    expect(texts[0]).toBe(texts[1]);
  });
});
