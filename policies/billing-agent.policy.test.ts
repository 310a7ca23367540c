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
  { name: '20 refunds a day per agent, then none until the day has passed', claims, used: { 'stripe/agent/86400s': 20 }, steps: [
    { request: refund({ charge: 'ch_3Nq', amount: 10 }), expect: { allow: false, status: 429, code: 'rate_limited', limit: 'stripe/agent/86400s' } },
    { request: refund({ charge: 'ch_3Nq', amount: 10 }), after: '1d', expect: { allow: true } },
  ] },
  { name: 'the 21st refund in a day is refused', claims, steps: [
    { request: refund({ charge: 'ch_3Nq', amount: 10 }), expect: { allow: true }, times: 20, after: '1s' },
    { request: refund({ charge: 'ch_3Nq', amount: 10 }), after: '2m', expect: { allow: false, status: 429, limit: 'stripe/agent/86400s' } },
  ] },
  { name: 'a session that has written 100 times writes no more', claims, used: { 'billing-agent.write/session': 100 },
    request: refund({ charge: 'ch_3Nq', amount: 10 }), expect: { allow: false, status: 429, limit: 'billing-agent.write/session' } },
  { name: '20 writes in a minute, then a minute later more', claims, session: 'fast-writer', used: { 'billing-agent.write/session/60s': 20 }, steps: [
    { request: refund({ charge: 'ch_3Nq', amount: 10 }), expect: { allow: false, status: 429, limit: 'billing-agent.write/session/60s' } },
    { request: refund({ charge: 'ch_3Nq', amount: 10 }), after: '60s', expect: { allow: true } },
  ] },
]);
