// Random well-typed policies and inputs for the generated-policy differential fuzz
// (test/fuzz/generated.test.ts, bench/fuzz-policies.ts). A policy is generated as a plain
// spec (fast-check shrinks it), printed as TypeScript source for the compiler, and built as
// a policy value from the very same predicate text for the plain-JS reference.
import fc from 'fast-check';
import { definePolicy, resource, toNumber, upstream } from '../../compiler/dsl/index.ts';
import type { PolicyInput } from '../../compiler/index.ts';
import type { Policy } from '../../compiler/dsl/index.ts';

/** Routes shared by every generated policy, so the policies of one bundle overlap. */
export const TEMPLATES = ['/c/:cid/items/:iid', '/c/:cid/items', '/c/:cid/refunds', '/items/:iid', '/x'] as const;
type Template = (typeof TEMPLATES)[number];
const paramsOf = (t: Template): string[] => [...t.matchAll(/:(\w+)/g)].map((m) => m[1]!);

const METHODS = ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'] as const;

/** A condition, as a tree the printer turns into one JavaScript expression. */
export type Cond =
  | { readonly k: 'atom'; readonly src: string }
  | { readonly k: 'not'; readonly e: Cond }
  | { readonly k: 'and' | 'or'; readonly l: Cond; readonly r: Cond }
  | { readonly k: 'cond'; readonly c: Cond; readonly t: Cond; readonly f: Cond };

export function printCond(c: Cond): string {
  switch (c.k) {
    case 'atom': return c.src;
    case 'not': return `!(${printCond(c.e)})`;
    case 'and': return `(${printCond(c.l)} && ${printCond(c.r)})`;
    case 'or': return `(${printCond(c.l)} || ${printCond(c.r)})`;
    case 'cond': return `(${printCond(c.c)} ? ${printCond(c.t)} : ${printCond(c.f)})`;
  }
}

/**
 * The values conditions compare with, declared as widened consts (`const USD: string`) so
 * TypeScript does not narrow: `x === 'a' && x === 'b'` is a type error, with consts it is not.
 */
export const CONSTS: Readonly<Record<string, string | boolean>> = {
  USD: 'USD', EUR: 'EUR', QX: 'x', QY: 'y', V: 'v', GET: 'GET', POST: 'POST', ANN: 'ann', I1: 'i1', I2: 'i2',
  LOW_USD: 'usd', UP_STREET: 'STRASSE', LOW_ISTANBUL: 'istanbul',
};

/** Leaf conditions over every part of the context, absent-prone fields included. */
function atoms(params: readonly string[]): fc.Arbitrary<Cond> {
  const n = fc.constantFrom(0, 1, 50, 100, 5000);
  const list: fc.Arbitrary<string>[] = [
    n.map((x) => `toNumber(body.amount) > ${x}`),
    fc.constant('toNumber(body.amount) <= task.max'),
    fc.constantFrom('USD', 'EUR').map((c) => `body.currency === ${c}`),
    // case mapping: JavaScript and Rego part on İ, ß and a final Σ, an ASCII-only one on K
    fc.constantFrom('LOW_USD', 'LOW_ISTANBUL').map((c) => `agent.claims.label.toLowerCase() === ${c}`),
    fc.constant('agent.claims.label.toUpperCase() === UP_STREET'),
    fc.constantFrom('amount', 'currency', 'flag').map((k) => `'${k}' in body`),
    fc.constant('toNumber(body.flag) === 1'),
    fc.constantFrom('QX', 'QY').map((v) => `query.q === ${v}`),
    fc.constant(`'q' in query`),
    fc.constant(`request.headers['x-k'] === V`),
    fc.constantFrom('t1', 't2').map((t) => `task.tags.includes('${t}')`),
    fc.constant(`task.tags.some((t) => t.startsWith('t'))`),
    fc.constant(`task.tags.every((t) => t !== 'blocked')`),
    fc.constantFrom(1, 2, 3).map((x) => `agent.claims.level >= ${x}`),
    fc.constantFrom('GET', 'POST').map((m) => `request.method === ${m}`),
    fc.constant(`task.customerId.startsWith('C')`),
    fc.constant(`task.owner?.name === ANN`),
  ];
  if (params.includes('cid')) list.push(fc.constant('params.cid === task.customerId'), fc.constant(`params.cid.startsWith('C-1')`));
  if (params.includes('iid')) list.push(fc.constantFrom('I1', 'I2').map((v) => `params.iid === ${v}`), fc.constant(`task.tags.includes(params.iid)`));
  return fc.oneof(...list).map((src) => ({ k: 'atom', src }) as Cond);
}

