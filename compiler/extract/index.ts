// The ts-morph front end: policy sources in, translated policy models out (plain data
// with source locations), plus the lowering of those models to Rego modules. Stage
// functions: extractPolicies (load, type-check, read, translate) and lowerPolicies.
import { SyntaxKind, type Node } from 'ts-morph';
import { error, type Diagnostic, type Loc } from '../diagnostics/index.ts';
import type { Module } from '../rego/ast.ts';
import { normalizePolicy, regoName, type PolicyModel } from '../dsl/model.ts';
import type { McpServerMetadata, UpstreamMetadata } from '../dsl/types.ts';
import { loadPolicyProject } from './project.ts';
import { dslCallee, isFnRef, StaticReader, type FnRef } from './static-value.ts';
import { translateFunction, Unsupported, type LocOf } from './translate.ts';
import { lowerPolicy, type TranslatedPolicy } from './lower-policy.ts';
import { lowerMain } from './lower-main.ts';
import { templateDiagnostics } from './template-check.ts';
import type { PFunction } from './pexpr.ts';
import { argsCheckExpression } from './args-check.ts';

/** a condition the compiler generates (a tool's argument check), already a predicate expression */
interface Synthesized { readonly synthesized: PFunction }
const isSynthesized = (v: unknown): v is Synthesized => typeof v === 'object' && v !== null && 'synthesized' in v;

export type { TranslatedPolicy } from './lower-policy.ts';
export type { PExpr, PFunction } from './pexpr.ts';

export interface ExtractedPolicy {
  readonly model: TranslatedPolicy;
  /** the policy source, relative to the root */
  readonly file: string;
}

