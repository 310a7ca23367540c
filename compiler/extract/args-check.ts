// A tool's argument check as a predicate expression (lowered to Rego like any deny
// condition): not (every declared argument is present with its type, and unless `extra`
// the arguments hold nothing else). compiler/dsl/args-check.ts is the same in JavaScript.
import type { Loc } from '../diagnostics/index.ts';
import type { ArgType } from '../dsl/types.ts';
import type { PExpr, PFunction } from './pexpr.ts';

export function argsCheckExpression(args: Readonly<Record<string, ArgType>>, extra: boolean, loc: Loc): PFunction {
  const body = (path: string[] = []): PExpr => ({ k: 'ref', base: { root: 'body' }, path: path.map((key) => ({ key: { k: 'lit', value: key, loc }, optional: false })), loc });
  const lit = (value: string | number): PExpr => ({ k: 'lit', value, loc });
  const parts: PExpr[] = Object.entries(args).flatMap(([name, type]): PExpr[] => [
    { k: 'haskey', key: lit(name), obj: body(), loc },
    { k: 'cmp', op: 'equal', l: { k: 'call', fn: 'type_name', args: [body([name])], loc }, r: lit(type), loc },
  ]);
  if (!extra) parts.push({ k: 'cmp', op: 'equal', l: { k: 'call', fn: 'count', args: [body()], loc }, r: lit(Object.keys(args).length), loc });
  const ok = parts.reduce<PExpr | null>((acc, e) => (acc === null ? e : { k: 'and', l: acc, r: e, loc }), null) ?? { k: 'lit', value: true, loc };
  return { body: { k: 'not', e: ok, loc }, role: 'condition', loc };
}