function condArb(params: readonly string[]): fc.Arbitrary<Cond> {
  const leaf = atoms(params);
  const { tree } = fc.letrec<{ tree: Cond }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: leaf, weight: 4 },
      { arbitrary: tie('tree').map((e) => ({ k: 'not', e }) as Cond), weight: 1 },
      { arbitrary: fc.record({ k: fc.constantFrom('and' as const, 'or' as const), l: tie('tree'), r: tie('tree') }), weight: 2 },
      { arbitrary: fc.record({ k: fc.constant('cond' as const), c: tie('tree'), t: tie('tree'), f: tie('tree') }), weight: 1 },
    ),
  }));
  return tree;
}

export interface DenySpec { readonly when: Cond; readonly access?: 'read' | 'write'; readonly class?: 'scope' | 'business'; readonly priority?: 'high' | 'normal'; readonly computedReason: boolean }
export interface AllowSpec { readonly when?: Cond; readonly priority?: 'high' | 'normal'; readonly computedReason: boolean }
export interface LimitSpec { readonly scope: 'session' | 'agent' | 'key' | 'task'; readonly max: number; readonly window: 'session' | '60s'; readonly cost: 'none' | 'fixed' | 'body' }
export interface ResourceGen {
  readonly template: Template;
  readonly methods: readonly (typeof METHODS)[number][];
  readonly access?: 'read' | 'write';
  readonly read?: AllowSpec;
  readonly write?: AllowSpec;
  readonly denies: readonly DenySpec[];
  readonly limits: readonly LimitSpec[];
}
export interface UpstreamGen { readonly routes: readonly ResourceGen[]; readonly limits: readonly LimitSpec[] }
export interface PolicyGen {
  readonly roles: readonly ('a' | 'b')[];
  readonly resources: readonly ResourceGen[];
  /** at most one credential-proxy upstream, named after the policy */
  readonly upstreams: readonly UpstreamGen[];
  readonly denies: readonly DenySpec[];
  readonly readLimits: readonly LimitSpec[];
  readonly writeLimits: readonly LimitSpec[];
}

const limitArb: fc.Arbitrary<LimitSpec> = fc.record({
  scope: fc.constantFrom('session' as const, 'agent' as const, 'key' as const, 'task' as const),
  max: fc.constantFrom(1, 3, 10),
  window: fc.constantFrom('session' as const, '60s' as const),
  cost: fc.constantFrom('none' as const, 'fixed' as const, 'body' as const),
});

const denyArb = (params: readonly string[]): fc.Arbitrary<DenySpec> => fc.record({
  when: condArb(params),
  access: fc.constantFrom('read' as const, 'write' as const),
  class: fc.constantFrom('scope' as const, 'business' as const),
  priority: fc.constantFrom('high' as const, 'normal' as const),
  computedReason: fc.boolean(),
}, { requiredKeys: ['when', 'computedReason'] });

const allowArb = (params: readonly string[]): fc.Arbitrary<AllowSpec> => fc.record({
  when: condArb(params),
  priority: fc.constantFrom('high' as const, 'normal' as const),
  computedReason: fc.boolean(),
}, { requiredKeys: ['computedReason'] });

