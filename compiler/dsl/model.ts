// The normalized policy model: names, rule ids, methods, limits with defaults and canonical
// windows, all validated. Generic over what a predicate is (`F`): a real function for the
// reference evaluator, a syntax node for the compiler. Both read the SAME model, so rule
// ids, limit ids and defaults cannot drift between the two semantics.
import type { Loc } from '../diagnostics/index.ts';
import type { AccessKind, LimitScope, Priority } from '../contract.ts';
import { DEFAULT_LIMITS } from './define.ts';
import { parseRoute, type RouteSegment } from './route.ts';
import { READ_METHODS, WRITE_METHODS, type ArgType, type CredentialRef, type DenyClass, type Injection, type Method } from './types.ts';

export interface LimitModel<F> {
  readonly id: string;
  readonly scope: LimitScope;
  readonly max: number;
  /** 'session' or whole seconds such as '86400s' */
  readonly window: string;
  readonly cost: number | F;
  readonly loc?: Loc;
}

export interface AccessLimits<F> { readonly read: readonly LimitModel<F>[]; readonly write: readonly LimitModel<F>[] }

export interface AllowModel<F> {
  readonly rule: string;
  readonly access: AccessKind;
  readonly when: F | null;
  readonly reason: string | F | null;
  readonly priority: Priority | null;
  readonly loc?: Loc;
}

export interface DenyModel<F> {
  readonly rule: string;
  readonly access: AccessKind | null;
  readonly when: F;
  readonly reason: string | F;
  readonly priority: Priority | null;
  readonly class: DenyClass;
  readonly loc?: Loc;
}

export interface RouteModel<F> {
  /** 'customerRecords', or 'stripe.refunds' for an upstream's route */
  readonly name: string;
  readonly upstream: string | null;
  readonly template: string;
  readonly segments: readonly RouteSegment[];
  readonly methods: readonly Method[];
  readonly access: AccessKind | null;
  readonly allows: readonly AllowModel<F>[];
  readonly denies: readonly DenyModel<F>[];
  /** The route's own limits followed by its upstream's. */
  readonly limits: AccessLimits<F>;
  readonly loc?: Loc;
}

export interface UpstreamModel {
  readonly name: string;
  readonly baseUrl: string;
  /** null only for an MCP server reached without a credential */
  readonly credential: CredentialRef | null;
  readonly inject: Injection;
  /** an MCP server (docs/mcp.md): its routes are its tools, `/tools/<tool name>` */
  readonly mcp: boolean;
  readonly sensitive: boolean;
  readonly streamRoutes: readonly string[];
  readonly loc?: Loc;
}

export interface PolicyModel<F> {
  readonly name: string;
  readonly appliesTo: readonly { readonly claim: string; readonly values: readonly (string | number | boolean)[] }[];
  readonly identity: { readonly key: string | null; readonly task: string | null };
  readonly limits: AccessLimits<F>;
  readonly routes: readonly RouteModel<F>[];
  readonly denies: readonly DenyModel<F>[];
  readonly upstreams: readonly UpstreamModel[];
  readonly loc?: Loc;
}

export interface ModelProblem { readonly message: string; readonly loc?: Loc }

/** How normalization sees a value: is it a predicate, and where was it written. */
export interface ModelHost<F> {
  isFn(v: unknown): v is F;
  /** Where `v` (or its property `field`) was written. */
  locOf(v: unknown, field?: string): Loc | undefined;
  /**
   * The condition of a tool's generated argument check: true when the arguments (the
   * request body) are not an object holding every declared argument with its type, or hold
   * an undeclared one unless `extra`. The compiler builds it as a predicate expression, the
   * reference as a function; both mean the same (compiler/dsl/args-check.ts).
   */
  argsCheck(args: Readonly<Record<string, ArgType>>, extra: boolean, at: unknown): F;
}

const ARG_TYPES: readonly ArgType[] = ['string', 'number', 'boolean', 'object', 'array'];
/** MCP's tool name characters; never a dot segment (the name is a route segment) */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