export interface ExtractResult {
  readonly policies: readonly ExtractedPolicy[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Load `.policy.ts` files, type-check them, and translate each definePolicy into a model. */
export function extractPolicies(files: readonly string[], root = process.cwd()): ExtractResult {
  if (files.length === 0) return { policies: [], diagnostics: [] };
  const loaded = loadPolicyProject(files, root);
  if (loaded.diagnostics.length > 0) return { policies: [], diagnostics: [...loaded.diagnostics, ...templateDiagnostics(loaded.files, loaded.locOf)] };
  const diagnostics: Diagnostic[] = [];
  const policies: ExtractedPolicy[] = [];
  for (const sf of loaded.files) {
    const file = loaded.locOf(sf).file;
    const calls = sf.getDescendantsOfKind(SyntaxKind.CallExpression).filter((c) => dslCallee(c) === 'definePolicy');
    if (calls.length !== 1) {
      diagnostics.push(error('leash_project_error', calls.length === 0
        ? 'holds no policy: export default definePolicy({...}) from each .policy.ts file'
        : 'holds more than one policy: write one definePolicy per file', calls[1] ? loaded.locOf(calls[1]) : { file, line: 1, col: 1 }));
      continue;
    }
    const result = extractOne(calls[0]!, loaded.locOf);
    diagnostics.push(...result.diagnostics);
    if (result.model) policies.push({ model: result.model, file });
  }
  return { policies, diagnostics };
}

function extractOne(call: Node, locOf: LocOf): { model?: TranslatedPolicy; diagnostics: Diagnostic[] } {
  const reader = new StaticReader(locOf);
  let value: unknown;
  try {
    value = reader.read(call);
  } catch (e) {
    if (e instanceof Unsupported) return { diagnostics: [error('leash_dsl_unsupported', e.message, locOf(e.node))] };
    throw e;
  }
  const objLoc = (v: unknown, field?: string): Loc | undefined => {
    if (typeof v !== 'object' || v === null) return undefined;
    return (field !== undefined ? reader.fieldLocs.get(v)?.get(field) : undefined) ?? reader.locs.get(v);
  };
  const { model, problems } = normalizePolicy<FnRef | Synthesized>(value, {
    isFn: (v): v is FnRef | Synthesized => isFnRef(v) || isSynthesized(v),
    locOf: (v, field) => objLoc(v, field) ?? locOf(call),
    argsCheck: (args, extra, at) => ({ synthesized: argsCheckExpression(args, extra, objLoc(at, 'args') ?? objLoc(at) ?? locOf(call)) }),
  });
  if (!model) return { diagnostics: problems.map((p) => error('leash_dsl_invalid', p.message, p.loc)) };
  const diagnostics: Diagnostic[] = [];
  const tr = (fn: FnRef | Synthesized, role: PFunction['role']): PFunction => {
    if (isSynthesized(fn)) return fn.synthesized;
    try {
      return translateFunction(fn.fnNode, role, locOf);
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      diagnostics.push(error('leash_dsl_unsupported', e.message, locOf(e.node)));
      return { body: { k: 'lit', value: false, loc: locOf(fn.fnNode) }, role, loc: locOf(fn.fnNode) };
    }
  };
  const translated = mapFunctions(model, tr);
  return diagnostics.length > 0 ? { diagnostics } : { model: translated, diagnostics };
}

/** The same model with every function translated (conditions for `when`, values otherwise). */
function mapFunctions<F, G>(m: PolicyModel<F>, f: (fn: F, role: PFunction['role']) => G): PolicyModel<G> {
  const isStr = (r: unknown): r is string => typeof r === 'string';
  const reason = (r: string | F | null): string | G | null => {
    if (r === null || isStr(r)) return r as string | null;
    return f(r as F, 'value');
  };
  const limits = (l: PolicyModel<F>['limits']): PolicyModel<G>['limits'] => {
    const one = (x: PolicyModel<F>['limits']['read'][number]) => ({ ...x, cost: typeof x.cost === 'number' ? x.cost : f(x.cost as F, 'value') });
    return { read: l.read.map(one), write: l.write.map(one) };
  };
  const deny = (d: PolicyModel<F>['denies'][number]) => ({ ...d, when: f(d.when, 'condition'), reason: reason(d.reason) as string | G });
  return {
    ...m,
    limits: limits(m.limits),
    denies: m.denies.map(deny),
    routes: m.routes.map((r) => ({
      ...r,
      allows: r.allows.map((a) => ({ ...a, when: a.when === null ? null : f(a.when, 'condition'), reason: reason(a.reason) })),
      denies: r.denies.map(deny),
      limits: limits(r.limits),
    })),
  };
}

/** Checks across policies: unique policy, rule and upstream names. */
export function checkPolicies(policies: readonly ExtractedPolicy[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Map<string, string>();
  const claim = (kind: string, name: string, where: string, loc: ExtractedPolicy['model']['loc']): void => {
    const key = `${kind}:${name}`;
    const prev = seen.get(key);
    if (prev !== undefined) out.push(error('leash_dsl_invalid', `${kind} '${name}' is already defined in ${prev}; names must be unique across the bundle`, loc));
    else seen.set(key, where);
  };
  // Limit ids begin with the name of what owns the limit: a policy, a resource or an upstream
  // (docs/limits.md). One name for two of these would count their buckets together.
  const owners = new Map<string, { readonly kind: string; readonly where: string }>();
  const own = (kind: string, name: string, where: string, loc: ExtractedPolicy['model']['loc']): void => {
    const prev = owners.get(name);
    if (prev === undefined) owners.set(name, { kind, where });
    else if (prev.kind !== kind) {
      out.push(error('leash_dsl_invalid', `${kind} '${name}' has the name of ${prev.kind} '${name}' in ${prev.where}; limit ids begin with these names, so their buckets would be counted together: rename one`, loc));
    }
  };
  for (const { model: m, file } of policies) {
    claim('policy', regoName(m.name), file, m.loc);
    own('policy', m.name, file, m.loc);
    for (const r of m.routes) {
      claim('route', regoName(r.name), file, r.loc);
      if (r.upstream === null) own('resource', r.name, file, r.loc);
      for (const a of r.allows) claim('rule', a.rule, file, a.loc);
      for (const d of r.denies) claim('rule', d.rule, file, d.loc);
    }
    for (const d of m.denies) claim('rule', d.rule, file, d.loc);
    for (const u of m.upstreams) {
      claim('upstream', u.name, file, u.loc);
      own('upstream', u.name, file, u.loc);
    }
  }
  return out;
}

export interface LoweredPolicies {
  /** bundle path → module, main module first */
  readonly modules: readonly { readonly path: string; readonly module: Module }[];
  /** what goes in data.json */
  readonly data: { readonly leash: { readonly upstreams: Readonly<Record<string, UpstreamMetadata>>; readonly mcp?: Readonly<Record<string, McpServerMetadata>> } };
}

/** Rego modules for a set of policies (sorted by name) and the bundle data they need. */
export function lowerPolicies(policies: readonly ExtractedPolicy[]): LoweredPolicies {
  const sorted = [...policies].sort((a, b) => (a.model.name < b.model.name ? -1 : a.model.name > b.model.name ? 1 : 0));
  const modules = [
    { path: 'leash/decision.rego', module: lowerMain(sorted.map((p) => p.model.name), 'leash/decision.rego', sorted.map((p) => p.file)) },
    ...sorted.map((p) => {
      const path = `leash/policies/${regoName(p.model.name)}.rego`;
      return { path, module: lowerPolicy(p.model, path) };
    }),
  ];
  const upstreams: Record<string, UpstreamMetadata> = {};
  const mcp: Record<string, McpServerMetadata> = {};
  for (const p of sorted) {
    for (const u of [...p.model.upstreams].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (u.mcp) {
        // tool routes are `/tools/<name>`: the gateway lists and decides by these names
        const tools = p.model.routes.filter((r) => r.upstream === u.name).map((r) => r.template.slice('/tools/'.length)).sort();
        mcp[u.name] = {
          name: u.name, url: u.baseUrl, credential: u.credential, inject: u.inject, tools,
          ...(u.sensitive ? { sensitive: true } : {}),
          policy: p.model.name, source: u.loc ? `${u.loc.file}:${u.loc.line}` : p.file,
        };
        continue;
      }
      upstreams[u.name] = {
        name: u.name, baseUrl: u.baseUrl, credential: u.credential!, // only an MCP server may have none (model.ts)
        inject: u.inject,
        ...(u.sensitive ? { sensitive: true } : {}),
        ...(u.streamRoutes.length > 0 ? { streamRoutes: u.streamRoutes } : {}),
        policy: p.model.name, source: u.loc ? `${u.loc.file}:${u.loc.line}` : p.file,
      };
    }
  }
  return { modules, data: { leash: { upstreams, ...(Object.keys(mcp).length > 0 ? { mcp } : {}) } } };
}
