// Rego's lower and upper as OPA runs them (Go's strings.ToLower/ToUpper: Unicode's simple case
// mapping, one code point to one), through the real SDK: every code point agrees with the
// DSL reference's regoLower/regoUpper, and the letters where JavaScript's own methods or an
// ASCII-only mapping would differ give OPA's answer. And (?i) in regex builtins folds as
// RE2 does (Unicode's simple case folding), so a case-blind deny pattern is not passed by
// the Kelvin sign or a long s.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseModule } from '../../compiler/rego/index.ts';
import { compileWasm, hostBuiltins } from '../../compiler/wasm/index.ts';
import { regoLower, regoUpper } from '../../compiler/dsl/rego-case.ts';

const SRC = `package t
low := lower(input.s)
up := upper(input.s)
matches := regex.match(input.p, input.s)
`;

type Policy = Awaited<ReturnType<typeof loadPolicy>>;
let policy: Policy;
const run = (entry: 't/low' | 't/up', s: string): unknown => policy.evaluate({ s }, entry)[0]?.result;
const matches = (p: string, s: string): unknown => policy.evaluate({ p, s }, 't/matches')[0]?.result;

beforeAll(async () => {
  const r = compileWasm([parseModule(SRC, 't.rego').module!], ['t/low', 't/up', 't/matches'], { optimizeLevel: 0 });
  if (!r.wasm) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  policy = await loadPolicy(r.wasm, undefined, hostBuiltins as never);
});

describe('lower and upper', () => {
  it('agree with the DSL reference on every code point, in strings of 2,048', () => {
    let changedLower = 0;
    let changedUpper = 0;
    let chunk: string[] = [];
    const check = () => {
      const s = chunk.join('');
      expect(run('t/low', s)).toBe(regoLower(s));
      expect(run('t/up', s)).toBe(regoUpper(s));
      chunk = [];
    };
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (regoLower(ch) !== ch) changedLower++;
      if (regoUpper(ch) !== ch) changedUpper++;
      chunk.push(ch);
      if (chunk.length === 2048) check();
    }
    check();
    // the whole table is in use, not only ASCII (Unicode 15 has about 1,400 of each)
    expect(changedLower).toBeGreaterThan(1_300);
    expect(changedUpper).toBeGreaterThan(1_300);
  });

  it.each([
    ['İSTANBUL', 'istanbul', 'İSTANBUL', 'dotted capital I lowers to plain i (JavaScript: i + combining dot)'],
    ['straße', 'straße', 'STRAßE', 'ß has no one-letter capital (JavaScript: SS)'],
    ['ΟΔΟΣ', 'οδοσ', 'ΟΔΟΣ', 'a final Σ lowers to σ (JavaScript: ς)'],
    ['\u212Aelvin', 'kelvin', '\u212AELVIN', 'the Kelvin sign lowers to k, 3 bytes to 1, and is its own capital'],
    ['ＡＤＭＩＮ', 'ａｄｍｉｎ', 'ＡＤＭＩＮ', 'fullwidth letters have case'],
    ['ſıx', 'ſıx', 'SIX', 'long s and dotless i capitalise to ASCII'],
    ['ǅ', 'ǆ', 'Ǆ', 'a titlecase digraph has both'],
    ['ᾳ ᾼ', 'ᾳ ᾳ', 'ᾼ ᾼ', 'iota subscript: the simple mapping, not ΑΙ'],
    ['ȿ', 'ȿ', 'Ȿ', 'a 2-byte letter whose capital takes 3'],
    ['Ꭰꭰ', 'ꭰꭰ', 'ᎠᎠ', 'Cherokee'],
    ['ა', 'ა', 'Ა', 'Georgian Mtavruli'],
    ['𐐀𐐨', '𐐨𐐨', '𐐀𐐀', 'Deseret, outside the BMP'],
    ['ɤ \u{10D50}', 'ɤ \u{10D50}', 'ɤ \u{10D50}', 'case pairs newer than Unicode 15 (Go\'s tables) stay'],
  ])('%s lowers to %s and uppers to %s (%s)', (s, low, up) => {
    expect(run('t/low', s)).toBe(low);
    expect(run('t/up', s)).toBe(up);
    expect([regoLower(s), regoUpper(s)]).toEqual([low, up]);
  });
});

describe('(?i) in regular expressions', () => {
  it.each([
    ['(?i)^k$', '\u212A', true], ['(?i)^\\x{212A}$', 'k', true], ['(?i)^K$', 'k', true],
    ['(?i)^secrets$', '\u017Fecrets', true], ['(?i)^ſ$', 'S', true],
    ['(?i)^i$', 'İ', false], ['(?i)^i$', 'ı', false], ['(?i)^İ$', 'i', false], ['(?i)^ı$', 'I', false],
    ['(?i)^é$', 'É', true], ['(?i)^σ$', 'ς', true], ['(?i)^ς$', 'Σ', true], ['(?i)^ǆ$', 'ǅ', true],
    ['(?i)^[a-z]+$', 'AD\u212AIN', true], ['(?i)^[^k]$', '\u212A', false], ['(?i)^[^k]$', 'K', false], ['(?i)^[^k]$', 'x', true],
    ['(?i)^\\w+$', 'ſ\u212A', true], ['(?i)^\\W$', '\u212A', false], ['^\\w$', '\u212A', false],
    ['(?i)^[\\x{0}-\\x{10FFFF}]$', 'ß', true], ['(?i)^admin$', 'ＡＤＭＩＮ', false], ['^k$', '\u212A', false],
  ])('%s on %s is %s', (pattern, text, expected) => {
    expect(matches(pattern, text)).toBe(expected);
  });

  it('matches every cased code point\'s lower and upper case (but İ and ı fold to themselves only)', () => {
    let checked = 0;
    for (let cp = 0x41; cp <= 0x1ffff; cp++) {
      if ((cp >= 0xd800 && cp <= 0xdfff) || cp === 0x130 || cp === 0x131) continue;
      const ch = String.fromCodePoint(cp);
      for (const other of new Set([regoLower(ch), regoUpper(ch)])) {
        if (other === ch) continue;
        const pattern = `(?i)^\\x{${cp.toString(16)}}$`;
        expect(matches(pattern, other), `${pattern} on U+${other.codePointAt(0)!.toString(16)}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2_500);
  });
});
