// The reference semantics of a policy set: evaluates the DSL's predicates as the real arrow
// functions they are, following exactly the decision procedure the Rego lowering emits
// (docs/dsl.md, "How a decision is made"). The wasm build is tested against this.
import type { AccessKind, Decision, DecisionClass, LimitRequest, PolicyInput, Priority } from '../contract.ts';
import { normalizePolicy, type AllowModel, type DenyModel, type LimitModel, type PolicyModel, type RouteModel } from './model.ts';
import { sortedSet } from './opa-order.ts';
import { withRegoCase } from './rego-case.ts';
import { matchRoute } from './route.ts';
import { strictRoot, strictView } from './strict-view.ts';
import { argsCheckFunction } from './args-check.ts';
import { READ_METHODS, WRITE_METHODS, type Policy } from './types.ts';

type Fn = (ctx: unknown) => unknown;
type Model = PolicyModel<Fn>;

const cache = new WeakMap<object, Model>();

/** Normalize a policy value once; a malformed policy is a programming error here. */
export function policyModel(policy: Policy): Model {
  const hit = cache.get(policy);
  if (hit) return hit;
  const { model, problems } = normalizePolicy<Fn>(policy, { isFn: (v): v is Fn => typeof v === 'function', locOf: () => undefined, argsCheck: (args, extra) => argsCheckFunction(args, extra) as Fn });
  if (!model) throw new Error(`invalid policy: ${problems.map((p) => p.message).join('; ')}`);
  cache.set(policy, model);
  return model;
}

const has = (o: unknown, k: string): boolean => typeof o === 'object' && o !== null && !Array.isArray(o) && Object.prototype.hasOwnProperty.call(o, k);
const get = (o: unknown, k: string): unknown => (has(o, k) ? (o as Record<string, unknown>)[k] : undefined);

/**
 * Run a DSL function; any throw (a missing field, a type error) means "undefined". Its
 * `.toLowerCase()` and `.toUpperCase()` are Rego's lower and upper while it runs, as in the bundle.
 */
function run(fn: Fn, ctx: unknown): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: withRegoCase(() => fn(ctx)) };
  } catch {
    return { ok: false };
  }
}

const holds = (fn: Fn | null, ctx: unknown): boolean => {
  if (fn === null) return true;
  const r = run(fn, ctx);
  return r.ok && r.value === true;
};

const textOf = (reason: string | Fn | null, ctx: unknown): string | null => {
  if (reason === null) return null;
  if (typeof reason === 'string') return reason;
  const r = run(reason, ctx);
  return r.ok && typeof r.value === 'string' ? r.value : null;
};

interface Match { policy: Model; route: RouteModel<Fn>; access: AccessKind; ctx: unknown }

