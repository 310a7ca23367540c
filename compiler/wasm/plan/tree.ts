// The rule tree: every rule of every module filed under its data path (package path plus
// the string prefix of its head ref), with its kind. The planner walks it to resolve
// `data...` refs into rule calls, base-data dots or merged virtual documents.
import type { Module, Rule, Term, Import } from '../../rego/ast.ts';
import type { Loc } from '../../diagnostics/index.ts';
import { PlanError } from './errors.ts';

export type RuleKind = 'complete' | 'set' | 'object' | 'func' | 'nested';

export interface RuleEntry {
  readonly rule: Rule;
  readonly module: Module;
  /** for partial objects: the key term (last head ref term) */
  readonly key?: Term;
  /** for nested ref heads (`p[x][y] contains z`, `p.q[r].s := v`): the ref terms after the string prefix */
  readonly keys?: readonly Term[];
}

export interface RuleNode {
  readonly path: readonly string[];
  readonly children: Map<string, RuleNode>;
  kind?: RuleKind;
  rules: RuleEntry[];
  /** true when a rule (not a function) sits at or below this node */
  hasValueRules: boolean;
  hasAnyRules: boolean;
}

export function newNode(path: readonly string[]): RuleNode {
  return { path, children: new Map(), rules: [], hasValueRules: false, hasAnyRules: false };
}

function stringOf(t: Term): string | undefined {
  return t.kind === 'String' ? t.value : undefined;
}

/** Splits a rule head into its data path (after the package) and its kind. */
export function classifyRule(rule: Rule): { path: string[]; kind: RuleKind; key?: Term; keys?: Term[] } {
  const h = rule.head;
  const refTerms: Term[] = [h.ref.head.kind === 'Var' ? { kind: 'String', value: h.ref.head.name, loc: h.ref.head.loc } : h.ref.head, ...h.ref.path];
  const strings: string[] = [];
  let i = 0;
  for (; i < refTerms.length; i++) {
    const s = stringOf(refTerms[i]!);
    if (s === undefined) break;
    strings.push(s);
  }
  const rest = refTerms.slice(i);
  if (h.args) {
    if (rest.length > 0) throw new PlanError('function heads with non-string ref terms', h.loc);
    return { path: strings, kind: 'func' };
  }
  if (h.key) {
    if (rest.length > 0) return { path: strings, kind: 'nested', keys: rest };
    return { path: strings, kind: 'set', key: h.key };
  }
  if (rest.length === 0) return { path: strings, kind: 'complete' };
  if (rest.length === 1) return { path: strings, kind: 'object', key: rest[0]! };
  return { path: strings, kind: 'nested', keys: rest };
}

export function buildTree(modules: readonly Module[]): RuleNode {
  const root = newNode([]);
  for (const m of modules) {
    for (const rule of m.rules) {
      const c = classifyRule(rule);
      const full = [...m.package.path, ...c.path];
      let node = root;
      const trail: RuleNode[] = [root];
      for (const seg of full) {
        let child = node.children.get(seg);
        if (!child) {
          child = newNode([...node.path, seg]);
          node.children.set(seg, child);
        }
        node = child;
        trail.push(node);
      }
      if (node.kind && node.kind !== c.kind) {
        throw new PlanError(`conflicting rule kinds for data.${full.join('.')} (${node.kind} and ${c.kind})`, rule.loc);
      }
      node.kind = c.kind;
      node.rules.push({ rule, module: m, ...(c.key ? { key: c.key } : {}), ...(c.keys ? { keys: c.keys } : {}) });
      for (const n of trail) {
        n.hasAnyRules = true;
        if (c.kind !== 'func') n.hasValueRules = true;
      }
    }
  }
  return root;
}

/** Resolves a path of strings to a node, if every segment is in the tree. */
export function findNode(root: RuleNode, path: readonly string[]): RuleNode | undefined {
  let node: RuleNode | undefined = root;
  for (const seg of path) {
    node = node.children.get(seg);
    if (!node) return undefined;
  }
  return node;
}

/** The import aliases of a module: alias → ref term (data... or input...). */
export function importAliases(m: Module): Map<string, Import> {
  const out = new Map<string, Import>();
  for (const imp of m.imports) {
    const head = imp.path.head;
    if (head.kind !== 'Var') continue;
    if (head.name !== 'data' && head.name !== 'input') continue; // rego.v1, future.keywords
    const last = imp.path.path[imp.path.path.length - 1];
    const name = imp.alias ?? (last && last.kind === 'String' ? last.value : head.name);
    out.set(name, imp);
  }
  return out;
}

export function locOf(x: { loc?: Loc }): Loc | undefined {
  return x.loc;
}
