// Value-level runtime API codegen relies on: static values laid out by encodeStaticValue,
// object/set construction order, merge and path updates, insert conflicts, memory growth.
import { describe, expect, it } from 'vitest';
import binaryen from 'binaryen';
import { encodeStaticValue, reserveStaticData, addStaticSegments } from '../../../compiler/wasm/runtime/index.ts';
import { newHarness, finish, load } from './harness.ts';

const i32 = binaryen.i32;

/** A module with entrypoints that apply one runtime function to operands parsed from Rego text in input[0..]. */
async function opsModule() {
  const h = newHarness();
  const m = h.module;
  const staticObj = encodeStaticValue({ type: 'object', entries: [['z', 1], ['a', { type: 'set', items: [3, 1, 2, 1] }], [2, [true, null]], ['big', { type: 'number', text: '123456789012345678901234567890' }]] }, 0);
  const at = reserveStaticData(m, staticObj.bytes.length);
  const placed = encodeStaticValue({ type: 'object', entries: [['z', 1], ['a', { type: 'set', items: [3, 1, 2, 1] }], [2, [true, null]], ['big', { type: 'number', text: '123456789012345678901234567890' }]] }, at);
  addStaticSegments(m, [{ offset: at, data: placed.bytes }]);
  const args = () => m.local.get(3, i32);
  const arg = (i: number) => m.i32.load(i * 4, 4, m.i32.load(12, 4, args()));
  const ops: binaryen.ExpressionRef[] = [
    m.i32.const(placed.address),                                                     // 0: the static object
    h.call('opa_value_get', [m.i32.const(placed.address), arg(0)]),                  // 1: static[key]
    h.call('opa_value_merge', [arg(0), arg(1)]),                                     // 2
    h.call('opa_value_add_path', [arg(0), arg(1), arg(2)]),                          // 3
    h.call('opa_value_remove_path', [arg(0), arg(1)]),                               // 4
    h.call('opa_boolean', [h.call('leash_object_insert_checked', [arg(0), arg(1), arg(2)])]), // 5: conflict?
    h.call('opa_number_int', [m.i64.extend_u(h.call('opa_value_length', [arg(0)]))]),        // 6
    h.call('leash_value_to_json_string', [arg(0)]),                                 // 7
    // 8: a set built with leash_set_push over arg0's elements, then leash_set_finish
    m.block(null, [
      m.local.set(6, h.call('opa_set', [])),
      m.local.set(7, m.i32.const(0)),
      m.loop('push8', m.if(m.i32.lt_u(m.local.get(7, i32), m.i32.load(4, 4, arg(0))), m.block(null, [
        h.call('leash_set_push', [m.local.get(6, i32), m.i32.load(0, 4, m.i32.add(m.i32.load(12, 4, arg(0)), m.i32.shl(m.local.get(7, i32), m.i32.const(2))))], binaryen.none),
        m.local.set(7, m.i32.add(m.local.get(7, i32), m.i32.const(1))),
        m.br('push8'),
      ]))),
      h.call('leash_set_finish', [m.local.get(6, i32)]),
    ], i32),
    // 9: an object built with leash_object_push over arg0's [k, v] pairs; result [object, conflict]
    m.block(null, [
      m.local.set(6, h.call('opa_object', [])),
      m.local.set(7, m.i32.const(0)),
      m.loop('push9', m.if(m.i32.lt_u(m.local.get(7, i32), m.i32.load(4, 4, arg(0))), m.block(null, [
        m.local.set(8, m.i32.load(0, 4, m.i32.add(m.i32.load(12, 4, arg(0)), m.i32.shl(m.local.get(7, i32), m.i32.const(2))))),
        h.call('leash_object_push', [m.local.get(6, i32), m.i32.load(0, 4, m.i32.load(12, 4, m.local.get(8, i32))), m.i32.load(4, 4, m.i32.load(12, 4, m.local.get(8, i32)))], binaryen.none),
        m.local.set(7, m.i32.add(m.local.get(7, i32), m.i32.const(1))),
        m.br('push9'),
      ]))),
      m.local.set(8, h.call('opa_array_with_cap', [m.i32.const(2)])),
      m.local.set(7, h.call('opa_boolean', [h.call('leash_object_finish', [m.local.get(6, i32)])])),
      h.call('opa_array_append', [m.local.get(8, i32), m.local.get(6, i32)], binaryen.none),
      h.call('opa_array_append', [m.local.get(8, i32), m.local.get(7, i32)], binaryen.none),
      m.local.get(8, i32),
    ], i32),
  ];
  const body = m.block(null, [
    m.local.set(5, h.call('opa_set', [])),
    m.local.set(3, h.call('opa_value_parse', [m.i32.load(8, 4, m.local.get(1, i32)), m.i32.load(4, 4, m.local.get(1, i32))])),
    ...ops.map((op, i) => m.if(m.i32.eq(m.local.get(0, i32), m.i32.const(i)), m.local.set(4, op))),
    m.if(m.local.get(4, i32), h.call('leash_result_set_add', [m.local.get(5, i32), m.local.get(4, i32)], binaryen.none)),
    m.local.get(5, i32),
  ], i32);
  const policy = await load(finish(h, { entrypoints: { static: 0 }, evalVars: [i32, i32, i32, i32, i32, i32], evalBody: body }));
  return (op: number, args: string) => {
    const rs = policy.evaluate(args, op) as { result: unknown }[];
    return rs.length ? rs[0]!.result : undefined;
  };
}

