// The Rego v1 abstract syntax tree: one discriminated union per level (term, expression,
// rule, module), every node readonly plain data with a source location. The parser builds
// it, the DSL lowering builds it, the printer and the planner read it. Shapes follow OPA's
// own AST (ast/term.go, ast/policy.go) so OPA's semantics map over one to one.
import type { Loc } from '../diagnostics/index.ts';

export type { Loc };

/* ----------------------------------------------------------------- terms */

export interface NullTerm { readonly kind: 'Null'; readonly loc: Loc }
export interface BooleanTerm { readonly kind: 'Boolean'; readonly value: boolean; readonly loc: Loc }
/** `text` is the number exactly as written (big integers and decimals are kept exact). */
export interface NumberTerm { readonly kind: 'Number'; readonly text: string; readonly loc: Loc }
/** `value` is the decoded string; `raw` records a back-quoted source string for the printer. */
export interface StringTerm { readonly kind: 'String'; readonly value: string; readonly raw?: boolean; readonly loc: Loc }
/** `_` is the wildcard; the parser renames each wildcard to a unique `$wildcardN` var. */
export interface VarTerm { readonly kind: 'Var'; readonly name: string; readonly loc: Loc }
/**
 * `head.path...`: `data.a["b"][x]` is head Var(data), path [String a, String b, Var x].
 * The head is a Var for ordinary refs, or a composite/call term (`[1,2][0]`, `f(x).y`).
 */
export interface RefTerm { readonly kind: 'Ref'; readonly head: Term; readonly path: readonly Term[]; readonly loc: Loc }
export interface ArrayTerm { readonly kind: 'Array'; readonly items: readonly Term[]; readonly loc: Loc }
export interface SetTerm { readonly kind: 'Set'; readonly items: readonly Term[]; readonly loc: Loc }
export interface ObjectTerm { readonly kind: 'Object'; readonly entries: readonly (readonly [Term, Term])[]; readonly loc: Loc }
export interface ArrayComprehension { readonly kind: 'ArrayComprehension'; readonly term: Term; readonly body: Body; readonly loc: Loc }
export interface SetComprehension { readonly kind: 'SetComprehension'; readonly term: Term; readonly body: Body; readonly loc: Loc }
export interface ObjectComprehension {
  readonly kind: 'ObjectComprehension'; readonly key: Term; readonly value: Term; readonly body: Body; readonly loc: Loc;
}
/**
 * A function call, builtin or user-defined. Infix operators are calls too, with OPA's
 * operator names (see INFIX_OPERATORS): `x == y` is Call(equal, [x, y]).
 * `operator` is the dotted name as written (`count`, `strings.replace_n`, `data.lib.f`).
 */
export interface CallTerm { readonly kind: 'Call'; readonly operator: string; readonly args: readonly Term[]; readonly loc: Loc }

export type Term =
  | NullTerm | BooleanTerm | NumberTerm | StringTerm | VarTerm | RefTerm
  | ArrayTerm | SetTerm | ObjectTerm
  | ArrayComprehension | SetComprehension | ObjectComprehension
  | CallTerm;

export type TermKind = Term['kind'];

/* ----------------------------------------------------------- expressions */

/** `some x, y` */
export interface SomeVars { readonly kind: 'SomeVars'; readonly vars: readonly VarTerm[]; readonly loc: Loc }
/** `some v in xs` (key absent) or `some k, v in xs`; key and value may be patterns. */
export interface SomeIn {
  readonly kind: 'SomeIn'; readonly key?: Term; readonly value: Term; readonly collection: Term; readonly loc: Loc;
}
/** `every v in xs { body }` or `every k, v in xs { body }` */
export interface Every {
  readonly kind: 'Every'; readonly key?: VarTerm; readonly value: VarTerm; readonly domain: Term; readonly body: Body; readonly loc: Loc;
}

/** `... with target as value`; target is a Ref (input..., data..., or a function name). */
export interface With { readonly kind: 'With'; readonly target: Term; readonly value: Term; readonly loc: Loc }

/**
 * One body expression. `node` is a Term (a call such as `x := 1`, `x == y`, `f(x)`, or a
 * bare term such as `input.admin`), a `some` declaration, or `every`.
 */
export interface Expr {
  readonly kind: 'Expr';
  readonly negated: boolean;
  readonly node: Term | SomeVars | SomeIn | Every;
  readonly with: readonly With[];
  readonly loc: Loc;
}

export type Body = readonly Expr[];

/* ----------------------------------------------------------------- rules */

/**
 * A rule head, as OPA models it:
 * - `p := v` / `p = v` / `a.b.c := v`        ref [p] / [a,b,c], value v
 * - `p if {..}`                              value absent (means `true`)
 * - `p contains x if {..}`                   key x, no value (partial set / multi-value)
 * - `p[k] := v`, `a.b[k] := v`               ref with a non-string last term, value v
 * - `f(x, y) := v`                           args present (a function)
 * `assign` is true for `:=`, false for `=` or no operator.
 */
