// Two semantics, one truth: the example policies compiled to wasm (loaded with the real
// opa-wasm SDK) and the same policies run as plain JavaScript give the same decision on
// generated requests, including missing task claims, odd paths and hostile bodies.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { compile, evaluateReference, formatDiagnostic, readBundle, type PolicyInput } from '../../compiler/index.ts';
import { hostBuiltins } from '../../compiler/wasm/index.ts';
import support from '../../policies/support-agent.policy.ts';
import billing from '../../policies/billing-agent.policy.ts';
import ops from '../../policies/ops-agent.policy.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const segment = fc.constantFrom('customers', 'records', 'tickets', 'comments', 'C-771', 'C-332', 'T-4891', 'T-1', '42', '', '.', '..',
  'v1', 'refunds', 'charges', 'services', 'checkout', 'metrics', 'latency', 'dashboards', 'ops-overview', 'checkout-errors', 'query');
const path = fc.oneof(
  { arbitrary: fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => `/${s.join('/')}`), weight: 1 },
  { arbitrary: fc.constantFrom('/customers/C-771/records/42', '/customers/C-332/records/7', '/tickets/T-4891', '/tickets/T-4891/comments',
    '/v1/refunds', '/services/checkout/metrics/latency', '/metrics/query', '/dashboards/ops-overview', '/'), weight: 4 },
);
const method = fc.oneof({ arbitrary: fc.constantFrom('GET', 'POST', 'PATCH'), weight: 4 }, { arbitrary: fc.constantFrom('HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'get'), weight: 1 });
const body = fc.oneof(
  fc.constant(null),
  fc.record({ charge: fc.constantFrom('ch_1', 'ch_2'), amount: fc.oneof(fc.integer({ min: -10, max: 6000 }), fc.constantFrom('300', 'abc', '')) }, { requiredKeys: ['charge'] }),
  fc.record({ service: fc.constantFrom('checkout', 'payments'), series: fc.integer({ min: 0, max: 40 }) }, { requiredKeys: [] }),
  fc.constantFrom('text', 7, [1, 2]),
);
const query = fc.oneof(fc.constant({}), fc.constant({ export: '1' }), fc.constant({ format: 'csv' }), fc.constant({ format: 'json' }));
// Scenarios aim at each policy's routes (so many requests are allowed), then vary the
// details that decide: ids in or out of the task scope, methods, upstreams, bodies.
const pick = <T,>(...xs: T[]) => fc.constantFrom(...xs);
const supportReq = fc.record({ role: pick('support'), method: pick('GET', 'GET', 'HEAD', 'DELETE'), path: fc.tuple(pick('C-771', 'C-332'), pick('42', '7', '', '..')).map(([c, r]) => `/customers/${c}/records/${r}`), upstream: pick(null) });
const supportWrite = fc.record({ role: pick('support'), method: pick('PATCH', 'PUT', 'POST', 'DELETE'), path: fc.tuple(pick('T-4891', 'T-1'), pick('', '/comments', '/x')).map(([t, s]) => `/tickets/${t}${s}`), upstream: pick(null) });
const billingReq = fc.record({ role: pick('billing'), method: pick('POST', 'POST', 'GET'), path: pick('/v1/refunds', '/v1/refunds', '/v1/charges'), upstream: pick('stripe', 'stripe', 'twilio', null) });
const opsReq = fc.record({ role: pick('ops'), method: pick('GET', 'POST', 'PATCH'), path: pick('/services/checkout/metrics/latency', '/services/payments/metrics/errors', '/metrics/query', '/dashboards/ops-overview', '/dashboards/checkout-errors', '/dashboards/payments-x'), upstream: pick(null) });
const randomReq = fc.record({ role: pick('support', 'billing', 'ops', 'admin'), method, path, upstream: pick(null, 'stripe') });
const taskFor = (role: string) => {
  switch (role) {
    case 'support': return fc.option(fc.record({ ticketId: pick('T-4891', 'T-4891', 'T-1'), customerId: pick('C-771', 'C-771', 'C-332') }), { freq: 6 });
    case 'billing': return fc.option(fc.record({ chargeId: pick('ch_1', 'ch_1', 'ch_2'), maxRefund: pick(0, 500, 5000) }), { freq: 6 });
    case 'ops': return fc.option(fc.record({ incidentId: pick('INC-1'), service: pick('checkout', 'checkout', 'payments') }), { freq: 6 });
    default: return fc.constant(null);
  }
};
const inputArb = fc.oneof(supportReq, supportWrite, billingReq, opsReq, randomReq)
  .chain((r) => fc.record({ r: fc.constant(r), task: taskFor(r.role), body, query, session: pick('s-1', 's-2'), wrongRole: fc.boolean() }))
  .map(({ r, task, body: b, query: q, session, wrongRole }): PolicyInput => {
    const c: Record<string, unknown> = { role: wrongRole && r.role === 'ops' ? 'admin' : r.role, client_id: 'key-17' };
    if (task !== null) c['task'] = task;
    return {
      agent: { id: 'agent-1', session, key: 'key-x', claims: c, task: task as Record<string, unknown> | null },
      request: { method: r.method, path: r.path, query: q, headers: {}, body: b },
      upstream: r.upstream,
      now: 0,
    };
  });

describe('wasm and reference agree on the example policies', () => {
  let evaluate: (i: PolicyInput) => unknown;
  beforeAll(async () => {
    const r = await compile(['policies'], { root: ROOT });
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([]);
    const bundle = await readBundle(r.bundle!);
    const policy = await loadPolicy(bundle.wasm!, undefined, hostBuiltins as never);
    policy.setData(bundle.data);
    evaluate = (i) => policy.evaluate(i, 'leash/decision')[0]?.result;
  }, 120_000);

  it('on 400 generated requests', () => {
    let allowed = 0;
    fc.assert(fc.property(inputArb, (i) => {
      const ref = evaluateReference([support, billing, ops], i);
      if (ref.allow) allowed++;
      expect(evaluate(i)).toEqual(ref);
    }), { numRuns: 400, seed: 20261127 });
    // Generated requests must exercise allows, not only denials.
    expect(allowed).toBeGreaterThan(10);
  });
});
