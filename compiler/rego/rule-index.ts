// The rule index over a set of modules: every rule grouped by its path under `data`
// with its kind (complete, partial set, partial object, function), plus per-module name
// resolution (rule names, import aliases, input/data). The checker and the planner use it.
import type { Module, RefTerm, Rule, Term } from './ast.ts';

export type RuleKind = 'complete' | 'partial_set' | 'partial_object' | 'function';

export interface RuleRef {
  readonly module: Module;
  readonly rule: Rule;
}

export interface RuleGroup {
  /** the ground part of the rule path, from `data` (`['data', 'pkg', 'p']`) */
  readonly path: readonly string[];
  readonly kind: RuleKind;
  /** function arity (of the first definition) */
  readonly arity?: number;
  readonly rules: RuleRef[];
}

export interface RuleIndex {
  /** keyed by pathKey(path) plus `[*]` for rules with a dynamic suffix (`p[k]`) */
  readonly groups: ReadonlyMap<string, RuleGroup>;
  /** package paths (from `data`), keyed by pathKey */
  readonly packages: ReadonlyMap<string, readonly string[]>;
  /** names defined at the top of each package (first head segment), keyed by package key */
  readonly names: ReadonlyMap<string, ReadonlySet<string>>;
}

export const pathKey = (path: readonly string[]): string => path.join('\u0000');

export function ruleKind(rule: Rule): RuleKind {
  if (rule.head.args) return 'function';
  if (rule.head.key !== undefined) return 'partial_set';
  return groundLength(rule.head.ref) < rule.head.ref.path.length ? 'partial_object' : 'complete';
}

/** How many leading path segments are strings. */
function groundLength(ref: RefTerm): number {
  let n = 0;
  while (n < ref.path.length && ref.path[n]!.kind === 'String') n++;
  return n;
}

/** The ground path of a rule head, from `data`. */
export function rulePath(module: Module, rule: Rule): string[] {
  const ref = rule.head.ref;
  const name = ref.head.kind === 'Var' ? ref.head.name : '';
  const segs = ref.path.slice(0, groundLength(ref)).map((t) => (t.kind === 'String' ? t.value : ''));
  return ['data', ...module.package.path, name, ...segs];
}

export function groupKey(module: Module, rule: Rule): string {
  const dynamic = groundLength(rule.head.ref) < rule.head.ref.path.length && !rule.head.args;
  return pathKey(rulePath(module, rule)) + (dynamic ? '[*]' : '');
}

export function indexRules(modules: readonly Module[]): RuleIndex {
  const groups = new Map<string, RuleGroup>();
  const packages = new Map<string, readonly string[]>();
  const names = new Map<string, Set<string>>();
  for (const module of modules) {
    const pkg = ['data', ...module.package.path];
    packages.set(pathKey(pkg), pkg);
    const pkgNames = names.get(pathKey(pkg)) ?? new Set<string>();
    names.set(pathKey(pkg), pkgNames);
    for (const rule of module.rules) {
      if (rule.head.ref.head.kind === 'Var') pkgNames.add(rule.head.ref.head.name);
      const key = groupKey(module, rule);
      const g = groups.get(key);
      if (g) g.rules.push({ module, rule });
      else {
        const kind = ruleKind(rule);
        groups.set(key, {
          path: rulePath(module, rule), kind, rules: [{ module, rule }],
          ...(kind === 'function' ? { arity: rule.head.args!.length } : {}),
        });
      }
    }
  }
  return { groups, packages, names };
}

/** Resolves global names of one module: rule names of its package, imports, input, data. */
export class ModuleScope {
  readonly pkg: readonly string[];
  private readonly imports = new Map<string, readonly string[]>();
  private readonly ruleNames: ReadonlySet<string>;

  constructor(readonly module: Module, index: RuleIndex) {
    this.pkg = ['data', ...module.package.path];
    this.ruleNames = index.names.get(pathKey(this.pkg)) ?? new Set();
    for (const imp of module.imports) {
      const path = refPath(imp.path);
      const root = path[0];
      if (root !== 'data' && root !== 'input') continue; // future.* and rego.* name no document
      const alias = imp.alias ?? path[path.length - 1];
      if (alias !== undefined) this.imports.set(alias, path);
    }
  }

  /** True when `name` (not declared local) denotes a document rather than a variable. */
  isGlobal(name: string): boolean {
    return name === 'input' || name === 'data' || this.imports.has(name) || this.ruleNames.has(name);
  }

  /** The document path a global name stands for. */
  resolveName(name: string): readonly string[] | undefined {
    if (name === 'input' || name === 'data') return [name];
    const imp = this.imports.get(name);
    if (imp) return imp;
    if (this.ruleNames.has(name)) return [...this.pkg, name];
    return undefined;
  }

  /** Ground document path of a ref or var (`data.a.b[x]` → data.a.b), or undefined for locals. */
  resolveTerm(t: Term, isLocal: (name: string) => boolean): readonly string[] | undefined {
    const head = t.kind === 'Ref' ? t.head : t;
    if (head.kind !== 'Var' || isLocal(head.name)) return undefined;
    const base = this.resolveName(head.name);
    if (!base || t.kind !== 'Ref') return base;
    const out = [...base];
    for (const p of t.path) {
      if (p.kind !== 'String') break;
      out.push(p.value);
    }
    return out;
  }

  /** Path of a call operator (`f`, `lib.f`, `data.x.f`), or undefined for builtins/unknown. */
  resolveCall(operator: string): readonly string[] | undefined {
    const segs = operator.split('.');
    const first = segs[0]!;
    const base = this.resolveName(first);
    if (!base || first === 'input') return undefined;
    return [...base, ...segs.slice(1)];
  }
}

function refPath(ref: RefTerm): string[] {
  const head = ref.head.kind === 'Var' ? ref.head.name : '';
  return [head, ...ref.path.map((t) => (t.kind === 'String' ? t.value : ''))];
}
