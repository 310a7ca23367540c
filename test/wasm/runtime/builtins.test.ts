// Native builtins through the real SDK, on cases whose expected values follow OPA's
// documented behaviour (and the conformance suite's expectations).
import { beforeAll, describe, expect, it } from 'vitest';
import { builtinCaller, type Outcome } from './builtin-harness.ts';

let call: Awaited<ReturnType<typeof builtinCaller>>;
beforeAll(async () => { call = await builtinCaller(); });

const v = (value: unknown): Outcome => ({ value });
const undef: Outcome = { undefined: true };

// [builtin, Rego args text, expected]
const cases: [string, string, Outcome][] = [
  ['equal', '[1, 1.0]', v(true)], ['equal', '[{"a": [1]}, {"a": [1.0]}]', v(true)], ['neq', '[1, "1"]', v(true)],
  ['lt', '[null, false]', v(true)], ['lt', '[false, 0]', v(true)], ['lt', '[9, "a"]', v(true)], ['lt', '["b", ["a"]]', v(true)],
  ['lt', '[[1], {"a": 1}]', v(true)], ['lt', '[{"a": 1}, set()]', v(true)], ['lt', '[[1, 2], [1, 2, 0]]', v(true)],
  ['gte', '[2.5, 2]', v(true)], ['gt', '["abc", "abd"]', v(false)], ['lte', '[{1, 2}, {1, 3}]', v(true)],
  ['lt', '[123456789012345678901234567890, 123456789012345678901234567891]', v(true)],
  ['plus', '[1, 2]', v(3)], ['plus', '[1.5, 2.25]', v(3.75)], ['plus', '[9007199254740991, 1]', v(9007199254740992)],
  ['minus', '[{1, 2, 3}, {2}]', v([1, 3])], ['minus', '[5, 7]', v(-2)],
  ['minus', '[1, {2}]', { error: 'operand 2 must be number but got set' }],
  ['minus', '[{1}, 2]', { error: 'operand 2 must be set but got number' }],
  ['mul', '[3, -4]', v(-12)], ['mul', '[0.5, 3]', v(1.5)],
  ['div', '[6, 3]', v(2)], ['div', '[1, 4]', v(0.25)], ['div', '[1, 3]', v(1 / 3)], ['div', '[1, 0]', undef],
  ['rem', '[7, 3]', v(1)], ['rem', '[-7, 3]', v(-1)],
  ['abs', '[-4]', v(4)], ['abs', '[-4.5]', v(4.5)], ['round', '[2.5]', v(3)], ['round', '[-2.5]', v(-3)],
  ['ceil', '[1.01]', v(2)], ['floor', '[1.99]', v(1)], ['floor', '[-1.5]', v(-2)],
  ['numbers.range', '[1, 4]', v([1, 2, 3, 4])], ['numbers.range', '[2, -1]', v([2, 1, 0, -1])],
  ['numbers.range_step', '[0, 10, 5]', v([0, 5, 10])],
  ['count', '["héllo"]', v(5)], ['count', '[{"a": 1, "b": 2}]', v(2)], ['count', '[{1, 2, 2}]', v(2)],
  ['sum', '[[1, 2, 3.5]]', v(6.5)], ['sum', '[{1, 2}]', v(3)], ['product', '[[2, 3, 4]]', v(24)],
  ['max', '[[1, 5, 3]]', v(5)], ['max', '[[]]', undef], ['min', '[{"b", "a"}]', v('a')],
  ['sort', '[[3, 1, "a", null, 2, 1]]', v([null, 1, 1, 2, 3, 'a'])], ['sort', '[{3, 1}]', v([1, 3])],
  ['all', '[[true, true]]', v(true)], ['any', '[{false}]', v(false)],
  ['concat', '["/", ["a", "b", "c"]]', v('a/b/c')], ['concat', '[",", {"b", "a"}]', v('a,b')], ['concat', '["-", []]', v('')],
  ['startswith', '["foobar", "foo"]', v(true)], ['endswith', '["foobar", "foo"]', v(false)],
  ['contains', '["foobar", "oba"]', v(true)], ['contains', '["foobar", ""]', v(true)],
  ['lower', '["AbC ÄÖ"]', v('abc äö')], ['upper', '["abc ß é"]', v('ABC ß É')],
  ['split', '["a.b.c", "."]', v(['a', 'b', 'c'])], ['split', '["abc", ""]', v(['a', 'b', 'c'])], ['split', '["", ","]', v([''])],
  ['strings.split_n', '["a.b.c", ".", 2]', v(['a', 'b.c'])],
  ['trim', '["  xx  ", " "]', v('xx')], ['trim', '["abcba", "ab"]', v('c')], ['trim_left', '["aab", "a"]', v('b')],
  ['trim_right', '["baa", "a"]', v('b')], ['trim_prefix', '["foobar", "foo"]', v('bar')],
  ['trim_prefix', '["foobar", "bar"]', v('foobar')], ['trim_suffix', '["foobar", "bar"]', v('foo')],
  ['trim_space', '["\\t hi \\n"]', v('hi')],
  ['replace', '["a-b-c", "-", "+"]', v('a+b+c')], ['replace', '["abc", "", "-"]', v('-a-b-c-')],
  ['strings.replace_n', '[{"a": "b", "b": "c"}, "ab"]', v('bc')],
  ['strings.replace_n', '[{"a": 1}, "ab"]', { error: 'strings.replace_n: operand 1 non-string value found in pattern object' }],
  ['substring', '["abcdef", 1, 3]', v('bcd')], ['substring', '["héllo", 1, -1]', v('éllo')], ['substring', '["abc", 5, 1]', v('')],
  ['indexof', '["héllo", "l"]', v(2)], ['indexof', '["abc", "z"]', v(-1)], ['indexof_n', '["abab", "ab"]', v([0, 2])],
  ['strings.count', '["cheese", "e"]', v(3)], ['strings.reverse', '["héllo"]', v('olléh')],
  ['strings.any_prefix_match', '[["a/b"], {"a/"}]', v(true)], ['strings.any_suffix_match', '["a.com", [".org"]]', v(false)],
  ['strings.any_prefix_match', '[[1], "a"]', { error: 'strings.any_prefix_match: operand 1 must be array of strings but got array containing number' }],
];

describe('native builtins through the SDK', () => {
  it.each(cases)('%s(%s)', (name, args, want) => {
    const strict = 'error' in want;
    const got = call(name, args, strict);
    if ('error' in want) {
      expect(got).toHaveProperty('error');
      expect((got as { error: string }).error).toContain(want.error);
    } else {
      expect(got).toEqual(want);
    }
  });

  it('turns a builtin error into undefined unless strict, where it names the file and code', () => {
    expect(call('div', '[1, 0]')).toEqual(undef);
    expect(call('div', '[1, 0]', true)).toEqual({ error: 'test.rego:1: eval_builtin_error: div: divide by zero' });
    expect(call('plus', '["a", 1]', true)).toEqual({ error: 'test.rego:1: eval_type_error: plus: operand 1 must be number but got string' });
    // a failed call does not leak its error into the next successful one
    expect(call('plus', '[1, 1]', true)).toEqual(v(2));
  });
});
