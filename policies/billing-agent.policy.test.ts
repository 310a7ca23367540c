// Tests of the billing-agent policy (refunds of one charge through the Stripe upstream).
import { policyTests } from 'leash';
import billing from './billing-agent.policy.ts';

const claims = { role: 'billing', client_id: 'key-42', task: { chargeId: 'ch_3Nq', maxRefund: 5000 } } as const;
const refund = (body: { charge?: string; amount?: number | string }) => ({ method: 'POST', path: '/v1/refunds', upstream: 'stripe', body });

export default policyTests(billing, [
  { name: 'refunds its charge up to maxRefund', claims, request: refund({ charge: 'ch_3Nq', amount: 5000 }),
    expect: { allow: true, rule: 'stripe.refunds.write', priority: 'high' } },
  { name: 'a form-encoded amount counts as a number', claims, request: refund({ charge: 'ch_3Nq', amount: '2500' }), expect: { allow: true } },
  { name: 'refuses more than maxRefund, another charge, no amount', claims, steps: [
    { request: refund({ charge: 'ch_3Nq', amount: 5001 }), expect: { allow: false, rule: 'stripe.refunds.write' } },
    { request: refund({ charge: 'ch_OTHER', amount: 100 }), expect: { allow: false } },
    { request: refund({ charge: 'ch_3Nq' }), expect: { allow: false } },
  ] },
  { name: 'only through the stripe upstream', claims, request: { method: 'POST', path: '/v1/refunds', body: { charge: 'ch_3Nq', amount: 1 } },
    expect: { allow: false, rule: null } },
]);
