// Property: any JSON value the SDK sends in comes back out of the runtime unchanged
// (parse → value → dump), and the runtime's equality agrees with structural equality.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import binaryen from 'binaryen';
import { newHarness, finish, load } from './harness.ts';

const i32 = binaryen.i32;

/** Entrypoint 0 echoes input; entrypoint 1 returns input[0] == input[1]. */
async function echo() {
  const h = newHarness();
  const m = h.module;
  const input = () => m.local.get(1, i32);
  const rs = () => m.local.get(3, i32);
  const at = (i: number) => m.i32.load(i * 4, 4, m.i32.load(12, 4, input()));
  const body = m.block(null, [
    m.local.set(3, h.call('opa_set', [])),
    m.if(m.i32.eqz(m.local.get(0, i32)),
      h.call('leash_result_set_add', [rs(), input()], binaryen.none),
      h.call('leash_result_set_add', [rs(), h.call('opa_boolean', [h.call('opa_value_equal', [at(0), at(1)])])], binaryen.none)),
    rs(),
  ], i32);
  return load(finish(h, { entrypoints: { echo: 0, eq: 1 }, evalVars: [i32], evalBody: body }));
}

/** JSON values without -0 (JSON.stringify prints it as 0) and with well-formed strings. */
const json = fc.jsonValue({ stringUnit: 'grapheme', maxDepth: 4 }).map((v) => JSON.parse(JSON.stringify(v)) as unknown);

describe('JSON through the runtime', () => {
  it('round-trips every JSON value the SDK sends (object keys come back sorted)', async () => {
    const policy = await echo();
    fc.assert(fc.property(json, (v) => {
      if (!v) return; // the SDK treats a falsy input (null, false, 0, "") as "no input"
      const out = policy.evaluate(v, 'echo') as { result: unknown }[];
      expect(out).toEqual([{ result: v }]);
    }), { numRuns: 400 });
  });

  it('round-trips raw JSON text with escapes, surrogate pairs and spacing', async () => {
    const policy = await echo();
    fc.assert(fc.property(json, fc.boolean(), (v, pretty) => {
      if (v === null) return;
      const text = JSON.stringify(v, null, pretty ? 2 : undefined).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
      const out = policy.evaluate(new TextEncoder().encode(text).buffer as ArrayBuffer, 'echo') as { result: unknown }[];
      expect(out).toEqual([{ result: v }]);
    }), { numRuns: 200 });
  });

  it('agrees with structural equality, also between a value and its re-encoding', async () => {
    const policy = await echo();
    fc.assert(fc.property(json, json, (a, b) => {
      const eq = (x: unknown, y: unknown) => (policy.evaluate([x, y], 'eq') as { result: boolean }[])[0]!.result;
      expect(eq(a, JSON.parse(JSON.stringify(a)))).toBe(true);
      expect(eq(a, b)).toBe(JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b)));
    }), { numRuns: 300 });
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