export interface Head {
  readonly kind: 'Head';
  readonly ref: RefTerm;
  readonly args?: readonly Term[];
  readonly key?: Term;
  readonly value?: Term;
  readonly assign: boolean;
  readonly loc: Loc;
}

/** `else [= v | := v] [if] { body }`; value absent means `true`. */
export interface Else {
  readonly kind: 'Else'; readonly value?: Term; readonly assign: boolean; readonly body: Body; readonly loc: Loc;
}

export interface Rule {
  readonly kind: 'Rule';
  readonly isDefault: boolean;
  readonly head: Head;
  /** An empty body is a rule with no `if` (`p := 1`); OPA treats it as `{ true }`. */
  readonly body: Body;
  readonly elses: readonly Else[];
  readonly annotations?: Annotations;
  readonly loc: Loc;
}

/* ---------------------------------------------------------------- module */

/** `package a.b["c-d"]`: path holds the segments after `data`. */
export interface Package { readonly kind: 'Package'; readonly path: readonly string[]; readonly loc: Loc }

/** `import data.x.y as z` / `import input.a` / `import rego.v1` / `import future.keywords.in` */
export interface Import { readonly kind: 'Import'; readonly path: RefTerm; readonly alias?: string; readonly loc: Loc }

export interface Comment { readonly kind: 'Comment'; readonly text: string; readonly loc: Loc }

/** A `# METADATA` block: the YAML text as written, and what it parsed to (when it did). */
export interface Annotations {
  readonly kind: 'Annotations';
  readonly scope?: string;
  readonly text: string;
  readonly data?: Readonly<Record<string, unknown>>;
  readonly loc: Loc;
}

export interface Module {
  readonly kind: 'Module';
  readonly package: Package;
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
  /** All comments of the file, in source order (the printer re-attaches them by line). */
  readonly comments: readonly Comment[];
  /** A METADATA block above the package clause (package or subpackages scope). */
  readonly annotations?: Annotations;
  readonly loc: Loc;
}

export type NodeKind = Term['kind'] | Expr['node']['kind'] | 'Expr' | 'With' | 'Head' | 'Else' | 'Rule' | 'Package' | 'Import' | 'Comment' | 'Annotations' | 'Module';

/* ------------------------------------------------------------- operators */

/** Infix operators and the OPA builtin names they stand for, by binding strength (weakest first). */
export const INFIX_OPERATORS = {
  ':=': 'assign',
  '=': 'eq',
  '==': 'equal',
  '!=': 'neq',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
  '|': 'or',
  '&': 'and',
  '+': 'plus',
  '-': 'minus',
  '*': 'mul',
  '/': 'div',
  '%': 'rem',
} as const;

export type InfixSymbol = keyof typeof INFIX_OPERATORS;
export type InfixName = (typeof INFIX_OPERATORS)[InfixSymbol];

/** `x in xs` is Call(internal.member_2, [x, xs]); `k, v in xs` is Call(internal.member_3, [k, v, xs]). */
export const MEMBER_2 = 'internal.member_2';
export const MEMBER_3 = 'internal.member_3';

/* ------------------------------------------------------------- factories */

export const nullTerm = (loc: Loc): NullTerm => ({ kind: 'Null', loc });
export const booleanTerm = (value: boolean, loc: Loc): BooleanTerm => ({ kind: 'Boolean', value, loc });
export const numberTerm = (text: string, loc: Loc): NumberTerm => ({ kind: 'Number', text, loc });
export const stringTerm = (value: string, loc: Loc): StringTerm => ({ kind: 'String', value, loc });
export const varTerm = (name: string, loc: Loc): VarTerm => ({ kind: 'Var', name, loc });
export const refTerm = (head: Term, path: readonly Term[], loc: Loc): RefTerm => ({ kind: 'Ref', head, path, loc });
export const arrayTerm = (items: readonly Term[], loc: Loc): ArrayTerm => ({ kind: 'Array', items, loc });
export const setTerm = (items: readonly Term[], loc: Loc): SetTerm => ({ kind: 'Set', items, loc });
export const objectTerm = (entries: readonly (readonly [Term, Term])[], loc: Loc): ObjectTerm => ({ kind: 'Object', entries, loc });
export const callTerm = (operator: string, args: readonly Term[], loc: Loc): CallTerm => ({ kind: 'Call', operator, args, loc });
export const expr = (node: Expr['node'], loc: Loc, negated = false, withs: readonly With[] = []): Expr =>
  ({ kind: 'Expr', negated, node, with: withs, loc });

/** `data.a.b` / `input.x.y` style ref from dotted names. */
export function dottedRef(names: readonly string[], loc: Loc): RefTerm {
  const [head, ...rest] = names;
  if (head === undefined) throw new Error('dottedRef: empty name list');
  return refTerm(varTerm(head, loc), rest.map((n) => stringTerm(n, loc)), loc);
}

export function assertNever(x: never, what = 'node'): never {
  throw new Error(`internal error: unexpected ${what}: ${JSON.stringify(x)}`);
}