/** Two limits of one owner may not share scope and window: keep the first. */
const distinctLimits = (ls: readonly LimitSpec[]): LimitSpec[] =>
  ls.filter((l, i) => ls.findIndex((o) => o.scope === l.scope && o.window === l.window) === i);

/** What the compiler requires of a route: an allow rule only for an access kind it can have. */
function validResource(r: ResourceGen): ResourceGen {
  const kinds = r.access ? [r.access] : (['read', 'write'] as const).filter((k) => r.methods.some((m) => (['GET', 'HEAD'].includes(m)) === (k === 'read')));
  const { read, write, ...rest } = r;
  return { ...rest, ...(read && kinds.includes('read') ? { read } : {}), ...(write && kinds.includes('write') ? { write } : {}), limits: distinctLimits(r.limits) };
}

const resourceArb: fc.Arbitrary<ResourceGen> = fc.constantFrom(...TEMPLATES).chain((template) => {
  const params = paramsOf(template);
  return fc.record({
    template: fc.constant(template),
    methods: fc.subarray([...METHODS], { minLength: 1 }),
    access: fc.constantFrom('read' as const, 'write' as const),
    read: allowArb(params),
    write: allowArb(params),
    denies: fc.array(denyArb(params), { maxLength: 2 }),
    limits: fc.array(limitArb, { maxLength: 2 }),
  }, { requiredKeys: ['template', 'methods', 'denies', 'limits'] }).map(validResource);
});

export const policyArb: fc.Arbitrary<PolicyGen> = fc.record({
  roles: fc.constantFrom(['a'] as const, ['b'] as const, ['a', 'b'] as const),
  resources: fc.array(resourceArb, { minLength: 1, maxLength: 3 }),
  upstreams: fc.array(fc.record({ routes: fc.array(resourceArb, { minLength: 1, maxLength: 2 }), limits: fc.array(limitArb, { maxLength: 2 }).map(distinctLimits) }), { maxLength: 1 }),
  denies: fc.array(denyArb([]), { maxLength: 1 }),
  readLimits: fc.array(limitArb, { maxLength: 1 }),
  writeLimits: fc.array(limitArb, { maxLength: 1 }),
});

/** Several policies per bundle (2-4): overlapping routes, overlapping agents. */
export const bundleArb = fc.array(policyArb, { minLength: 2, maxLength: 4 });

/* ------------------------------------------------------------------ printing */

const CTX = '{ params, agent, task, request, query, body }';
const fn = (expr: string) => `(${CTX}) => ${expr}`;
const reasonFn = "({ task }) => 'task ' + task.customerId";

function limitSrc(l: LimitSpec): string {
  const cost = l.cost === 'fixed' ? ', cost: 2' : l.cost === 'body' ? `, cost: ${fn('(toNumber(body.amount) > 50 ? 2 : 1)')}` : '';
  return `{ scope: '${l.scope}', max: ${l.max}, window: '${l.window}'${cost} }`;
}

function denySrc(name: string, d: DenySpec): string {
  const parts = [`when: ${fn(printCond(d.when))}`, `reason: ${d.computedReason ? reasonFn : `'denied by ${name}'`}`];
  if (d.access) parts.push(`access: '${d.access}'`);
  if (d.class) parts.push(`class: '${d.class}'`);
  if (d.priority) parts.push(`priority: '${d.priority}'`);
  return `${name}: { ${parts.join(', ')} }`;
}

function allowSrc(a: AllowSpec, what: string): string {
  const parts: string[] = [];
  if (a.when) parts.push(`when: ${fn(printCond(a.when))}`);
  parts.push(`reason: ${a.computedReason ? reasonFn : `'no ${what}'`}`);
  if (a.priority) parts.push(`priority: '${a.priority}'`);
  return `{ ${parts.join(', ')} }`;
}

export const policyName = (i: number) => `gen-${i}`;
const resourceName = (p: number, r: number) => `p${p}r${r}`;
export const upstreamName = (p: number) => `up${p}`;
const upstreamRouteName = (r: number) => `route${r}`;

