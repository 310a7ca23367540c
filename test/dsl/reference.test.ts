// The example policies run as plain JavaScript (the reference semantics) on sample requests
// must give the decisions the issue and README document: task scope, read/write asymmetry,
// per-session limits, the credential-proxy refund rule and the operations agent's read-only scope.
import { describe, expect, it } from 'vitest';
import { evaluateReference, type PolicyInput } from '../../compiler/index.ts';
import support from '../../policies/support-agent.policy.ts';
import billing from '../../policies/billing-agent.policy.ts';
import ops from '../../policies/ops-agent.policy.ts';

const POLICIES = [support, billing, ops];

function input(claims: Record<string, unknown>, method: string, path: string, extra: Partial<{ body: unknown; query: Record<string, string>; upstream: string | null; session: string }> = {}): PolicyInput {
  return {
    agent: { id: 'agent-1', session: extra.session ?? 's-8c1f', key: 'key-from-server', claims, task: (claims['task'] as Record<string, unknown>) ?? null },
    request: { method, path, query: extra.query ?? {}, headers: {}, body: extra.body ?? null },
    upstream: extra.upstream ?? null,
    now: 1764214800000000000,
  };
}

const supportClaims = { role: 'support', client_id: 'key-17', task: { ticketId: 'T-4891', customerId: 'C-771' } };
const billingClaims = { role: 'billing', client_id: 'key-42', task: { chargeId: 'ch_3Nq', maxRefund: 5000 } };
const opsClaims = { role: 'ops', client_id: 'key-9', task: { incidentId: 'INC-12', service: 'checkout' } };
const decide = (i: PolicyInput) => evaluateReference(POLICIES, i);

describe('support agent (ticket T-4891, customer C-771)', () => {
  it('reads any record of its customer, with the per-session read limit of 50', () => {
    for (const id of ['42', 'r-1', '9999']) {
      const d = decide(input(supportClaims, 'GET', `/customers/C-771/records/${id}`));
      expect(d).toEqual({
        allow: true, access: 'read', rule: 'customerRecords.read', reasons: [], priority: 'normal', class: null,
        resources: ['support-agent/customerRecords'],
        limits: [{ id: 'support-agent.read/session', scope: 'session', key: 's-8c1f', max: 50, window: 'session', cost: 1 }],
      });
    }
  });

  it('is denied any record of customer C-332, with a reason naming both customers', () => {
    const d = decide(input(supportClaims, 'GET', '/customers/C-332/records/7'));
    expect(d).toEqual({
      allow: false, access: 'read', rule: 'customerRecords.read', limits: [], priority: 'normal', class: 'scope',
      resources: ['support-agent/customerRecords'],
      reasons: ['task scope is customer C-771, request is for C-332'],
    });
  });

  it('writes (PATCH, PUT, POST) only its ticket and the ticket comments, at high priority, 5 per session', () => {
    for (const method of ['PATCH', 'PUT', 'POST']) {
      for (const [path, rule] of [['/tickets/T-4891', 'ticket.write'], ['/tickets/T-4891/comments', 'ticketComments.write']] as const) {
        const d = decide(input(supportClaims, method, path));
        expect(d).toEqual({
          allow: true, access: 'write', rule, reasons: [], priority: 'high', class: null,
          resources: [`support-agent/${rule.split('.')[0]}`],
          limits: [{ id: 'support-agent.write/session', scope: 'session', key: 's-8c1f', max: 5, window: 'session', cost: 1 }],
        });
      }
    }
  });

  it('may not write another ticket, delete its ticket, or write customer records', () => {
    const other = decide(input(supportClaims, 'PATCH', '/tickets/T-1000'));
    expect(other).toMatchObject({ allow: false, access: 'write', rule: 'ticket.write', priority: 'high', reasons: ['task scope is ticket T-4891, request is for T-1000'] });
    const del = decide(input(supportClaims, 'DELETE', '/tickets/T-4891'));
    expect(del).toEqual({ allow: false, access: 'write', rule: null, limits: [], priority: 'high', class: 'scope', resources: [], reasons: ['no rule allows write access to DELETE /tickets/T-4891'] });
    const put = decide(input(supportClaims, 'PUT', '/customers/C-771/records/42'));
    expect(put).toMatchObject({ allow: false, access: 'write', rule: null });
  });

  it('fails closed on odd paths and missing task claims', () => {
    for (const path of ['/customers/C-771/records/', '/customers/C-771/records/..', '/customers//records/1', '/customers/C-771/records/42/', '/customers/C-771/records/42/x']) {
      expect(decide(input(supportClaims, 'GET', path)).allow).toBe(false);
    }
    const noTask = decide(input({ role: 'support', client_id: 'key-17' }, 'GET', '/customers/C-771/records/42'));
    expect(noTask).toMatchObject({ allow: false, rule: 'customerRecords.read', reasons: ['rule customerRecords.read does not allow this request'] });
  });
});

