// Tests of the support-agent policy: `npx leash test` runs them against the compiled bundle
// and the plain-JS reference.
import { policyTests } from 'leash';
import support from './support-agent.policy.ts';

const claims = { role: 'support', client_id: 'key-17', task: { ticketId: 'T-4891', customerId: 'C-771' } } as const;

export default policyTests(support, [
  { name: 'reads a record of the task customer', claims, request: { method: 'GET', path: '/customers/C-771/records/42' },
    expect: { allow: true, status: 200, rule: 'customerRecords.read', priority: 'normal' } },
  { name: 'is denied a record of another customer', claims, request: { method: 'GET', path: '/customers/C-332/records/7' },
    expect: { allow: false, status: 403, class: 'scope', reasons: ['task scope is customer C-771, request is for C-332'] } },
  { name: 'never reaches another customer through an encoded traversal', claims, request: { method: 'GET', path: '/customers/C-771/records/..%2f..%2fC-332%2frecords%2f1' },
    expect: { allow: false, status: 400, code: 'non_canonical_path' } },
  { name: 'writes its own ticket at high priority', claims, request: { method: 'PATCH', path: '/tickets/T-4891', body: { status: 'pending' } },
    expect: { allow: true, rule: 'ticket.write', priority: 'high' } },
  { name: 'may not write another ticket', claims, request: { method: 'PATCH', path: '/tickets/T-1000' },
    expect: { allow: false, rule: 'ticket.write', reason: 'request is for T-1000' } },
  { name: 'comments on its own ticket', claims, request: { method: 'POST', path: '/tickets/T-4891/comments', body: { text: 'on it' } },
    expect: { allow: true, rule: 'ticketComments.write' } },
  { name: 'may not delete its ticket', claims, request: { method: 'DELETE', path: '/tickets/T-4891' },
    expect: { allow: false, rule: null, class: 'scope' } },
  { name: 'the 6th write in a session is refused', claims, steps: [
    { request: { method: 'PATCH', path: '/tickets/T-4891' }, expect: { allow: true }, times: 5 },
    { request: { method: 'POST', path: '/tickets/T-4891/comments' }, expect: { allow: false, status: 429, code: 'rate_limited', class: 'limit', limit: 'support-agent.write/session' } },
  ] },
  { name: 'a session that has read 50 records reads no more', claims, used: { 'support-agent.read/session': 49 }, steps: [
    { request: { method: 'GET', path: '/customers/C-771/records/7' }, expect: { allow: true } },
    { request: { method: 'GET', path: '/customers/C-771/records/8' }, expect: { allow: false, status: 429, limit: 'support-agent.read/session' } },
    // a session limit lasts the session: time does not refill it
    { request: { method: 'GET', path: '/customers/C-771/records/8' }, after: '1d', expect: { allow: false, limit: 'support-agent.read/session' } },
  ] },
]);
