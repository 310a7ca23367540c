// What each resource (route) reads of the request, from its translated functions: the
// conditions, reasons and costs of its rules, of its policy's policy-wide denies (which apply
// to every route of the policy) and of its policy's limits. Written to data.json as
// data.leash.resources["<policy>/<route>"], so a decision endpoint that cannot supply a part
// (forward-auth /authz never sees the body) can refuse those resources instead of deciding
// on absent data; `leash check` warns about them.
import { warning, type Diagnostic } from '../diagnostics/index.ts';
import type { PolicyModel, RouteModel } from '../dsl/model.ts';
import { READ_METHODS } from '../dsl/types.ts';
import type { PExpr, PFunction } from './pexpr.ts';

/** Request parts a rule can read, in the order they are listed. */
export const REQUEST_PARTS = ['params', 'body', 'query', 'headers', 'path', 'raw_path', 'host', 'method'] as const;
export type RequestPart = (typeof REQUEST_PARTS)[number];

/** One resource's entry in data.json. */
export interface ResourceInfo {
  readonly policy: string;
  readonly route: string;
  /** the credential-proxy upstream the route is on, or null for a gateway-facing resource */
  readonly upstream: string | null;
  readonly template: string;
  readonly methods: readonly string[];
  /** the DSL rules of the route (what a decision's `rule` names) */
  readonly rules: readonly string[];
  readonly reads: readonly RequestPart[];
  /** the limits a granted request counts against, by access kind (route's, upstream's, policy's) */
  readonly limits: { readonly read: readonly LimitInfo[]; readonly write: readonly LimitInfo[] };
}

/** A limit as `leash inspect` shows it; a cost computed from the request is 'computed'. */
export interface LimitInfo {
  readonly id: string;
  readonly scope: string;
  readonly max: number;
  readonly window: string;
  readonly cost: number | 'computed';
}

/** data.leash.resources: "<policy>/<route>" → what the resource is and reads. */
export type ResourcesData = Readonly<Record<string, ResourceInfo>>;

export const resourceKey = (policy: string, route: string): string => `${policy}/${route}`;

type RefExpr = Extract<PExpr, { k: 'ref' }>;

/** Calls `visit` for every reference in an expression, nested ones (inside keys) included. */
function eachRef(e: PExpr, visit: (ref: RefExpr) => void): void {
  const go = (x: PExpr): void => eachRef(x, visit);
  switch (e.k) {
    case 'lit': return;
    case 'ref': visit(e); for (const s of e.path) go(s.key); return;
    case 'array': e.items.forEach(go); return;
    case 'not': case 'bool': go(e.e); return;
    case 'and': case 'or': case 'cmp': case 'arith': go(e.l); go(e.r); return;
    case 'cond': go(e.c); go(e.t); go(e.f); return;
    case 'concat': e.parts.forEach((p) => go(p.e)); return;
    case 'call': e.args.forEach(go); return;
    case 'member': go(e.item); go(e.coll); return;
    case 'haskey': go(e.key); go(e.obj); return;
    case 'quant': go(e.coll); go(e.body); return;
  }
}

/** The request parts one expression reads. */
function partsOf(e: PExpr, into: Set<RequestPart>): void {
  eachRef(e, (ref) => {
    if (!('root' in ref.base)) return;
    const root = ref.base.root;
    if (root === 'params' || root === 'body' || root === 'query') into.add(root);
    else if (root === 'args') into.add('body');
    else if (root === 'request') {
      const first = ref.path[0]?.key;
      const part = first?.k === 'lit' && typeof first.value === 'string' ? first.value : null;
      // A computed `request[k]` may be any part: count it as reading all of them.
      if (part === null) for (const p of REQUEST_PARTS) { if (p !== 'params') into.add(p); }
      else if ((REQUEST_PARTS as readonly string[]).includes(part)) into.add(part as RequestPart);
    }
  });
}

/** data.leash.fields: deny rule id → the fields its condition reads, as `body.amount`. */
export type FieldsData = Readonly<Record<string, readonly string[]>>;

/** The fields a condition reads: each reference's root and literal keys, up to the first computed one. */
function fieldsOf(e: PExpr): string[] {
  const out = new Set<string>();
  eachRef(e, (ref) => {
    if (!('root' in ref.base) || ref.base.root === 'params') return;
    const keys: string[] = [];
    for (const step of ref.path) {
      if (step.key.k !== 'lit' || (typeof step.key.value !== 'string' && typeof step.key.value !== 'number')) break;
      keys.push(String(step.key.value));
    }
    // a tool's arguments are its decision's body: named as such for the server's missing-field reasons
    out.add([ref.base.root === 'args' ? 'body' : ref.base.root, ...keys].join('.'));
  });
  return [...out].sort();
}

/**
 * What each deny rule's condition reads, so a server that got an undecided deny can say
 * which of those fields the request lacks (docs/dsl.md, "Missing data fails closed").
 */