const ALL_METHODS: readonly Method[] = [...READ_METHODS, ...WRITE_METHODS];
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const POLICY_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const SCOPES: readonly LimitScope[] = ['session', 'agent', 'key', 'task', 'upstream'];
const WINDOW = /^([1-9][0-9]*)(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** `'1d'` → `'86400s'`; `'session'` stays. */
export function canonicalWindow(w: unknown): string | null {
  if (w === 'session') return 'session';
  if (typeof w !== 'string') return null;
  const m = WINDOW.exec(w);
  if (!m) return null;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  return Number.isSafeInteger(seconds) ? `${seconds}s` : null;
}

/** Snake-case Rego identifier for a DSL name ('support-agent' → 'support_agent', 'a.b' → 'a_b'). */
export function regoName(name: string): string {
  return name.replace(/[-.]/g, '_').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

type Obj = { readonly [k: string]: unknown };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Validate a `definePolicy` value and normalize it; problems say what to write instead. */
export function normalizePolicy<F>(value: unknown, host: ModelHost<F>): { model?: PolicyModel<F>; problems: ModelProblem[] } {
  const problems: ModelProblem[] = [];
  const fail = (message: string, at: unknown, field?: string): void => { problems.push({ message, loc: host.locOf(at, field) }); };
  if (!isObj(value) || value['kind'] !== 'policy') {
    fail('expected definePolicy({...})', value);
    return { problems };
  }
  const p = value;
  const name = p['name'];
  if (typeof name !== 'string' || !POLICY_NAME.test(name)) {
    fail(`policy name must be a kebab-case string such as 'support-agent', got ${JSON.stringify(name)}`, p, 'name');
    return { problems };
  }

  const appliesTo: { claim: string; values: (string | number | boolean)[] }[] = [];
  const at = p['appliesTo'];
  if (!isObj(at)) fail("appliesTo must be an object of claim values, e.g. { role: 'support' }", p);
  else {
    for (const claim of Object.keys(at).sort()) {
      const raw = at[claim];
      const values = Array.isArray(raw) ? raw : [raw];
      if (values.length === 0 || !values.every((x) => ['string', 'number', 'boolean'].includes(typeof x))) {
        fail(`appliesTo.${claim} must be a string, number or boolean, or a non-empty list of them`, at, claim);
        continue;
      }
      appliesTo.push({ claim, values: values as (string | number | boolean)[] });
    }
  }

  const idRaw = isObj(p['identity']) ? p['identity'] : {};
  const identity = {
    key: typeof idRaw['key'] === 'string' ? idRaw['key'] : null,
    task: typeof idRaw['task'] === 'string' ? idRaw['task'] : null,
  };

  const readLimits = (raw: unknown, owner: string, split: 'split' | 'either', at: unknown): AccessLimits<F> => {
    if (raw === undefined) return { read: [], write: [] };
    if (Array.isArray(raw) && split === 'either') {
      const all = limitList(raw, owner);
      return { read: all, write: all };
    }
    if (!isObj(raw)) {
      fail(`limits of ${owner} must be ${split === 'either' ? 'a list or ' : ''}{ read: [...], write: [...] }`, at);
      return { read: [], write: [] };
    }
    return {
      read: raw['read'] === undefined ? [] : limitList(raw['read'], `${owner}.read`),
      write: raw['write'] === undefined ? [] : limitList(raw['write'], `${owner}.write`),
    };
  };
  const limitList = (raw: unknown, owner: string): LimitModel<F>[] => {
    if (!Array.isArray(raw)) { fail(`limits of ${owner} must be a list`, raw); return []; }
    const out: LimitModel<F>[] = [];
    for (const l of raw) {
      if (!isObj(l)) { fail('a limit is { scope, max, window, cost? }', l); continue; }
      const scope = l['scope'];
      const window = canonicalWindow(l['window']);
      const max = l['max'];
      const cost = l['cost'] ?? 1;
      if (typeof scope !== 'string' || !SCOPES.includes(scope as LimitScope)) { fail(`limit scope must be one of ${SCOPES.join(', ')}`, l, 'scope'); continue; }
      if (window === null) { fail(`limit window must be 'session' or a whole number of s, m, h or d such as '60s' or '1d', got ${JSON.stringify(l['window'])}`, l, 'window'); continue; }
      if (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 1) { fail('limit max must be a whole number of at least 1', l, 'max'); continue; }
      if (!host.isFn(cost) && (typeof cost !== 'number' || !(cost >= 0) || !Number.isFinite(cost))) { fail('limit cost must be a non-negative number or a function of the request', l, 'cost'); continue; }
      if (scope === 'task' && identity.task === null) { fail("a 'task' limit needs identity: { task: '<task field>' } to know which task a request belongs to", l); continue; }
      const id = `${owner}/${scope}${window === 'session' ? '' : `/${window}`}`;
      if (out.some((o) => o.id === id)) { fail(`two limits of ${owner} share scope '${scope}' and window '${window}'`, l); continue; }
      out.push({ id, scope: scope as LimitScope, max, window, cost: cost as number | F, loc: host.locOf(l) });
    }
    return out;
  };

  const policyLimitsRaw = p['limits'];
  const own = readLimits(policyLimitsRaw, name, 'split', p);
  const limits: AccessLimits<F> = {
    read: isObj(policyLimitsRaw) && policyLimitsRaw['read'] !== undefined ? own.read : limitList(DEFAULT_LIMITS.read, `${name}.read`),
    write: isObj(policyLimitsRaw) && policyLimitsRaw['write'] !== undefined ? own.write : limitList(DEFAULT_LIMITS.write, `${name}.write`),
  };

  const readDenies = (raw: unknown, owner: string): DenyModel<F>[] => {
    if (raw === undefined) return [];
    if (!isObj(raw)) { fail('deny must be an object of named deny rules', raw); return []; }
    const out: DenyModel<F>[] = [];
    for (const key of Object.keys(raw)) {
      const d = raw[key];
      if (!NAME.test(key)) { fail(`deny rule name '${key}' must be an identifier`, raw); continue; }
      if (!isObj(d) || !host.isFn(d['when'])) { fail(`deny rule '${key}' needs when: (ctx) => boolean`, d ?? raw); continue; }
      const reason = d['reason'];
      if (typeof reason !== 'string' && !host.isFn(reason)) { fail(`deny rule '${key}' needs a reason (a string or (ctx) => string)`, d); continue; }
      const access = d['access'];
      if (access !== undefined && access !== 'read' && access !== 'write') { fail("deny access must be 'read' or 'write'", d); continue; }
      const cls = d['class'];
      if (cls !== undefined && cls !== 'scope' && cls !== 'business') { fail("deny class must be 'scope' or 'business'", d); continue; }
      out.push({ rule: `${owner}.${key}`, access: access ?? null, when: d['when'], reason: reason as string | F, priority: priorityOf(d), class: cls ?? 'business', loc: host.locOf(d) });
    }
    return out;
  };
  const priorityOf = (r: Obj): Priority | null => {
    const v = r['priority'];
    if (v === undefined) return null;
    if (v === 'high' || v === 'normal') return v;
    fail("priority must be 'high' or 'normal'", r);
    return null;
  };

  const readRoute = (name: string, raw: unknown, upstream: string | null, extra: AccessLimits<F>): RouteModel<F> | null => {
    if (!isObj(raw) || raw['kind'] !== 'resource') { fail(`'${name}' must be resource('/path/:param', {...})`, raw); return null; }
    const template = raw['route'];
    const parsed = parseRoute(typeof template === 'string' ? template : '');
    if ('error' in parsed) { fail(parsed.error, raw, 'route'); return null; }
    let methods = ALL_METHODS;
    if (raw['methods'] !== undefined) {
      const m = raw['methods'];
      if (!Array.isArray(m) || m.length === 0 || !m.every((x) => ALL_METHODS.includes(x as Method))) {
        fail(`methods must be a non-empty list of ${ALL_METHODS.join(', ')}`, raw, 'methods');
        return null;
      }
      methods = ALL_METHODS.filter((x) => m.includes(x));
    }
    const access = raw['access'];
    if (access !== undefined && access !== 'read' && access !== 'write') { fail("access must be 'read' or 'write'", raw, 'access'); return null; }
    const allows: AllowModel<F>[] = [];
    for (const kind of ['read', 'write'] as const) {
      const r = raw[kind];
      if (r === undefined) continue;
      if (!isObj(r)) { fail(`${kind} must be { when?, reason?, priority? }`, raw); continue; }
      if (access !== undefined && access !== kind) { fail(`route '${name}' counts every method as ${access}, so its ${kind} rule can never apply`, r); continue; }
      if (access === undefined && !methods.some((m) => (kind === 'read') === READ_METHODS.includes(m))) {
        fail(`route '${name}' answers no ${kind} method (${methods.join(', ')}), so its ${kind} rule can never apply`, r);
        continue;
      }
      const when = r['when'];
      if (when !== undefined && !host.isFn(when)) { fail(`${kind}.when must be (ctx) => boolean`, r); continue; }
      const reason = r['reason'];
      if (reason !== undefined && typeof reason !== 'string' && !host.isFn(reason)) { fail(`${kind}.reason must be a string or (ctx) => string`, r); continue; }
      allows.push({ rule: `${name}.${kind}`, access: kind, when: when ?? null, reason: (reason as string | F | undefined) ?? null, priority: priorityOf(r), loc: host.locOf(r) });
    }
    const own = readLimits(raw['limits'], name, 'either', raw);
    return {
      name, upstream, template: template as string, segments: parsed.segments, methods, access: access ?? null, allows,
      denies: readDenies(raw['deny'], name),
      limits: { read: [...own.read, ...extra.read], write: [...own.write, ...extra.write] },
      loc: host.locOf(raw),
    };
  };

  /** A tool is a route `/tools/<name>` of its server, answering POST, with its access kind, plus a generated argument check. */
  const readTool = (name: string, raw: unknown, server: string, extra: AccessLimits<F>, seen: Set<string>): RouteModel<F> | null => {
    if (!isObj(raw) || raw['kind'] !== 'tool') { fail(`'${name}' must be tool('tool_name', {...})`, raw); return null; }
    const toolName = raw['name'];
    if (typeof toolName !== 'string' || !TOOL_NAME.test(toolName) || toolName === '.' || toolName === '..') {
      fail(`tool name must be 1 to 128 of A-Z a-z 0-9 _ . - (the name the MCP server lists), got ${JSON.stringify(toolName)}`, raw, 'name');
      return null;
    }
    if (seen.has(toolName)) { fail(`tool '${toolName}' is declared twice on MCP server '${server}'`, raw, 'name'); return null; }
    seen.add(toolName);
    const access = raw['access'];
    if (access !== 'read' && access !== 'write') { fail(`tool '${toolName}' needs access: 'read' or 'write' (what a call does, for limits, priority and alerts)`, raw, 'access'); return null; }
    const args = raw['args'] ?? {};
    if (!isObj(args) || !Object.entries(args).every(([k, v]) => k !== '' && ARG_TYPES.includes(v as ArgType))) {
      fail(`tool '${toolName}' args must map each argument name to one of ${ARG_TYPES.map((t) => `'${t}'`).join(', ')}`, raw, 'args');
      return null;
    }
    const extraArgs = raw['extraArgs'] ?? false;
    if (typeof extraArgs !== 'boolean') { fail('extraArgs must be true or false', raw, 'extraArgs'); return null; }
    const rule = { ...(raw['when'] !== undefined ? { when: raw['when'] } : {}), ...(raw['reason'] !== undefined ? { reason: raw['reason'] } : {}), ...(raw['priority'] !== undefined ? { priority: raw['priority'] } : {}) };
    const route = readRoute(name, { kind: 'resource', route: `/tools/${toolName}`, methods: ['POST'], access, [access]: rule, deny: raw['deny'], limits: raw['limits'] }, server, extra);
    if (!route) return null;
    // the argument check comes first: predicates read typed arguments only after it held
    const check: DenyModel<F> = {
      rule: `${name}.args`, access: null, when: host.argsCheck(args as Record<string, ArgType>, extraArgs, raw),
      reason: `tool ${toolName} takes ${Object.keys(args).length === 0 ? 'no arguments' : Object.entries(args).map(([k, t]) => `${k} (${t})`).join(', ')}${extraArgs ? ', and any other' : ', and nothing else'}`,
      priority: null, class: 'business', loc: host.locOf(raw, 'args') ?? host.locOf(raw),
    };
    return { ...route, denies: [check, ...route.denies], loc: host.locOf(raw) };
  };

  const routes: RouteModel<F>[] = [];
  const resources = p['resources'];
  if (resources !== undefined && !isObj(resources)) fail('resources must be an object of named resource(...) routes', p);
  for (const [key, raw] of Object.entries(isObj(resources) ? resources : {})) {
    if (!NAME.test(key)) { fail(`resource name '${key}' must be an identifier`, resources); continue; }
    const r = readRoute(key, raw, null, { read: [], write: [] });
    if (r) routes.push(r);
  }

  const upstreams: UpstreamModel[] = [];
  const ups = p['upstreams'];
  if (ups !== undefined && !isObj(ups)) fail('upstreams must be an object of named upstream(...) declarations', p);
  for (const [key, raw] of Object.entries(isObj(ups) ? ups : {})) {
    if (!NAME.test(key)) { fail(`upstream name '${key}' must be an identifier`, ups); continue; }
    if (!isObj(raw) || raw['kind'] !== 'upstream') { fail(`'${key}' must be upstream({...})`, raw); continue; }
    const meta = readUpstream(key, raw, fail);
    if (!meta) continue;
    upstreams.push({ ...meta, loc: host.locOf(raw) });
    const extra = readLimits(raw['limits'], key, 'either', raw);
    const rs = raw['routes'];
    if (!isObj(rs) || Object.keys(rs).length === 0) { fail(`upstream '${key}' needs routes: { name: resource('/path', {...}) }`, raw); continue; }
    for (const [rk, rr] of Object.entries(rs)) {
      if (!NAME.test(rk)) { fail(`route name '${rk}' must be an identifier`, rs); continue; }
      const r = readRoute(`${key}.${rk}`, rr, key, extra);
      if (r) routes.push(r);
    }
  }

  const servers = p['mcp'];
  if (servers !== undefined && !isObj(servers)) fail('mcp must be an object of named mcpServer(...) declarations', p);
  for (const [key, raw] of Object.entries(isObj(servers) ? servers : {})) {
    if (!NAME.test(key)) { fail(`MCP server name '${key}' must be an identifier`, servers); continue; }
    if (!isObj(raw) || raw['kind'] !== 'mcp-server') { fail(`'${key}' must be mcpServer({...})`, raw); continue; }
    const meta = readUpstream(key, { ...raw, baseUrl: raw['url'] }, (m, at, field) => fail(m.replace(`upstream '${key}' baseUrl`, `MCP server '${key}' url`).replace(`upstream '${key}'`, `MCP server '${key}'`), at === undefined ? raw : at, field === 'baseUrl' ? 'url' : field), true);
    if (!meta) continue;
    upstreams.push({ ...meta, loc: host.locOf(raw) });
    const extra = readLimits(raw['limits'], key, 'either', raw);
    const tools = raw['tools'];
    if (!isObj(tools) || Object.keys(tools).length === 0) { fail(`MCP server '${key}' needs tools: { name: tool('tool_name', {...}) }`, raw); continue; }
    const seen = new Set<string>();
    for (const [tk, t] of Object.entries(tools)) {
      if (!NAME.test(tk)) { fail(`tool key '${tk}' must be an identifier`, tools); continue; }
      const r = readTool(`${key}.${tk}`, t, key, extra, seen);
      if (r) routes.push(r);
    }
  }

  const model: PolicyModel<F> = {
    name, appliesTo, identity, limits, routes, denies: readDenies(p['deny'], name), upstreams, loc: host.locOf(p),
  };
  return problems.length > 0 ? { problems } : { model, problems };
}

const CRED_NAME = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
const HEADER_NAME = /^[A-Za-z0-9-]+$/;
/** what the proxy reads from data.json's streamRoutes (server/proxy/overrides.ts) */
const STREAM_ROUTE = /^(\*|[A-Z]+) +\/\S*$/;

function readUpstream(name: string, raw: Obj, fail: (m: string, at: unknown, field?: string) => void, mcp = false): Omit<UpstreamModel, 'loc'> | null {
  const baseUrl = raw['baseUrl'];
  let url: URL | null = null;
  try { url = typeof baseUrl === 'string' ? new URL(baseUrl) : null; } catch { url = null; }
  if (!url || url.protocol !== 'https:' && !(url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))) {
    fail(`upstream '${name}' baseUrl must be an https:// URL (http:// only for localhost)`, raw, 'baseUrl');
    return null;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    fail(`upstream '${name}' baseUrl must not carry a query, fragment or credentials`, raw, 'baseUrl');
    return null;
  }
  const c = raw['credential'];
  let credential: CredentialRef | null = null;
  if (isObj(c) && Object.keys(c).length === 1 && typeof c['env'] === 'string' && CRED_NAME.test(c['env'])) credential = { env: c['env'] };
  else if (isObj(c) && Object.keys(c).length === 1 && typeof c['secret'] === 'string' && CRED_NAME.test(c['secret'])) credential = { secret: c['secret'] };
  if (!credential && !(mcp && c === undefined)) { fail(`upstream '${name}' credential must be { env: 'VAR_NAME' } or { secret: 'name' }: a reference, never the value`, raw, 'credential'); return null; }
  const i = raw['inject'] ?? (mcp ? { type: 'bearer' } : undefined);
  let inject: Injection | null = null;
  if (isObj(i)) {
    if (i['type'] === 'bearer') inject = { type: 'bearer' };
    else if (i['type'] === 'basic') inject = typeof i['username'] === 'string' ? { type: 'basic', username: i['username'] } : { type: 'basic' };
    else if (i['type'] === 'header' && typeof i['name'] === 'string' && HEADER_NAME.test(i['name'])) {
      inject = typeof i['prefix'] === 'string' ? { type: 'header', name: i['name'].toLowerCase(), prefix: i['prefix'] } : { type: 'header', name: i['name'].toLowerCase() };
    } else if (i['type'] === 'query' && typeof i['name'] === 'string' && i['name'] !== '') inject = { type: 'query', name: i['name'] };
  }
  if (!inject) { fail(`upstream '${name}' inject must be { type: 'bearer' }, { type: 'basic' }, { type: 'header', name } or { type: 'query', name }`, raw, 'inject'); return null; }
  const sensitive = raw['sensitive'] ?? false;
  if (typeof sensitive !== 'boolean') { fail(`upstream '${name}' sensitive must be true or false`, raw, 'sensitive'); return null; }
  const streamRoutes = raw['streamRoutes'] ?? [];
  if (!Array.isArray(streamRoutes) || !streamRoutes.every((r) => typeof r === 'string' && STREAM_ROUTE.test(r))) {
    fail(`upstream '${name}' streamRoutes must be a list like ['POST /v1/files'] (a method or * , a space, a path starting with /)`, raw, 'streamRoutes');
    return null;
  }
  return { name, baseUrl: mcp ? url.href : url.href.replace(/\/$/, ''), credential, inject, sensitive, streamRoutes: streamRoutes as string[], mcp };
}

/** Every rule id of a policy, in declaration order. */
export function ruleIds<F>(m: PolicyModel<F>): string[] {
  return [...m.routes.flatMap((r) => [...r.allows.map((a) => a.rule), ...r.denies.map((d) => d.rule)]), ...m.denies.map((d) => d.rule)];
}