export function evaluateReference(policies: readonly Policy[], input: PolicyInput): Decision {
  const models = policies.map(policyModel);
  const agent = get(input, 'agent');
  const claims = get(agent, 'claims');
  const request = get(input, 'request');
  const method = get(request, 'method');
  const path = get(request, 'path');
  const upstream = has(input, 'upstream') ? get(input, 'upstream') : undefined;
  const readMethod = READ_METHODS.includes(method as never);
  const knownMethod = readMethod || WRITE_METHODS.includes(method as never);

  const ctxFor = (params: Record<string, string>): unknown => ({
    params: strictView(params, 'params'),
    agent: strictRoot(agent, 'input.agent'),
    task: strictRoot(get(agent, 'task'), 'input.agent.task'),
    request: strictRoot(request, 'input.request'),
    query: strictRoot(get(request, 'query'), 'input.request.query'),
    body: strictRoot(get(request, 'body'), 'input.request.body'),
    args: strictRoot(get(request, 'body'), 'input.request.body'),
  });

  const applicable = models.filter((m) => m.appliesTo.every(({ claim, values }) => has(claims, claim) && values.includes(get(claims, claim) as never)));

  const matches: Match[] = [];
  for (const policy of applicable) {
    for (const route of policy.routes) {
      if (upstream === undefined || route.upstream !== upstream) continue;
      if (!knownMethod || !route.methods.includes(method as never)) continue;
      const params = typeof path === 'string' ? matchRoute(route.segments, path) : null;
      if (!params) continue;
      matches.push({ policy, route, access: route.access ?? (readMethod ? 'read' : 'write'), ctx: ctxFor(params) });
    }
  }
  const access: AccessKind = matches.some((m) => m.access === 'write') || (matches.length === 0 && !readMethod) ? 'write' : 'read';

  const candidates: { allow: AllowModel<Fn>; match: Match }[] = [];
  for (const match of matches) {
    if (match.access !== access) continue;
    for (const allow of match.route.allows) if (allow.access === access) candidates.push({ allow, match });
  }
  const grants = candidates.filter((c) => holds(c.allow.when, c.match.ctx));

  const fired: { deny: DenyModel<Fn>; ctx: unknown }[] = [];
  const undecidedRules: string[] = [];
  // A deny is true (fires), false (`false`, or `undefined` from an optional chain), or neither:
  // it threw on an absent field or returned something else, and then it is undecided and denies.
  const tryDeny = (deny: DenyModel<Fn>, ctx: unknown): void => {
    if (deny.access !== null && deny.access !== access) return;
    const r = run(deny.when, ctx);
    if (r.ok && r.value === true) fired.push({ deny, ctx });
    else if (!(r.ok && (r.value === false || r.value === undefined))) undecidedRules.push(deny.rule);
  };
  for (const policy of applicable) for (const deny of policy.denies) tryDeny(deny, ctxFor({}));
  for (const match of matches) for (const deny of match.route.denies) tryDeny(deny, match.ctx);

  // Limits named by the granting rules: the route's own (and its upstream's), then the policy's.
  const entries: LimitRequest[] = [];
  const broken: string[] = [];
  const addLimit = (limit: LimitModel<Fn>, policy: Model, ctx: unknown): void => {
    const entry = limitEntry(limit, policy, input, ctx);
    if (entry) entries.push(entry);
    else broken.push(limit.id);
  };
  for (const g of grants) for (const limit of g.match.route.limits[access]) addLimit(limit, g.match.policy, g.match.ctx);
  for (const policy of new Set(grants.map((g) => g.match.policy))) for (const limit of policy.limits[access]) addLimit(limit, policy, ctxFor({}));

  const denials = sortedSet(fired.map((f) => f.deny.rule));
  // a rule that fired on one route and is undecided on another has fired
  const undecided = sortedSet(undecidedRules.filter((r) => !denials.includes(r)));
  const grantIds = sortedSet(grants.map((g) => g.allow.rule));
  const candidateIds = sortedSet(candidates.map((c) => c.allow.rule));
  const brokenIds = sortedSet(broken);
  const allow = grantIds.length > 0 && denials.length === 0 && undecided.length === 0 && brokenIds.length === 0;
  const rule = denials[0] ?? (grantIds.length > 0 ? undecided[0] ?? grantIds[0] : candidateIds[0]) ?? null;
  const scopeDenies = new Set(models.flatMap((m) => [...m.denies, ...m.routes.flatMap((r) => r.denies)]).filter((d) => d.class === 'scope').map((d) => d.rule));
  const decisionClass: DecisionClass | null = allow ? null
    : denials.length > 0 ? (scopeDenies.has(denials[0]!) ? 'scope' : 'business')
    : grantIds.length === 0 ? 'scope' : 'input';

  const reasons: string[] = [];
  if (denials.length > 0) {
    for (const f of fired) reasons.push(textOf(f.deny.reason, f.ctx) ?? `denied by rule ${f.deny.rule}`);
  } else if (grantIds.length === 0) {
    for (const c of candidates) reasons.push(textOf(c.allow.reason, c.match.ctx) ?? `rule ${c.allow.rule} does not allow this request`);
    if (candidates.length === 0) {
      if (applicable.length === 0) {
        const id = get(agent, 'id');
        if (typeof id === 'string') reasons.push(`no policy applies to agent ${id}`);
      } else if (typeof method === 'string' && typeof path === 'string') {
        if (upstream === null) reasons.push(`no rule allows ${access} access to ${method} ${path}`);
        else if (typeof upstream === 'string') reasons.push(`no rule allows ${access} access to ${method} ${path} on upstream ${upstream}`);
      }
    }
  } else if (undecided.length > 0) {
    for (const id of undecided) reasons.push(`rule ${id} cannot be decided: data its condition reads is missing or of another type`);
  } else {
    for (const id of brokenIds) reasons.push(`limit ${id} cannot be counted: its scope identity or cost is missing or invalid`);
  }

  const explicit = new Map<string, Priority>();
  for (const m of models) {
    for (const r of m.routes) for (const a of r.allows) if (a.priority) explicit.set(a.rule, a.priority);
    for (const d of [...m.denies, ...m.routes.flatMap((r) => r.denies)]) if (d.priority) explicit.set(d.rule, d.priority);
  }
  const firedIds = sortedSet([...denials, ...undecided, ...grantIds]);
  const high = firedIds.some((r) => explicit.get(r) === 'high')
    || (access === 'write' && (firedIds.length === 0 || firedIds.some((r) => explicit.get(r) !== 'normal')));

  return {
    allow,
    access,
    rule,
    reasons: sortedSet(reasons),
    limits: allow ? sortedSet(entries) : [],
    priority: high ? 'high' : 'normal',
    class: decisionClass,
    resources: sortedSet(matches.map((m) => `${m.policy.name}/${m.route.name}`)),
  };
}

/** The limit request for one limit, or null when its scope identity or cost is unusable. */
function limitEntry(limit: LimitModel<Fn>, policy: Model, input: PolicyInput, ctx: unknown): LimitRequest | null {
  const agent = get(input, 'agent');
  let key: unknown;
  switch (limit.scope) {
    case 'session': key = get(agent, 'session'); break;
    case 'agent': key = get(agent, 'id'); break;
    case 'key': key = policy.identity.key !== null ? get(get(agent, 'claims'), policy.identity.key) : get(agent, 'key'); break;
    case 'task': key = get(get(agent, 'task'), policy.identity.task ?? ''); break;
    case 'upstream': key = get(input, 'upstream'); break;
  }
  if (typeof key !== 'string') return null;
  let cost: unknown = limit.cost;
  if (typeof cost === 'function') {
    const r = run(cost as Fn, ctx);
    cost = r.ok ? r.value : undefined;
  }
  if (typeof cost !== 'number' || !(cost >= 0) || !Number.isFinite(cost)) return null;
  return { id: limit.id, scope: limit.scope, key, max: limit.max, window: limit.window, cost };
}