describe('billing agent through the credential proxy', () => {
  const refund = (body: unknown, extra: { upstream?: string | null; method?: string; path?: string } = {}) =>
    decide(input(billingClaims, extra.method ?? 'POST', extra.path ?? '/v1/refunds', { body, upstream: extra.upstream === undefined ? 'stripe' : extra.upstream }));

  it('refunds its own charge up to maxRefund (JSON or form-encoded amounts), 20 calls a day per agent', () => {
    for (const amount of [1, 4999, 5000, '2500']) {
      const d = refund({ charge: 'ch_3Nq', amount });
      expect(d.allow).toBe(true);
      expect(d.rule).toBe('stripe.refunds.write');
      expect(d.priority).toBe('high');
      expect(d.limits).toContainEqual({ id: 'stripe/agent/86400s', scope: 'agent', key: 'agent-1', max: 20, window: '86400s', cost: 1 });
    }
  });

  it('refuses other charges, amounts over maxRefund, zero, missing amounts and non-numbers', () => {
    for (const body of [{ charge: 'ch_OTHER', amount: 100 }, { charge: 'ch_3Nq', amount: 5001 }, { charge: 'ch_3Nq', amount: 0 },
      { charge: 'ch_3Nq' }, { charge: 'ch_3Nq', amount: 'lots' }, null]) {
      const d = refund(body);
      expect(d).toMatchObject({ allow: false, rule: 'stripe.refunds.write', limits: [] });
      expect(d.reasons).toEqual(["task allows refunds of charge ch_3Nq only, of at most the task's maxRefund"]);
    }
  });

  it('only through the stripe upstream, only POST /v1/refunds', () => {
    expect(refund({ charge: 'ch_3Nq', amount: 1 }, { upstream: null })).toMatchObject({ allow: false, rule: null });
    expect(refund({ charge: 'ch_3Nq', amount: 1 }, { upstream: 'twilio' })).toMatchObject({ allow: false, rule: null, reasons: ['no rule allows write access to POST /v1/refunds on upstream twilio'] });
    expect(refund({ charge: 'ch_3Nq', amount: 1 }, { path: '/v1/charges' }).allow).toBe(false);
    expect(refund(null, { method: 'GET', path: '/v1/refunds' })).toMatchObject({ allow: false, access: 'read' });
  });

  it('does not apply to other roles', () => {
    const d = decide(input({ role: 'marketing' }, 'POST', '/v1/refunds', { upstream: 'stripe', body: { charge: 'ch_3Nq', amount: 1 } }));
    expect(d).toEqual({ allow: false, access: 'write', rule: null, limits: [], priority: 'high', class: 'scope', resources: [], reasons: ['no policy applies to agent agent-1'] });
  });
});

describe('operations agent (read-only, service checkout)', () => {
  it('reads the metrics of its service and shared or service dashboards', () => {
    expect(decide(input(opsClaims, 'GET', '/services/checkout/metrics/latency'))).toMatchObject({ allow: true, rule: 'serviceMetrics.read' });
    expect(decide(input(opsClaims, 'GET', '/dashboards/ops-overview'))).toMatchObject({ allow: true, rule: 'dashboards.read' });
    expect(decide(input(opsClaims, 'GET', '/dashboards/checkout-errors'))).toMatchObject({ allow: true });
    expect(decide(input(opsClaims, 'GET', '/dashboards/payments-errors'))).toMatchObject({ allow: false, reasons: ['only shared dashboards and those of the task service'] });
    expect(decide(input(opsClaims, 'GET', '/services/payments/metrics/latency'))).toMatchObject({ allow: false, reasons: ['task scope is service checkout'] });
  });

  it('counts a metrics query POST as a read, weighed by its series', () => {
    const d = decide(input(opsClaims, 'POST', '/metrics/query', { body: { service: 'checkout', series: 12 } }));
    expect(d).toMatchObject({ allow: true, access: 'read', priority: 'normal' });
    expect(d.limits).toContainEqual({ id: 'metricsQuery/task/3600s', scope: 'task', key: 'INC-12', max: 200, window: '3600s', cost: 12 });
    expect(decide(input(opsClaims, 'POST', '/metrics/query', { body: { service: 'checkout' } })).allow).toBe(false);
  });

  it('never writes, and bulk exports are denied even where reads are allowed', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(decide(input(opsClaims, method, '/services/checkout/metrics/latency'))).toMatchObject({ allow: false, access: 'write', priority: 'high' });
    }
    const d = decide(input(opsClaims, 'GET', '/dashboards/ops-overview', { query: { export: '1' } }));
    expect(d).toMatchObject({ allow: false, rule: 'ops-agent.bulkExport', reasons: ['bulk export is not allowed for operations agents'] });
  });
});