/** The policy's TypeScript source, as a user would write it. */
function resourceSrc(r: ResourceGen, name: string, indent: string): string {
  const parts = [`methods: [${r.methods.map((m) => `'${m}'`).join(', ')}]`];
  if (r.access) parts.push(`access: '${r.access}'`);
  if (r.read) parts.push(`read: ${allowSrc(r.read, `${name} read`)}`);
  if (r.write) parts.push(`write: ${allowSrc(r.write, `${name} write`)}`);
  if (r.denies.length > 0) parts.push(`deny: { ${r.denies.map((d, di) => denySrc(`d${di}`, d)).join(', ')} }`);
  if (r.limits.length > 0) parts.push(`limits: [${r.limits.map(limitSrc).join(', ')}]`);
  return `${indent}${name}: resource('${r.template}', {\n${indent}  ${parts.join(`,\n${indent}  `)},\n${indent}}),`;
}

/** The policy's TypeScript source, as a user would write it. */
export function policySource(g: PolicyGen, index: number): string {
  const res = g.resources.map((r, ri) => resourceSrc(r, resourceName(index, ri), '    '));
  const ups = g.upstreams.map((u) => `    ${upstreamName(index)}: upstream({
      baseUrl: 'https://${upstreamName(index)}.example.com',
      credential: { env: 'FUZZ_KEY' },
      inject: { type: 'bearer' },
      limits: [${u.limits.map(limitSrc).join(', ')}],
      routes: {
${u.routes.map((r, ri) => resourceSrc(r, upstreamRouteName(ri), '        ')).join('\n')}
      },
    }),`);
  const limits = `{ read: [${g.readLimits.map(limitSrc).join(', ')}], write: [${g.writeLimits.map(limitSrc).join(', ')}] }`;
  const roles = g.roles.length === 1 ? `'${g.roles[0]}'` : `[${g.roles.map((r) => `'${r}'`).join(', ')}]`;
  return `// generated by test/fuzz/policy-gen.ts
import { definePolicy, resource, toNumber, upstream } from 'leash';

interface Claims {
  readonly role: 'a' | 'b';
  readonly client_id: string;
  readonly level: number;
  readonly label: string;
  readonly task: { readonly customerId: string; readonly max: number; readonly tags: readonly string[]; readonly owner: { readonly name: string } | null };
}

void toNumber;
void upstream;
${Object.entries(CONSTS).map(([k, v]) => `const ${k}: ${typeof v} = ${JSON.stringify(v)};`).join('\n')}

export default definePolicy<Claims>({
  name: '${policyName(index)}',
  appliesTo: { role: ${roles} },
  identity: { key: 'client_id', task: 'customerId' },
  limits: ${limits},
  resources: {
${res.join('\n')}
  },
  upstreams: {
${ups.join('\n')}
  },
  deny: { ${g.denies.map((d, di) => denySrc(`pd${di}`, d)).join(', ')} },
});
`;
}

/* ------------------------------------------------------ the same policy as a value */

// The predicate text evaluated as JavaScript: what the TypeScript above means at run time.
const compileFn = (src: string): ((ctx: unknown) => unknown) =>
  new Function('toNumber', ...Object.keys(CONSTS), `return (${src});`)(toNumber, ...Object.values(CONSTS)) as (ctx: unknown) => unknown;

function limitValue(l: LimitSpec) {
  const cost = l.cost === 'fixed' ? 2 : l.cost === 'body' ? compileFn(fn('(toNumber(body.amount) > 50 ? 2 : 1)')) : undefined;
  return { scope: l.scope, max: l.max, window: l.window, ...(cost === undefined ? {} : { cost }) };
}
function denyValue(name: string, d: DenySpec) {
  return {
    when: compileFn(fn(printCond(d.when))),
    reason: d.computedReason ? compileFn(reasonFn) : `denied by ${name}`,
    ...(d.access ? { access: d.access } : {}), ...(d.class ? { class: d.class } : {}), ...(d.priority ? { priority: d.priority } : {}),
  };
}
function allowValue(a: AllowSpec, what: string) {
  return {
    ...(a.when ? { when: compileFn(fn(printCond(a.when))) } : {}),
    reason: a.computedReason ? compileFn(reasonFn) : `no ${what}`,
    ...(a.priority ? { priority: a.priority } : {}),
  };
}

