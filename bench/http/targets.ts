// The HTTP targets measured in one run, in order, and what each sends: the bare baseline,
// the bare route plus one SDK evaluate (the ceiling of any decision), /decide with in-memory
// limits, /decide with Redis limits, and /authz forward auth; then the scaling rows: the
// bare route and /decide (Redis: memory limits are refused for several workers) with 2
// node:cluster workers, and /decide on a local three-master Redis Cluster.
import type { LimitStoreKind } from './servers.ts';
import type { LoadSpec, RequestVariant } from './load-spec.ts';

export type Target =
  | { readonly kind: 'bare'; readonly id: 'bare' | 'bare-2w'; readonly workers?: number }
  | { readonly kind: 'bare-eval'; readonly id: 'bare-eval' }
  | { readonly kind: 'decide'; readonly id: 'decide-memory' | 'decide-redis' | 'decide-redis-2w' | 'decide-cluster'; readonly store: LimitStoreKind; readonly workers?: number }
  | { readonly kind: 'authz'; readonly id: 'authz-memory'; readonly store: LimitStoreKind; readonly workers?: number };

export const TARGETS: readonly Target[] = [
  { kind: 'bare', id: 'bare' },
  { kind: 'bare-eval', id: 'bare-eval' },
  { kind: 'decide', id: 'decide-memory', store: 'memory' },
  { kind: 'decide', id: 'decide-redis', store: 'redis' },
  { kind: 'authz', id: 'authz-memory', store: 'memory' },
  { kind: 'bare', id: 'bare-2w', workers: 2 },
  { kind: 'decide', id: 'decide-redis-2w', store: 'redis', workers: 2 },
  { kind: 'decide', id: 'decide-cluster', store: 'cluster' },
];

/** The rows of the scaling table, in order. */
export const SCALING_IDS = ['bare', 'bare-2w', 'decide-redis', 'decide-redis-2w', 'decide-cluster'] as const;

export function describeTarget(t: Target): string {
  switch (t.kind) {
    case 'bare': return `bare Fastify \`POST /decide\` (constant decision)${workersNote(t)}`;
    case 'bare-eval': return 'bare Fastify `POST /decide` + canonical input + one SDK `evaluate` of the bundle (no token check, limits or audit)';
    case 'decide': return `Leash \`POST /decide\`, ${storeNote(t.store)} limits${workersNote(t)}`;
    case 'authz': return `Leash \`GET /authz\` (forward auth), ${storeNote(t.store)} limits`;
  }
}

function storeNote(store: LimitStoreKind): string {
  return store === 'memory' ? 'in-memory' : store === 'redis' ? 'Redis' : 'Redis Cluster (3 local masters)';
}

function workersNote(t: Target): string {
  const workers = 'workers' in t ? t.workers ?? 1 : 1;
  return workers > 1 ? `, ${workers} workers` : '';
}

function recordPath(i: number): string {
  return `/customers/C-771/records/${i % 1000}`;
}

export function variantsFor(t: Target, tokens: readonly string[]): RequestVariant[] {
  return tokens.map((token, i) => {
    switch (t.kind) {
      // the baseline gets the very same bodies as /decide, so JSON parsing is in both
      case 'bare':
      case 'bare-eval':
      case 'decide':
        return { body: JSON.stringify({ method: 'GET', path: recordPath(i), token }) };
      case 'authz':
        return { headers: { authorization: `Bearer ${token}`, 'x-forwarded-method': 'GET', 'x-forwarded-uri': recordPath(i) } };
    }
  });
}

export function loadSpecFor(t: Target, baseUrl: string, tokens: readonly string[], connections: number, durationS: number, amount?: number, overallRate?: number): LoadSpec {
  const isAuthz = t.kind === 'authz';
  return {
    url: baseUrl,
    method: isAuthz ? 'GET' : 'POST',
    path: isAuthz ? '/authz' : '/decide',
    headers: isAuthz ? {} : { 'content-type': 'application/json' },
    variants: variantsFor(t, tokens),
    connections,
    durationS,
    ...(amount ? { amount } : {}),
    ...(overallRate ? { overallRate } : {}),
    // /decide answers 200 with the verdict in the body; /authz says it with the status
    expectAllow: t.kind !== 'authz',
  };
}
