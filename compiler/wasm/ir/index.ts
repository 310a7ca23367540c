// The planner's intermediate representation, modelled on OPA's planner IR (ir/ir.go):
// functions made of blocks of statements over numbered locals holding value pointers.
// A statement that is undefined (a failed dot, a false equality) leaves its innermost block.
import type { Loc } from '../../diagnostics/index.ts';

/** A local slot: a pointer to a runtime value, or 0 for "undefined". */
export type Local = number;

/** A list of statements; failure of one statement exits the block. */
export interface Block { readonly stmts: Stmt[] }

/**
 * Block levels, counted by Break from the innermost outwards (0 = the current block):
 * each block of a BlockStmt and the body block of a Scan (leaving it moves to the next
 * element). Falling off the end of a block is not success: success is an effect (an
 * assignment, an insert, a result) made where the planner's continuation ends, so
 * negation and `every` are planned with flag locals rather than block completion.
 */
export type Stmt =
  /** Runs its blocks in order; a failure in one moves on to the next. */
  | { readonly kind: 'Block'; readonly blocks: Block[]; readonly loc?: Loc }
  | { readonly kind: 'Break'; readonly index: number; readonly loc?: Loc }
  /** Iterates a collection (array: index/elem, object: key/value, set: elem/elem); undefined for scalars. */
  | { readonly kind: 'Scan'; readonly source: Local; readonly key: Local; readonly value: Local; readonly block: Block; readonly loc?: Loc }
  | { readonly kind: 'Dot'; readonly source: Local; readonly key: Local; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'Len'; readonly source: Local; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'Equal'; readonly a: Local; readonly b: Local; readonly loc?: Loc }
  | { readonly kind: 'NotEqual'; readonly a: Local; readonly b: Local; readonly loc?: Loc }
  /** Undefined when the value is `false` (body expressions that are plain terms). */
  | { readonly kind: 'Truthy'; readonly source: Local; readonly loc?: Loc }
  | { readonly kind: 'IsArray'; readonly source: Local; readonly loc?: Loc }
  | { readonly kind: 'IsObject'; readonly source: Local; readonly loc?: Loc }
  | { readonly kind: 'IsDefined'; readonly source: Local; readonly loc?: Loc }
  | { readonly kind: 'IsUndefined'; readonly source: Local; readonly loc?: Loc }
  | { readonly kind: 'AssignVar'; readonly source: Local; readonly target: Local; readonly loc?: Loc }
  /** Assigns, or aborts with eval_conflict_error when the target holds a different value. */
  | { readonly kind: 'AssignVarOnce'; readonly source: Local; readonly target: Local; readonly message: string; readonly loc?: Loc }
  | { readonly kind: 'ResetLocal'; readonly target: Local; readonly loc?: Loc }
  /** A constant given as JSON text (no sets; sets are built with MakeSet/SetAdd). */
  | { readonly kind: 'MakeConst'; readonly json: string; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'MakeArray'; readonly capacity: number; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'MakeObject'; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'MakeSet'; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'ArrayAppend'; readonly array: Local; readonly value: Local; readonly loc?: Loc }
  | { readonly kind: 'ObjectInsert'; readonly object: Local; readonly key: Local; readonly value: Local; readonly loc?: Loc }
  /** Inserts, or aborts with eval_conflict_error when the key holds a different value. */
  | { readonly kind: 'ObjectInsertOnce'; readonly object: Local; readonly key: Local; readonly value: Local; readonly message: string; readonly loc?: Loc }
  /** target = a deep-merged with b (b wins on scalar clashes); either may be undefined. */
  | { readonly kind: 'ObjectMerge'; readonly a: Local; readonly b: Local; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'SetAdd'; readonly set: Local; readonly value: Local; readonly loc?: Loc }
  /**
   * Nested ref heads: walks `object` along `path`, creating objects, then adds `value` to
   * the set at the end (`set`) or inserts it there, aborting with eval_conflict_error on a
   * different existing value. Only for objects the function itself is building.
   */
  | { readonly kind: 'ObjectInsertPath'; readonly object: Local; readonly path: Local[]; readonly value: Local; readonly set: boolean; readonly message: string; readonly loc?: Loc }
  /** Calls a planned function (by name) or a builtin; undefined when the result is. */
  | { readonly kind: 'Call'; readonly func: string; readonly args: Local[]; readonly target: Local; readonly loc?: Loc }
  /** Upserts `value` at `path` (constant keys) inside a copy of `source` (with on input/data). */
  | { readonly kind: 'Upsert'; readonly source: Local; readonly path: Local[]; readonly value: Local; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'ResultSetAdd'; readonly value: Local; readonly loc?: Loc }
  /** Global slots carry `with` replacement values into the rule copies planned for them. */
  | { readonly kind: 'SetGlobal'; readonly slot: number; readonly source: Local; readonly loc?: Loc }
  | { readonly kind: 'GetGlobal'; readonly slot: number; readonly target: Local; readonly loc?: Loc }
  | { readonly kind: 'ReturnLocal'; readonly source: Local; readonly loc?: Loc };

export type StmtKind = Stmt['kind'];

/** A planned function: the first two params are always input and data. */
export interface Func {
  readonly name: string;
  readonly params: Local[];
  readonly returns: Local;
  readonly locals: number;
  readonly blocks: Block[];
  /** Zero-argument rule functions may memoise their value per evaluation. */
  readonly memo: boolean;
  readonly loc?: Loc;
}

/** One entrypoint: a plan adding the entrypoint's value to the result set. */
export interface Plan {
  readonly name: string;
  readonly locals: number;
  /** locals 0 and 1 are input and data */
  readonly blocks: Block[];
}

export interface Policy {
  readonly plans: Plan[];
  readonly funcs: Func[];
  /** builtins referenced, with their arity */
  readonly builtins: Map<string, number>;
  /** number of global slots used by `with` */
  readonly slots: number;
}

export const INPUT: Local = 0;
export const DATA: Local = 1;
