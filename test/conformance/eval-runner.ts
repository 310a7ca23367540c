// Runs one OPA conformance case through Leash's wasm compiler and the official SDK: the
// case's query becomes a small query module whose entrypoint collects the bindings, the
// modules compile in-process, and the SDK evaluates with the case's data and input.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseModule, type Module, type Term, type Expr } from '../../compiler/rego/index.ts';
import { formatDiagnostics } from '../../compiler/diagnostics/index.ts';
import { compileWasm, hostBuiltins, strictHostBuiltins } from '../../compiler/wasm/index.ts';
import type { ConformanceCase } from './load-cases.ts';

export type Outcome =
  | { readonly status: 'pass' }
  | { readonly status: 'fail'; readonly stage: 'parse' | 'compile' | 'eval' | 'result'; readonly detail: string };

const QUERY_PKG = '__leash_query';

/** Variables of the query that the harness reports (not data/input, not wildcards). */
function queryVars(body: readonly Expr[]): string[] {
  const out: string[] = [];
  const visit = (t: Term): void => {
    switch (t.kind) {
      case 'Var':
        if (t.name !== 'data' && t.name !== 'input' && !t.name.startsWith('$') && !out.includes(t.name)) out.push(t.name);
        return;
      case 'Ref': visit(t.head); t.path.forEach(visit); return;
      case 'Array': case 'Set': t.items.forEach(visit); return;
      case 'Object': t.entries.forEach(([k, v]) => { visit(k); visit(v); }); return;
      case 'Call': t.args.forEach(visit); return;
      default: return;
    }
  };
  for (const e of body) {
    const n = e.node;
    if (n.kind !== 'SomeVars' && n.kind !== 'SomeIn' && n.kind !== 'Every') visit(n);
  }
  return out;
}

function queryModule(query: string): { module?: Module; error?: string } {
  const probe = parseModule(`package ${QUERY_PKG}\n\n__probe if {\n${query}\n}\n`, 'query.rego');
  if (!probe.module) return { error: formatDiagnostics(probe.diagnostics) };
  const vars = queryVars(probe.module.rules[0]!.body);
  const obj = `{${vars.map((v) => `${JSON.stringify(v)}: ${v}`).join(', ')}}`;
  const src = `package ${QUERY_PKG}\n\nresults contains ${obj} if {\n${query}\n}\n`;
  const parsed = parseModule(src, 'query.rego');
  return parsed.module ? { module: parsed.module } : { error: formatDiagnostics(parsed.diagnostics) };
}

function canonical(v: unknown, sortArrays: boolean): unknown {
  if (Array.isArray(v)) {
    const items = v.map((x) => canonical(x, sortArrays));
    if (sortArrays) items.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0));
    return items;
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k], sortArrays)]));
  }
  return v;
}

function resultKey(bindings: readonly unknown[], sortArrays: boolean): string {
  return JSON.stringify([...new Set(bindings.map((b) => JSON.stringify(canonical(b, sortArrays))))].sort());
}

function inputOf(c: ConformanceCase): { ok: true; value: unknown } | { ok: false } {
  if (c.input_term === undefined) return { ok: true, value: c.input };
  try {
    return { ok: true, value: JSON.parse(c.input_term) };
  } catch {
    return { ok: false };
  }
}

export async function runCase(c: ConformanceCase): Promise<Outcome> {
  const modules: Module[] = [];
  for (const [i, src] of c.modules.entries()) {
    const r = parseModule(src, `test-${i}.rego`);
    if (!r.module) return { status: 'fail', stage: 'parse', detail: formatDiagnostics(r.diagnostics) };
    modules.push(r.module);
  }
  const q = queryModule(c.query);
  if (!q.module) return { status: 'fail', stage: 'parse', detail: `query: ${q.error}` };
  modules.push(q.module);
  const strict = c.strict_error === true;
  const compiled = compileWasm(modules, [`${QUERY_PKG}/results`], { strictBuiltinErrors: strict, optimizeLevel: 0, validate: false });
  const wantsError = c.want_error_code !== undefined || c.want_error !== undefined;
  if (!compiled.wasm) {
    return { status: 'fail', stage: 'compile', detail: formatDiagnostics(compiled.diagnostics) };
  }
  const input = inputOf(c);
  if (!input.ok) return { status: 'fail', stage: 'eval', detail: `input_term is not JSON: ${c.input_term}` };
  let got: unknown;
  try {
    const policy = await loadPolicy(compiled.wasm, undefined, strict ? strictHostBuiltins : hostBuiltins);
    if (c.data !== undefined) policy.setData(c.data as object);
    const rs = policy.evaluate(input.value, `${QUERY_PKG}/results`) as { result: unknown[] }[];
    got = rs[0]?.result ?? [];
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (!wantsError) return { status: 'fail', stage: 'eval', detail: `unexpected error: ${msg}` };
    if (c.want_error_code !== undefined && !msg.includes(c.want_error_code)) {
      return { status: 'fail', stage: 'result', detail: `error ${msg}, want code ${c.want_error_code}` };
    }
    if (c.want_error !== undefined && !msg.includes(stripLocation(c.want_error))) {
      return { status: 'fail', stage: 'result', detail: `error ${msg}, want ${c.want_error}` };
    }
    return { status: 'pass' };
  }
  if (wantsError) return { status: 'fail', stage: 'result', detail: `got ${JSON.stringify(got)}, want error ${c.want_error_code ?? ''} ${c.want_error ?? ''}` };
  const sortArrays = c.sort_bindings === true;
  const want = resultKey(c.want_result ?? [], sortArrays);
  const have = resultKey(got as unknown[], sortArrays);
  return want === have ? { status: 'pass' } : { status: 'fail', stage: 'result', detail: `got ${have}, want ${want}` };
}

/** `test-0.rego:4: eval_type_error: msg` → `msg` (locations may differ by a line). */
function stripLocation(want: string): string {
  return want.replace(/^[^:]*\.rego:\d+: [a-z_]+: /, '');
}
