// The runtime's ABI through the real opa-wasm SDK: a module assembled around the runtime
// (as codegen does) loads with loadPolicy, evaluates through the opa_eval fast path and the
// eval-context path, keeps data between evaluations and surfaces aborts as SDK errors.
import { describe, expect, it } from 'vitest';
import binaryen from 'binaryen';
import { newHarness, finish, load } from './harness.ts';

/** A module whose entrypoint 0 returns input, 1 returns data, 2 returns input.x.y, 3 aborts. */
function echoModule(): Uint8Array {
  const h = newHarness();
  const m = h.module;
  const ep = () => m.local.get(0, binaryen.i32);
  const input = () => m.local.get(1, binaryen.i32);
  const data = () => m.local.get(2, binaryen.i32);
  const rs = () => m.local.get(3, binaryen.i32);
  const str = (s: string) => {
    const b = new TextEncoder().encode(s);
    return h.call('opa_string', [m.i32.const(h.staticBytes(b)), m.i32.const(b.length)]);
  };
  const addIfDefined = (v: number) => m.block(null, [
    m.local.set(4, v),
    m.if(m.local.get(4, binaryen.i32), m.drop(m.i32.const(0)) && h.call('leash_result_set_add', [rs(), m.local.get(4, binaryen.i32)], binaryen.none)),
  ]);
  const conflictFile = h.cstr('policy.rego'), conflictCode = h.cstr('eval_conflict_error');
  const conflictMsg = h.cstr('complete rules must not produce multiple outputs');
  const body = m.block(null, [
    m.local.set(3, h.call('opa_set', [])),
    m.if(m.i32.eq(ep(), m.i32.const(0)), addIfDefined(input())),
    m.if(m.i32.eq(ep(), m.i32.const(1)), addIfDefined(data())),
    m.if(m.i32.eq(ep(), m.i32.const(2)),
      addIfDefined(h.call('opa_value_get', [h.call('opa_value_get', [input(), str('x')]), str('y')]))),
    m.if(m.i32.eq(ep(), m.i32.const(3)),
      h.call('leash_error', [m.i32.const(conflictCode), m.i32.const(conflictFile), m.i32.const(7), m.i32.const(conflictMsg)], binaryen.none)),
    rs(),
  ], binaryen.i32);
  return finish(h, {
    entrypoints: { 'test/input': 0, 'test/data': 1, 'test/xy': 2, 'test/conflict': 3 },
    evalVars: [binaryen.i32, binaryen.i32],
    evalBody: body,
  });
}