/** The policy value the reference evaluates (built with the DSL's own definePolicy/resource). */
function resourceValue(r: ResourceGen, name: string) {
  return resource(r.template as never, {
    methods: r.methods,
    ...(r.access ? { access: r.access } : {}),
    ...(r.read ? { read: allowValue(r.read, `${name} read`) } : {}),
    ...(r.write ? { write: allowValue(r.write, `${name} write`) } : {}),
    ...(r.denies.length > 0 ? { deny: Object.fromEntries(r.denies.map((d, di) => [`d${di}`, denyValue(`d${di}`, d)])) } : {}),
    ...(r.limits.length > 0 ? { limits: r.limits.map(limitValue) } : {}),
  } as never);
}

export function policyValue(g: PolicyGen, index: number): Policy {
  const resources = Object.fromEntries(g.resources.map((r, ri) => [resourceName(index, ri), resourceValue(r, resourceName(index, ri))]));
  const upstreams = Object.fromEntries(g.upstreams.map((u) => [upstreamName(index), upstream({
    baseUrl: `https://${upstreamName(index)}.example.com`,
    credential: { env: 'FUZZ_KEY' },
    inject: { type: 'bearer' },
    limits: u.limits.map(limitValue),
    routes: Object.fromEntries(u.routes.map((r, ri) => [upstreamRouteName(ri), resourceValue(r, upstreamRouteName(ri))])),
  } as never)]));
  return definePolicy({
    name: policyName(index),
    appliesTo: { role: g.roles.length === 1 ? g.roles[0]! : [...g.roles] },
    identity: { key: 'client_id', task: 'customerId' },
    limits: { read: g.readLimits.map(limitValue), write: g.writeLimits.map(limitValue) },
    resources: resources as never,
    upstreams: upstreams as never,
    deny: Object.fromEntries(g.denies.map((d, di) => [`pd${di}`, denyValue(`pd${di}`, d)])),
  } as never) as Policy;
}

/* ------------------------------------------------------------------- inputs */

const absentable = <T,>(a: fc.Arbitrary<T>) => fc.option(a, { freq: 8, nil: undefined });

const taskArb = fc.record({
  customerId: absentable(fc.constantFrom('C-1', 'C-2', 'D-1')),
  max: absentable(fc.constantFrom(0, 100, 5000)),
  tags: absentable(fc.subarray(['t1', 't2', 'i1', 'blocked'])),
  owner: absentable(fc.constantFrom(null, { name: 'ann' }, { name: 'bob' })),
}).map((t) => Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)));

const bodyArb = fc.oneof(
  { arbitrary: fc.constant(null), weight: 1 },
  { arbitrary: fc.record({
    amount: absentable(fc.oneof(fc.constantFrom(0, 1, 50, 51, 100, 4999, 9_000_000), fc.constantFrom('60', 'abc', '', '1e3'))),
    currency: absentable(fc.constantFrom('USD', 'EUR', 5)),
    flag: absentable(fc.constantFrom(true, false, 'true')),
  }).map((b) => Object.fromEntries(Object.entries(b).filter(([, v]) => v !== undefined))), weight: 6 },
  { arbitrary: fc.constantFrom('text', 7, [1, 2]), weight: 1 },
);

const segment = fc.constantFrom('C-1', 'C-2', 'C-10', 'i1', 'i2', 'x', 'items', 'refunds', 'c');
const pathArb = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...TEMPLATES), segment, segment).map(([t, a, b]) => t.replace(':cid', a).replace(':iid', b)), weight: 5 },
  { arbitrary: fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => `/${s.join('/')}`), weight: 1 },
);

