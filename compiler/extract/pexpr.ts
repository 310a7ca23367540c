// The predicate expression model: what the translator makes of a DSL arrow function, with
// source locations. Small and closed on purpose: each kind has one meaning in JavaScript
// (the reference semantics) and one lowering to Rego (lower-expr.ts).
import type { Loc } from '../diagnostics/index.ts';

/** The fields of the predicate context, and the input path each reads. */
export const ROOTS = {
  params: [],
  agent: ['input', 'agent'],
  task: ['input', 'agent', 'task'],
  request: ['input', 'request'],
  query: ['input', 'request', 'query'],
  body: ['input', 'request', 'body'],
  /** an MCP tool call's arguments: the request body of its decision */
  args: ['input', 'request', 'body'],
} as const;
export type Root = keyof typeof ROOTS;

export type Literal = string | number | boolean | null;

/** One `.key` / `[key]` step; `optional` when written `?.`. */
export interface RefStep { readonly key: PExpr; readonly optional: boolean }

export type RefBase = { readonly root: Root } | { readonly local: string };

export type CallFn = 'startswith' | 'endswith' | 'contains' | 'lower' | 'upper' | 'to_number' | 'count' | 'type_name';
export type CmpOp = 'equal' | 'lt' | 'lte' | 'gt' | 'gte';
export type ArithOp = 'plus' | 'minus' | 'mul' | 'div' | 'rem';

export type PExpr =
  | { readonly k: 'lit'; readonly value: Literal; readonly loc: Loc }
  | { readonly k: 'array'; readonly items: readonly PExpr[]; readonly loc: Loc }
  | { readonly k: 'ref'; readonly base: RefBase; readonly path: readonly RefStep[]; readonly loc: Loc }
  | { readonly k: 'not'; readonly e: PExpr; readonly loc: Loc }
  | { readonly k: 'and' | 'or'; readonly l: PExpr; readonly r: PExpr; readonly loc: Loc }
  | { readonly k: 'cond'; readonly c: PExpr; readonly t: PExpr; readonly f: PExpr; readonly loc: Loc }
  | { readonly k: 'cmp'; readonly op: CmpOp; readonly l: PExpr; readonly r: PExpr; readonly loc: Loc }
  | { readonly k: 'arith'; readonly op: ArithOp; readonly l: PExpr; readonly r: PExpr; readonly loc: Loc }
  /** A string built from parts; `str` says a part is statically a string (else formatted). */
  | { readonly k: 'concat'; readonly parts: readonly { readonly e: PExpr; readonly str: boolean }[]; readonly loc: Loc }
  | { readonly k: 'call'; readonly fn: CallFn; readonly args: readonly PExpr[]; readonly loc: Loc }
  /** `coll.includes(item)` on an array */
  | { readonly k: 'member'; readonly item: PExpr; readonly coll: PExpr; readonly loc: Loc }
  /** `key in obj` */
  | { readonly k: 'haskey'; readonly key: PExpr; readonly obj: PExpr; readonly loc: Loc }
  /** `coll.some(v => body)` / `coll.every(v => body)` */
  | { readonly k: 'quant'; readonly q: 'some' | 'every'; readonly coll: PExpr; readonly v: string; readonly body: PExpr; readonly loc: Loc }
  /** A boolean-typed value used as a condition: true when it is `true`. */
  | { readonly k: 'bool'; readonly e: PExpr; readonly loc: Loc };

export type PKind = PExpr['k'];

/** A translated DSL function: its body, and whether it is a condition or a value. */
export interface PFunction {
  readonly body: PExpr;
  readonly role: 'condition' | 'value';
  readonly loc: Loc;
}
