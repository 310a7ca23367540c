// Planner state shared by the term, body and rule planners: the rule tree, the functions
// planned so far, per-function local allocation and lexical variable scopes.
import type { Module, Import, Term } from '../../rego/ast.ts';
import type { Block, Func, Local, Stmt } from '../ir/index.ts';
import type { RuleNode } from './tree.ts';
import { findNode, importAliases } from './tree.ts';

/** What the caller does with the statements and the value: continuation passing. */
export type K = (out: Stmt[]) => void;
export type KT = (local: Local, out: Stmt[]) => void;

/** A `with` replacement of a function: another function, or a value held in a global slot. */
export type FuncMock =
  | { readonly kind: 'callee'; readonly callee: import('./calls.ts').Callee }
  | { readonly kind: 'value'; readonly slot: number };

/** The `with` replacements in force; rule copies are planned per distinct key. */
export interface Overrides {
  readonly key: string;
  /** builtin name or `data.<path>` of a user function → replacement */
  readonly funcs: ReadonlyMap<string, FuncMock>;
  /** dotted data path (rules or packages) → global slot holding the replacement */
  readonly data: ReadonlyMap<string, number>;
}

export const NO_OVERRIDES: Overrides = { key: '', funcs: new Map(), data: new Map() };

export function overridesKey(funcs: ReadonlyMap<string, FuncMock>, data: ReadonlyMap<string, number>): string {
  const parts = [
    ...[...funcs].map(([k, m]) => `f:${k}=${m.kind === 'value' ? `$${m.slot}` : m.callee.kind === 'user' ? `data.${m.callee.node.path.join('.')}` : m.callee.name}`),
    ...[...data].map(([k, slot]) => `d:${k}=$${slot}`),
  ];
  return parts.sort().join(';');
}

export interface Planner {
  readonly root: RuleNode;
  slots: number;
  readonly funcs: Map<string, Func>;
  /** rule/doc functions requested but not yet planned */
  readonly pending: Map<string, () => Func>;
  readonly builtins: Map<string, number>;
}

export class FuncCtx {
  private next: number;
  constructor(first: number) {
    this.next = first;
  }
  local(): Local {
    return this.next++;
  }
  get count(): number {
    return this.next;
  }
}

export class Scope {
  private readonly vars = new Map<string, Local | null>();
  constructor(readonly parent?: Scope) {}
  child(): Scope {
    return new Scope(this);
  }
  bind(name: string, local: Local): void {
    this.vars.set(name, local);
  }
  declare(name: string): void {
    this.vars.set(name, null);
  }
  /** declared or bound in this scope itself (not a parent) */
  hasOwn(name: string): boolean {
    return this.vars.has(name);
  }
  /** local when bound, null when declared but unbound here or above, undefined when unknown */
  lookup(name: string): Local | null | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      if (s.vars.has(name)) return s.vars.get(name)!;
    }
    return undefined;
  }
}

/** Per rule body: where names resolve and which locals hold input and data. */
export interface Env {
  readonly planner: Planner;
  readonly module: Module;
  readonly pkg: readonly string[];
  readonly pkgNode: RuleNode | undefined;
  readonly imports: Map<string, Import>;
  readonly fn: FuncCtx;
  readonly input: Local;
  readonly data: Local;
  readonly overrides: Overrides;
}

export function makeEnv(planner: Planner, module: Module, fn: FuncCtx, input: Local, data: Local, overrides: Overrides = NO_OVERRIDES): Env {
  return {
    planner, module, pkg: module.package.path, pkgNode: findNode(planner.root, module.package.path),
    imports: importAliases(module), fn, input, data, overrides,
  };
}

export function withLocals(env: Env, input: Local, data: Local): Env {
  return { ...env, input, data };
}

/** Is `name` a name with a meaning outside the body (input, data, a rule, an import)? */
export function isGlobalName(env: Env, name: string): boolean {
  if (name === 'input' || name === 'data') return true;
  if (env.imports.has(name)) return true;
  return env.pkgNode?.children.has(name) ?? false;
}

export function isBound(env: Env, scope: Scope, name: string): boolean {
  const l = scope.lookup(name);
  if (l !== undefined) return l !== null;
  return isGlobalName(env, name);
}

/** Vars of a term that neither the scope nor the globals bind (not looking into comprehensions). */
export function unboundVars(env: Env, scope: Scope, t: Term, out: string[] = []): string[] {
  switch (t.kind) {
    case 'Var':
      if (!isBound(env, scope, t.name) && !out.includes(t.name)) out.push(t.name);
      return out;
    case 'Ref':
      unboundVars(env, scope, t.head, out);
      for (const p of t.path) unboundVars(env, scope, p, out);
      return out;
    case 'Array': case 'Set':
      for (const i of t.items) unboundVars(env, scope, i, out);
      return out;
    case 'Object':
      for (const [k, v] of t.entries) { unboundVars(env, scope, k, out); unboundVars(env, scope, v, out); }
      return out;
    case 'Call':
      for (const a of t.args) unboundVars(env, scope, a, out);
      return out;
    default:
      return out;
  }
}

export function block(stmts: Stmt[] = []): Block {
  return { stmts };
}