describe('runtime value API', () => {
  it('reads static values laid out by encodeStaticValue (sorted, de-duplicated, exact)', async () => {
    const run = await opsModule();
    expect(run(0, '[]')).toEqual({ 2: [true, null], a: [1, 2, 3], big: 123456789012345678901234567890, z: 1 });
    expect(run(1, '["a"]')).toEqual([1, 2, 3]);
    expect(run(1, '[2]')).toEqual([true, null]);
    expect(run(1, '["nope"]')).toBeUndefined();
  });

  it('merges objects deeply and reports conflicts as undefined', async () => {
    const run = await opsModule();
    expect(run(2, '[{"a": {"x": 1}, "b": 2}, {"a": {"y": 2}, "c": 3}]')).toEqual({ a: { x: 1, y: 2 }, b: 2, c: 3 });
    expect(run(2, '[{"a": 1}, {"a": 2}]')).toBeUndefined();
  });

  it('adds and removes values at a path without touching the original', async () => {
    const run = await opsModule();
    expect(run(3, '[{"a": {"b": 1}, "k": 0}, ["a", "c", "d"], 5]')).toEqual({ a: { b: 1, c: { d: 5 } }, k: 0 });
    expect(run(3, '[{"a": [1, 2]}, ["a", 1], "x"]')).toEqual({ a: [1, 'x'] });
    expect(run(3, '[{"a": 1}, ["a", "b"], 2]')).toEqual({ a: { b: 2 } });
    expect(run(4, '[{"a": {"b": 1, "c": 2}}, ["a", "b"]]')).toEqual({ a: { c: 2 } });
    expect(run(4, '[{"a": 1}, ["zz"]]')).toEqual({ a: 1 });
  });

  it('flags an insert conflict only for a different value', async () => {
    const run = await opsModule();
    expect(run(5, '[{"a": 1}, "a", 1]')).toBe(false);
    expect(run(5, '[{"a": 1}, "a", 1.0]')).toBe(false);
    expect(run(5, '[{"a": 1}, "a", 2]')).toBe(true);
    expect(run(5, '[{"a": 1}, "b", 2]')).toBe(false);
  });

  it('counts string length in code points and dumps values as JSON strings', async () => {
    const run = await opsModule();
    expect(run(6, '["h\u00e9\u{1F600}"]')).toBe(3);
    expect(run(7, '[{"b": {2, 1}, "a": "\\n"}]')).toBe('{"a":"\\n","b":[1,2]}');
  });

  it('builds sets and objects in bulk: any push order, sorted and de-duplicated once at the end', async () => {
    const run = await opsModule();
    expect(run(8, '[[3, 1, "a", 2, 1, 3, [0]]]')).toEqual([1, 2, 3, 'a', [0]]);
    expect(run(8, '[[]]')).toEqual([]);
    expect(run(9, '[[["b", 1], ["a", 2], ["c", 3], ["a", 2]]]')).toEqual([{ a: 2, b: 1, c: 3 }, false]);
    expect(run(9, '[[["b", 1], ["a", 2], ["b", 5]]]')).toEqual([{ a: 2, b: 5 }, true]);
    const shuffled = Array.from({ length: 20000 }, (_, i) => (i * 7919) % 20000);
    expect(run(8, `[${JSON.stringify(shuffled)}]`)).toEqual(Array.from({ length: 20000 }, (_, i) => i));
  });

  it('grows memory for inputs far beyond the SDK default of 5 pages', async () => {
    const run = await opsModule();
    const big = JSON.stringify(Array.from({ length: 60000 }, (_, i) => ({ id: i, tag: `t${i % 7}` })));
    expect(run(6, `[${big}]`)).toBe(60000);
  });
});