export function denyFields(policies: readonly PolicyModel<PFunction>[]): FieldsData {
  const out: Record<string, readonly string[]> = {};
  for (const p of policies) {
    for (const d of [...p.denies, ...p.routes.flatMap((r) => r.denies)]) out[d.rule] = fieldsOf(d.when.body);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const fns = (xs: readonly (string | number | PFunction | null)[]): PFunction[] =>
  xs.filter((x): x is PFunction => typeof x === 'object' && x !== null);

/**
 * The functions that decide a route's requests: its own, its policy's policy-wide denies, and
 * the costs of its policy's limits for the access kinds the route can have.
 */
function routeFunctions(p: PolicyModel<PFunction>, r: RouteModel<PFunction>): PFunction[] {
  const limits = (l: PolicyModel<PFunction>['limits']) => [...l.read, ...l.write].map((x) => x.cost);
  const kinds = r.access !== null ? [r.access] : (['read', 'write'] as const).filter((k) => r.methods.some((m) => READ_METHODS.includes(m) === (k === 'read')));
  return [
    ...fns(r.allows.flatMap((a) => [a.when, a.reason])),
    ...fns(r.denies.flatMap((d) => [d.when, d.reason])),
    ...fns(limits(r.limits)),
    ...fns(p.denies.flatMap((d) => [d.when, d.reason])),
    ...fns(kinds.flatMap((k) => p.limits[k].map((x) => x.cost))),
  ];
}

/** The limits of one access kind, when some rule of the route grants that kind. */
function limitInfo(r: RouteModel<PFunction>, p: PolicyModel<PFunction>, kind: 'read' | 'write'): LimitInfo[] {
  if (!r.allows.some((a) => a.access === kind)) return [];
  return [...r.limits[kind], ...p.limits[kind]].map((l) => ({ id: l.id, scope: l.scope, max: l.max, window: l.window, cost: typeof l.cost === 'number' ? l.cost : 'computed' }));
}

export function resourceReads(policies: readonly PolicyModel<PFunction>[]): ResourcesData {
  const out: Record<string, ResourceInfo> = {};
  const sorted = [...policies].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const p of sorted) {
    for (const r of p.routes) {
      const parts = new Set<RequestPart>();
      for (const f of routeFunctions(p, r)) partsOf(f.body, parts);
      out[resourceKey(p.name, r.name)] = {
        policy: p.name, route: r.name, upstream: r.upstream, template: r.template, methods: r.methods,
        rules: [...r.allows.map((a) => a.rule), ...r.denies.map((d) => d.rule)],
        reads: REQUEST_PARTS.filter((x) => parts.has(x)),
        limits: { read: limitInfo(r, p, 'read'), write: limitInfo(r, p, 'write') },
      };
    }
  }
  return out;
}

/**
 * A warning at the route of each gateway-facing resource that reads the body. Upstream routes
 * are exempt: the credential proxy holds the whole request, body included.
 */
export function bodyReadWarnings(policies: readonly PolicyModel<PFunction>[], resources: ResourcesData): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of policies) {
    for (const r of p.routes) {
      const info = resources[resourceKey(p.name, r.name)];
      if (!info || info.upstream !== null || !info.reads.includes('body')) continue;
      out.push(warning('leash_reads_body', `resource ${info.policy}/${info.route} reads the request body; forward-auth gateways (/authz: nginx auth_request, Caddy forward_auth, Traefik ForwardAuth) cannot send it, so there such requests are denied (body_unavailable); use /decide, Envoy ext_authz with with_request_body, or Kong's OPA plugin (docs/gateways.md)`, r.loc ?? p.loc));
    }
  }
  return out;
}

/**
 * A warning at each deny whose condition reads a request header. A header sent twice reaches
 * the policy as one joined value (`prod, prod`; Envoy and Kong join before Leash sees it)
 * while an upstream may read the first or the last, so a deny comparing one value is passed
 * by sending it twice. A grant of the exact value fails closed instead (docs/requests.md).
 */
export function headerDenyWarnings(policies: readonly PolicyModel<PFunction>[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const p of policies) {
    for (const d of [...p.denies, ...p.routes.flatMap((r) => r.denies)]) {
      const parts = new Set<RequestPart>();
      partsOf(d.when.body, parts);
      if (!parts.has('headers')) continue;
      const names = fieldsOf(d.when.body).filter((f) => f.startsWith('request.headers.')).map((f) => f.slice('request.headers.'.length));
      const which = names.length > 0 ? names.join(', ') : 'a header';
      out.push(warning('leash_deny_reads_header', `deny ${d.rule} compares request header ${which}; a header sent twice reaches the policy joined ("prod, prod") while an upstream may read only one, so this deny does not fire for it; write the condition as a grant of the exact value (docs/requests.md, "The headers")`, d.loc ?? p.loc));
    }
  }
  return out;
}
