// Host builtins (TypeScript, through the SDK's opa_builtinN): answers, OPA's default
// "error means undefined", strict mode's abort, and one clock reading per evaluation.
import { describe, it, expect } from 'vitest';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseModule } from '../../compiler/rego/index.ts';
import { compileWasm, hostBuiltins, strictHostBuiltins, builtins } from '../../compiler/wasm/index.ts';

const SRC = `package t
masked := bits.and(input.a, input.b)
quoted := glob.quote_meta(input.s)
same_clock if { t1 := time.now_ns(); t2 := time.now_ns(); t1 == t2 }
`;

async function load(strict: boolean) {
  const r = compileWasm([parseModule(SRC, 't.rego').module!], ['t/masked', 't/quoted', 't/same_clock'], { optimizeLevel: 0 });
  if (!r.wasm) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  return loadPolicy(r.wasm, undefined, strict ? strictHostBuiltins : hostBuiltins);
}

describe('host builtins', () => {
  it('are listed apart from the native ones', () => {
    expect(builtins.host()).toEqual(expect.arrayContaining(['bits.and', 'glob.quote_meta', 'time.now_ns']));
    expect(builtins.host().some((n) => builtins.native().includes(n))).toBe(false);
  });

  it('answer through the SDK, and a failing one is undefined by default', async () => {
    const p = await load(false);
    expect(p.evaluate({ a: 12, b: 10 }, 't/masked')).toEqual([{ result: 8 }]);
    expect(p.evaluate({ a: 1.5, b: 10 }, 't/masked')).toEqual([]);
    expect(p.evaluate({ s: 'a*b?' }, 't/quoted')).toEqual([{ result: 'a\\*b\\?' }]);
    expect(p.evaluate({}, 't/same_clock')).toEqual([{ result: true }]);
  });

  it('abort with the OPA error code in strict mode', async () => {
    const p = await load(true);
    expect(() => p.evaluate({ a: 1.5, b: 10 }, 't/masked')).toThrow(/eval_type_error: bits\.and: operand 1 must be integer number but got floating-point number/);
  });
});
