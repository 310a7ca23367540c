// OPA's conformance cases that exercise one builtin on literal (or input/data) operands,
// evaluated directly against the native builtins through the SDK. A case qualifies when
// its single module's rule body is one builtin call in a shape we can read without a
// Rego evaluator; the others are left to the full compiler's conformance run.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { NATIVE_BUILTINS } from '../../../compiler/wasm/runtime/index.ts';
import { builtinCaller } from './builtin-harness.ts';

const ROOT = join(import.meta.dirname, '../../../../shared/conformance/opa-v1');

interface Case {
  note: string; query: string; modules?: string[]; input?: unknown; data?: unknown;
  want_result?: Record<string, unknown>[]; want_error?: string; strict_error?: boolean; sort_bindings?: boolean;
}

export interface Extracted { note: string; name: string; args: string; want: { value: unknown } | { undefined: true } | { error: string }; }

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(f) ? [p] : [];
  });
}

/** Splits `a, b, c` at top-level commas. */
function splitArgs(s: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0, start = 0, quote = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) { if (c === '\\' && quote === '"') i++; else if (c === quote) quote = ''; continue; }
    if (c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) { out.push(s.slice(start, i).trim()); start = i + 1; }
  }
  if (depth !== 0 || quote) return undefined;
  const last = s.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** A Rego operand as value text: literals pass through, input/data refs are resolved. */
