// Test helpers for the Rego front end: compare ASTs without source locations.
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