/** Requests aimed at a bundle's own routes and agents (most of them), or anywhere. */
export function inputsFor(bundle: readonly PolicyGen[], count: number): fc.Arbitrary<PolicyInput[]> {
  const upstreams = bundle.flatMap((g, i) => (g.upstreams.length > 0 ? [upstreamName(i)] : []));
  const targets = bundle.flatMap((g, i) => [
    ...g.resources.map((r) => ({ roles: g.roles, r, upstream: null as string | null })),
    ...g.upstreams.flatMap((u) => u.routes.map((r) => ({ roles: g.roles, r, upstream: upstreamName(i) as string | null }))),
  ]);
  const aimed = fc.constantFrom(...targets).chain(({ roles, r, upstream: up }) => fc.record({
    role: fc.constantFrom(...roles),
    method: fc.constantFrom(...r.methods),
    path: fc.tuple(fc.constantFrom('C-1', 'C-1', 'C-2', 'C-10'), fc.constantFrom('i1', 'i2', 'x')).map(([a, b]) => r.template.replace(':cid', a).replace(':iid', b)),
    upstream: fc.constant(up),
  }));
  const anywhere = fc.record({ role: fc.constantFrom('a', 'b', 'c'), method: methodArb, path: pathArb, upstream: fc.constantFrom<string | null>(null, ...upstreams, 'other') });
  const target = fc.oneof({ arbitrary: aimed, weight: 3 }, { arbitrary: anywhere, weight: 1 });
  return fc.array(inputWith(target), { minLength: count, maxLength: count });
}

const methodArb = fc.oneof({ arbitrary: fc.constantFrom(...METHODS), weight: 6 }, { arbitrary: fc.constantFrom('PUT', 'OPTIONS', 'TRACE'), weight: 1 });

const inputWith = (target: fc.Arbitrary<{ role: string; method: string; path: string; upstream: string | null }>): fc.Arbitrary<PolicyInput> => fc.record({
  t: target,
  level: absentable(fc.constantFrom(0, 1, 2, 3)),
  label: absentable(fc.constantFrom('USD', 'uSd', 'u\u017Fd', 'İSTANBUL', 'istanbul', 'straße', 'STRASSE', 'ΟΔΟΣ', 7)),
  task: fc.option(taskArb, { freq: 8, nil: null }),
  query: fc.constantFrom({}, { q: 'x' }, { q: 'y' }, { q: ['x', 'y'] }),
  headers: fc.constantFrom({}, { 'x-k': 'v' }, { 'x-k': 'w' }),
  body: bodyArb,
  session: fc.constantFrom('s-1', 's-2'),
}).map(({ t, ...r }) => toInput({ ...r, ...t }));

function toInput(r: { role: string; level: number | undefined; label: string | number | undefined; task: Record<string, unknown> | null; method: string; path: string; upstream: string | null; query: object; headers: object; body: unknown; session: string }): PolicyInput {
  const claims: Record<string, unknown> = { role: r.role, client_id: 'key-1' };
  if (r.level !== undefined) claims['level'] = r.level;
  if (r.label !== undefined) claims['label'] = r.label;
  if (r.task !== null) claims['task'] = r.task;
  return {
    agent: { id: 'agent-1', session: r.session, key: 'key-1', claims, task: r.task },
    request: { method: r.method, path: r.path, raw_path: r.path, host: null, query: r.query, headers: r.headers, body: r.body },
    upstream: r.upstream,
    now: 0,
  } as PolicyInput;
}

/** A request anywhere, by any agent. */
export const inputArb: fc.Arbitrary<PolicyInput> = inputWith(fc.record({ role: fc.constantFrom('a', 'b', 'c'), method: methodArb, path: pathArb, upstream: fc.constant(null) }));