describe('wasm runtime ABI through the opa-wasm SDK', () => {
  const bytes = echoModule();

  it('validates as a WebAssembly module and reports ABI 1.2+', async () => {
    expect(WebAssembly.validate(bytes as unknown as ArrayBuffer)).toBe(true);
    const policy = await load(bytes);
    expect(policy.minorVersion).toBeGreaterThanOrEqual(2);
    expect(policy.entrypoints).toEqual({ 'test/input': 0, 'test/data': 1, 'test/xy': 2, 'test/conflict': 3 });
  });

  it('returns the input through the opa_eval fast path, unchanged and with sorted keys', async () => {
    const policy = await load(bytes);
    const input = { z: [1, 2.5, -3, 1e300, 'a\u00e9\ud83d\ude00"\\\n'], a: { b: null, c: true, d: false }, m: {} };
    expect(policy.evaluate(input)).toEqual([{ result: input }]);
    expect(JSON.stringify(policy.evaluate(input)[0].result)).toBe(JSON.stringify({ a: input.a, m: {}, z: input.z }));
  });

  it('gives an empty result set when the entrypoint is undefined', async () => {
    const policy = await load(bytes);
    expect(policy.evaluate({ x: { y: 'hit' } }, 'test/xy')).toEqual([{ result: 'hit' }]);
    expect(policy.evaluate({ x: {} }, 'test/xy')).toEqual([]);
    expect(policy.evaluate(undefined, 'test/input')).toEqual([]);
  });

  it('keeps data across evaluations while the heap is reset each time', async () => {
    const policy = await load(bytes);
    policy.setData({ roles: { alice: ['admin'] } });
    const big = { items: Array.from({ length: 2000 }, (_, i) => ({ id: i, name: `item-${i}` })) };
    for (let i = 0; i < 50; i++) {
      expect(policy.evaluate(big, 'test/input')[0].result.items.length).toBe(2000);
      expect(policy.evaluate({}, 'test/data')).toEqual([{ result: { roles: { alice: ['admin'] } } }]);
    }
  });

  it('evaluates through the eval-context path (ABI minor < 2) as well', async () => {
    const policy = await load(bytes);
    policy.minorVersion = 1;
    expect(policy.evaluate({ x: { y: [3, 2, 1] } }, 'test/xy')).toEqual([{ result: [3, 2, 1] }]);
  });

  it('surfaces leash_error through opa_abort as "<file>:<row>: <code>: <message>"', async () => {
    const policy = await load(bytes);
    expect(() => policy.evaluate({}, 'test/conflict')).toThrow(
      'policy.rego:7: eval_conflict_error: complete rules must not produce multiple outputs',
    );
    // the instance stays usable after an abort
    expect(policy.evaluate({ a: 1 })).toEqual([{ result: { a: 1 } }]);
  });

  it('calls host builtins through env.opa_builtinN with JSON-decoded arguments', async () => {
    const h = newHarness();
    const m = h.module;
    const at = (i: number) => m.i32.load(i * 4, 4, m.i32.load(12, 4, m.local.get(1, binaryen.i32)));
    const body = m.block(null, [
      m.local.set(3, h.call('opa_set', [])),
      m.local.set(4, m.if(m.i32.eqz(m.local.get(0, binaryen.i32)),
        h.call('leash_host_builtin2', [m.i32.const(0), at(0), at(1)]),
        h.call('leash_host_builtin0', [m.i32.const(1)]))),
      h.call('leash_result_set_add', [m.local.get(3, binaryen.i32), m.local.get(4, binaryen.i32)], binaryen.none),
      m.local.get(3, binaryen.i32),
    ], binaryen.i32);
    const bytes = finish(h, {
      entrypoints: { add: 0, nothing: 1 }, builtins: { 'custom.merge': 0, 'custom.nothing': 1 },
      evalVars: [binaryen.i32, binaryen.i32], evalBody: body,
    });
    const seen: unknown[][] = [];
    const policy = await load(bytes, {
      'custom.merge': (a: unknown, b: unknown) => { seen.push([a, b]); return { ...(a as object), ...(b as object) }; },
      'custom.nothing': () => undefined,
    });
    expect(policy.evaluate([{ a: 1 }, { b: [2, 'x'] }], 'add')).toEqual([{ result: { a: 1, b: [2, 'x'] } }]);
    expect(seen).toEqual([[{ a: 1 }, { b: [2, 'x'] }]]);
    expect(policy.evaluate([1], 'nothing')).toEqual([]);
    // a module that needs a host builtin the SDK is not given fails loudly, naming it
    const bare = await load(bytes);
    expect(() => bare.evaluate([{}, {}], 'add')).toThrow('custom.merge');
  });

  it('keeps big integers exact and decimals as written through JSON parse and dump', async () => {
    const policy = await load(bytes);
    const text = '{"e":1e3,"big":123456789012345678901234567890,"neg":-9007199254740993,"dec":1.50}';
    expect(dumpRaw(policy, text, 'json')).toBe(
      '{"big":123456789012345678901234567890,"dec":1.50,"e":1e3,"neg":-9007199254740993}',
    );
  });

  it('parses Rego value text with sets and dumps it back in Rego syntax', async () => {
    const policy = await load(bytes);
    expect(dumpRaw(policy, '{3, 1, "a", {2, 1}, set(), [1]}', 'value')).toBe('{1, 3, "a", [1], set(), {1, 2}}');
    expect(dumpRaw(policy, '{1: "x", "k": {true}}', 'value')).toBe('{1: "x", "k": {true}}');
    expect(dumpRaw(policy, '{3, 1}', 'json-from-value')).toBe('[1,3]');
  });

  it('rejects malformed JSON with 0 and the SDK reports it', async () => {
    const policy = await load(bytes);
    for (const bad of ['{', '{"a":}', '[1,]', 'tru', '"\\x"', '1 2', '{"a" 1}', '']) {
      expect(dumpRaw(policy, bad, 'json'), bad).toBe(null);
    }
    expect(() => policy.setData(new TextEncoder().encode('{"a":').buffer)).toThrow('failed to parse json value');
  });
});

/** Parses `text` inside the instance (json or value syntax) and dumps it back; null when parsing fails. */
function dumpRaw(policy: Awaited<ReturnType<typeof load>>, text: string, mode: 'json' | 'value' | 'json-from-value'): string | null {
  const ex = (policy.wasmInstance as WebAssembly.Instance).exports as Record<string, (...a: number[]) => number>;
  const bytes = new TextEncoder().encode(text);
  const at = ex.opa_malloc!(bytes.length);
  new Uint8Array(policy.mem.buffer).set(bytes, at);
  const v = (mode === 'json' ? ex.opa_json_parse! : ex.opa_value_parse!)(at, bytes.length);
  if (v === 0) return null;
  const out = (mode === 'value' ? ex.opa_value_dump! : ex.opa_json_dump!)(v);
  const mem = new Uint8Array(policy.mem.buffer);
  let end = out;
  while (mem[end] !== 0) end++;
  return new TextDecoder().decode(mem.subarray(out, end));
}
