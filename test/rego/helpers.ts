// Test helpers for the Rego front end: compare ASTs without source locations, parse
// snippets that must parse (or must fail) and pick out their bodies and terms.
import { parseModule, type Module, type Expr, type Term } from '../../compiler/rego/index.ts';
import { formatDiagnostic } from '../../compiler/diagnostics/index.ts';

/** A deep copy of an AST value without `loc` fields and without the module's comments. */
export function stripLocs(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(stripLocs);
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'loc' && k !== 'comments') out[k] = stripLocs(v);
    return out;
  }
  return x;
}


/** Parse a module that must parse; throws with the diagnostics otherwise. */
export function parseOk(source: string, file = 'test.rego'): Module {
  const r = parseModule(source, file);
  if (!r.module) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.module;
}

/** The body expressions of the first rule of `package t` + `p if { body }`. */
export function bodyOf(body: string): readonly Expr[] {
  return parseOk(`package t\n\np if {\n\t${body}\n}\n`).rules[0]!.body;
}

/** The single expression term of `p if { <text> }`. */
export function termOf(text: string): Term {
  const e = bodyOf(text)[0]!;
  if (e.node.kind === 'SomeVars' || e.node.kind === 'SomeIn' || e.node.kind === 'Every') throw new Error('not a term');
  return e.node;
}

/** The first diagnostic of a source that must fail to parse, as `line:col: code: message`. */
export function parseError(source: string): string {
  const r = parseModule(source, 'bad.rego');
  if (r.module) throw new Error('expected a parse error');
  const d = r.diagnostics[0]!;
  return `${d.loc?.line}:${d.loc?.col}: ${d.code}: ${d.message}`;
}
