// A module that exposes every native builtin as entrypoints (non-strict, strict, and
// "compare": the argument array carries one extra value that the result is compared with
// inside the module, so big numbers never pass through JS): the input is a string of Rego
// value text holding the argument array; the result is the builtin's value (empty result
// set when undefined). Used to test builtins through the SDK.
import binaryen from 'binaryen';
import { NATIVE_BUILTINS } from '../../../compiler/wasm/runtime/index.ts';
import { newHarness, finish, load } from './harness.ts';

const i32 = binaryen.i32;

export function builtinModule(): Uint8Array {
  const h = newHarness();
  const m = h.module;
  const file = h.cstr('test.rego');
  const entries = Object.entries(NATIVE_BUILTINS);
  const input = () => m.local.get(1, i32);
  const args = () => m.local.get(3, i32);
  const res = () => m.local.get(4, i32);
  const rs = () => m.local.get(5, i32);
  const arg = (i: number) => m.i32.load(i * 4, 4, m.i32.load(12, 4, args()));
  const cases = entries.map(([, b], idx) => {
    const call = h.call(b.fn, Array.from({ length: b.arity }, (_, i) => arg(i)));
    const compare = h.call('opa_boolean', [h.call('opa_value_equal', [m.local.get(4, i32), arg(b.arity)])]);
    return m.if(m.i32.eq(m.i32.shr_u(m.local.get(0, i32), m.i32.const(2)), m.i32.const(idx)), m.block(null, [
      m.local.set(4, call),
      m.if(m.i32.and(m.i32.ne(m.local.get(4, i32), m.i32.const(0)), m.i32.ne(m.i32.and(m.local.get(0, i32), m.i32.const(2)), m.i32.const(0))),
        m.local.set(4, compare)),
    ]));
  });
  const body = m.block(null, [
    m.local.set(5, h.call('opa_set', [])),
    m.local.set(3, h.call('opa_value_parse', [m.i32.load(8, 4, input()), m.i32.load(4, 4, input())])),
    m.local.set(4, m.i32.const(0)),
    ...cases,
    m.if(res(),
      h.call('leash_result_set_add', [rs(), res()], binaryen.none),
      m.if(m.i32.and(m.local.get(0, i32), m.i32.const(1)),
        h.call('leash_builtin_error_raise', [m.i32.const(file), m.i32.const(1)], binaryen.none))),
    rs(),
  ], i32);
  const eps: Record<string, number> = {};
  entries.forEach(([name], idx) => { eps[name] = idx * 4; eps[`strict/${name}`] = idx * 4 + 1; eps[`compare/${name}`] = idx * 4 + 2; });
  return finish(h, { entrypoints: eps, evalVars: [i32, i32, i32], evalBody: body });
}

export type Outcome = { value: unknown } | { undefined: true } | { error: string };

/** Loads the builtin module; `call(name, argsRegoText, strict)` evaluates one builtin. */
export async function builtinCaller() {
  const policy = await load(builtinModule());
  return (name: string, args: string, mode: boolean | 'compare' = false): Outcome => {
    const ep = mode === 'compare' ? `compare/${name}` : mode ? `strict/${name}` : name;
    if (!(ep in policy.entrypoints)) throw new Error(`not native: ${name}`);
    try {
      const rs = policy.evaluate(args, ep) as { result: unknown }[];
      return rs.length ? { value: rs[0]!.result } : { undefined: true };
    } catch (e) {
      return { error: String(e instanceof Error ? e.message : e) };
    }
  };
}
