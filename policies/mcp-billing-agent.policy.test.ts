// Tests of the mcp-billing-agent policy: tool calls through the billing MCP server, as the
// MCP gateway decides them (a `tools/call` is POST /tools/<name> on the server, with the
// call's arguments as the body).
import { policyTests, type Json } from 'leash';
import billing from './mcp-billing-agent.policy.ts';

const claims = { role: 'mcp-billing', client_id: 'key-7', task: { customerId: 'C-771', maxRefund: 80 } } as const;
const call = (tool: string, args: { readonly [name: string]: Json }) => ({ method: 'POST', path: `/tools/${tool}`, upstream: 'billing', body: args });
const refund = (amount: Json, customerId = 'C-771') => call('refund_payment', { customerId, invoiceId: 'INV-1', amount });

export default policyTests(billing, [
  { name: 'looks up its own customer', claims, request: call('lookup_customer', { customerId: 'C-771' }),
    expect: { allow: true, rule: 'billing.lookupCustomer.read', priority: 'normal' } },
  { name: 'lists invoices of its own customer only', claims, steps: [
    { request: call('list_invoices', { customerId: 'C-771' }), expect: { allow: true, rule: 'billing.listInvoices.read' } },
    { request: call('list_invoices', { customerId: 'C-332' }), expect: { allow: false, rule: 'billing.listInvoices.read', reason: 'task scope is customer C-771' } },
  ] },
  { name: 'refunds within the task', claims, request: refund(80), expect: { allow: true, rule: 'billing.refundPayment.write', priority: 'high' } },
  { name: 'refuses more than maxRefund, nothing, and another customer', claims, steps: [
    { request: refund(81), expect: { allow: false, rule: 'billing.refundPayment.write' } },
    { request: refund(0), expect: { allow: false, rule: 'billing.refundPayment.write' } },
    { request: refund(10, 'C-332'), expect: { allow: false, rule: 'billing.refundPayment.write' } },
  ] },
  { name: 'arguments of the wrong type, missing or undeclared are denied before the predicate', claims, steps: [
    { request: refund('10'), expect: { allow: false, rule: 'billing.refundPayment.args', reason: 'tool refund_payment takes customerId (string), invoiceId (string), amount (number), and nothing else' } },
    { request: call('refund_payment', { customerId: 'C-771', amount: 10 }), expect: { allow: false, rule: 'billing.refundPayment.args' } },
    { request: call('refund_payment', { customerId: 'C-771', invoiceId: 'INV-1', amount: 10, refundAll: true }), expect: { allow: false, rule: 'billing.refundPayment.args' } },
  ] },
  { name: 'reads take their one declared argument, a string', claims, steps: [
    { request: call('lookup_customer', { customerId: 771 }), expect: { allow: false, rule: 'billing.lookupCustomer.args' } },
    { request: call('list_invoices', { customerId: 'C-771', status: 'open' }), expect: { allow: false, rule: 'billing.listInvoices.args' } },
  ] },
  { name: 'the policy-wide session limits hold for tool calls too', claims, steps: [
    { request: call('lookup_customer', { customerId: 'C-771' }), expect: { allow: false, status: 429, limit: 'mcp-billing-agent.read/session' } },
  ], used: { 'mcp-billing-agent.read/session': 1000 } },
  { name: 'a session over its read rate waits a minute', claims, used: { 'mcp-billing-agent.read/session/60s': 120 },
    request: call('lookup_customer', { customerId: 'C-771' }), expect: { allow: false, status: 429, limit: 'mcp-billing-agent.read/session/60s' } },
  { name: 'a session that has written 100 times refunds no more', claims, used: { 'mcp-billing-agent.write/session': 100 },
    request: refund(10), expect: { allow: false, status: 429, limit: 'mcp-billing-agent.write/session' } },
  { name: '20 writes a minute at most', claims, used: { 'mcp-billing-agent.write/session/60s': 20 },
    request: refund(10), expect: { allow: false, status: 429, limit: 'mcp-billing-agent.write/session/60s' } },
  { name: 'a tool the policy does not declare is denied', claims, request: call('delete_customer', { customerId: 'C-771' }),
    expect: { allow: false, rule: null } },
  { name: 'the 4th refund in a session is refused', claims, steps: [
    { request: refund(10), expect: { allow: true }, times: 3 },
    { request: refund(10), expect: { allow: false, status: 429, code: 'rate_limited', limit: 'billing.refundPayment/session' } },
    { request: call('lookup_customer', { customerId: 'C-771' }), expect: { allow: true } },
  ] },
  { name: '60 tool calls an hour per session', claims, used: { 'billing/session/3600s': 60 }, steps: [
    { request: call('lookup_customer', { customerId: 'C-771' }), expect: { allow: false, status: 429, limit: 'billing/session/3600s' } },
    { request: call('lookup_customer', { customerId: 'C-771' }), after: '1h', expect: { allow: true } },
  ] },
]);