function operand(term: string, c: Case): string | undefined {
  if (/^`[^`]*`$/.test(term)) return JSON.stringify(term.slice(1, -1));
  if (term.replace(/"(\\.|[^"\\])*"/g, '""').includes('|')) return undefined; // comprehensions
  const ref = /^(input|data)((?:\.[A-Za-z_][A-Za-z0-9_]*)*)$/.exec(term);
  if (ref) {
    let v: unknown = ref[1] === 'input' ? c.input : c.data;
    for (const k of ref[2]!.split('.').filter(Boolean)) {
      if (v === null || typeof v !== 'object' || !(k in (v as object))) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v === undefined ? undefined : JSON.stringify(v);
  }
  if (/[A-Za-z_][A-Za-z0-9_]*\s*[([.]/.test(term.replace(/"(\\.|[^"\\])*"/g, '""'))) return undefined; // calls, refs
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(term) && !['true', 'false', 'null'].includes(term)) return undefined; // variables
  return term;
}

function call(text: string): { name: string; args: string[] } | undefined {
  const m = /^([a-z_][a-z0-9_.]*)\((.*)\)$/s.exec(text.trim());
  if (!m) return undefined;
  const args = splitArgs(m[2]!);
  return args ? { name: m[1]!, args } : undefined;
}

export function extract(c: Case): Extracted | undefined {
  if (c.modules?.length !== 1 || !/^data\.[a-z0-9_.]+ = x$/.test(c.query)) return undefined;
  const rule = c.query.slice(5, -4).split('.').pop()!;
  const mod = c.modules[0]!.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('package') && !l.startsWith('import') && !l.startsWith('#'));
  let head: string, body: string[];
  let resultVar = 'x';
  const single = new RegExp(`^${rule} (?::=|=) (.*)$`).exec(mod.join(' '));
  if (mod.length === 1 && single && !single[1]!.includes(' if ')) { head = 'value'; body = [`x := ${single[1]}`]; }
  else {
    if (mod.length < 3 || mod[mod.length - 1] !== '}') return undefined;
    const h = mod[0]!;
    const valueHead = new RegExp(`^${rule} (?::=|=) ([a-z_][a-z0-9_]*) if \\{$`).exec(h);
    if (h === `${rule} if {`) head = 'true';
    else if (valueHead) { head = 'value'; resultVar = valueHead[1]!; }
    else return undefined;
    body = mod.slice(1, -1);
  }
  if (body.length !== 1) return undefined;
  const stmt = body[0]!;
  if (/\bwith\b/.test(stmt)) return undefined;
  let target: string | undefined, expr = stmt, compareTo: string | undefined;
  const assign = new RegExp(`^${resultVar} (?::=|=) (.*)$`).exec(stmt);
  if (assign) { target = resultVar; expr = assign[1]!; }
  const eq = /^(.*\)) == (.*)$/.exec(expr);
  if (eq && !assign) { expr = eq[1]!; compareTo = eq[2]; }
  const cl = call(expr);
  if (!cl) return undefined;
  let name = cl.name, args = cl.args;
  const nb = NATIVE_BUILTINS[name];
  if (!nb) return undefined;
  if (!target && args.length === nb.arity + 1 && args[nb.arity] === resultVar) { target = resultVar; args = args.slice(0, nb.arity); }
  if (args.length !== nb.arity) return undefined;
  if ((head === 'value') !== (target === resultVar)) return undefined;
  const ops = args.map((a) => operand(a, c));
  if (ops.some((o) => o === undefined)) return undefined;
  const argText = `[${ops.join(', ')}]`;
  if (c.want_error !== undefined) {
    if (!c.strict_error) return undefined;
    const msg = c.want_error.replace(/^.*eval_(?:type|builtin)_error: /, '');
    return { note: c.note, name, args: argText, want: { error: msg } };
  }
  if (!c.want_result) return undefined;
  if (compareTo !== undefined) {
    // `f(args) == lit` inside `p if`: compare via the equal builtin on the call's result
    const lit = operand(compareTo, c);
    if (lit === undefined || head !== 'true') return undefined;
    return { note: c.note, name: `${name}==`, args: `${argText}\u0000${lit}`, want: c.want_result.length ? { value: true } : { undefined: true } };
  }
  if (c.want_result.length === 0) return { note: c.note, name, args: argText, want: head === 'true' ? { value: false } : { undefined: true } };
  if (c.want_result.length !== 1) return undefined;
  const x = c.want_result[0]!.x;
  return { note: c.note, name, args: argText, want: { value: head === 'true' ? true : x } };
}

const present = existsSync(ROOT);
if (!present) console.warn(`conformance cases not found at ${ROOT}: skipping the builtin conformance run`);

const cases: Extracted[] = present
  ? yamlFiles(ROOT).flatMap((f) => ((parseYaml(readFileSync(f, 'utf8')) as { cases?: Case[] }).cases ?? []).flatMap((c) => {
      const e = extract(c);
      return e ? [{ ...e, note: `${f.slice(ROOT.length + 1)}: ${e.note}` }] : [];
    }))
  : [];

let run: Awaited<ReturnType<typeof builtinCaller>>;
beforeAll(async () => { run = await builtinCaller(); });

function sortDeep(v: unknown): unknown {
  return Array.isArray(v) ? v.map(sortDeep) : v;
}

describe.runIf(present)('OPA conformance cases on native builtins', () => {
  it('finds a meaningful number of single-builtin cases', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases.map((c) => [c.note, c] as const))('%s', (_note, c) => {
    if (c.name.endsWith('==')) {
      const [args, lit] = c.args.split('\u0000');
      const eq = run(c.name.slice(0, -2), `${args!.slice(0, -1)}, ${lit}]`, 'compare');
      if ('value' in c.want) expect(eq).toEqual({ value: true });
      else expect(eq).not.toEqual({ value: true });
      return;
    }
    const got = run(c.name, c.args, 'error' in c.want);
    if ('error' in c.want) {
      expect(got).toHaveProperty('error');
      expect((got as { error: string }).error).toContain(c.want.error);
    } else if ('value' in c.want && c.want.value === false) {
      // `p if { f(...) }` is undefined when f is false or undefined
      expect('value' in got ? got.value : false).toBe(false);
    } else {
      expect(sortDeep(got)).toEqual(sortDeep(c.want));
    }
  });
});
