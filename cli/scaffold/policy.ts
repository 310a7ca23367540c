// `leash init` template: the example policy and its tests (written as
// policies/orders-agent.policy.ts and policies/orders-agent.policy.test.ts). The policy uses
// the DSL as policies/support-agent.policy.ts does; the tests exercise every rule of it.

export const POLICY_NAME = 'orders-agent';

export const POLICY = `// Orders agent: works one order for one customer. It may read any order of the task's
// customer and nothing of any other customer; it may add notes to its own order only;
// 100 reads and 3 writes per session, writes audited at high priority.
import { definePolicy, resource } from 'leash';

/** The verified claims of an orders agent's token (what its JWT carries). */
interface OrdersClaims {
  readonly role: 'orders';
  readonly client_id: string;
  readonly task: { readonly orderId: string; readonly customerId: string };
}

export default definePolicy<OrdersClaims>({
  name: 'orders-agent',
  appliesTo: { role: 'orders' },
  identity: { key: 'client_id', task: 'orderId' },
  limits: {
    read: [{ scope: 'session', max: 100, window: 'session' }],
    write: [{ scope: 'session', max: 3, window: 'session' }],
  },
  resources: {
    customerOrders: resource('/customers/:customerId/orders/:orderId', {
      methods: ['GET'],
      read: {
        when: ({ params, task }) => params.customerId === task.customerId,
        reason: ({ params, task }) => \`task scope is customer \${task.customerId}, request is for \${params.customerId}\`,
      },
    }),
    orderNotes: resource('/orders/:orderId/notes', {
      methods: ['POST'],
      write: {
        when: ({ params, task }) => params.orderId === task.orderId,
        reason: ({ params, task }) => \`task scope is order \${task.orderId}, request is for \${params.orderId}\`,
        priority: 'high',
      },
    }),
  },
});
`;

export const POLICY_TESTS = `// Tests of the orders-agent policy: \`npx leash test policies\` runs each case against the
// compiled bundle and the plain-JS reference. The claims are typed by the policy's claims.
import { policyTests } from 'leash';
import orders from './orders-agent.policy.ts';

const claims = { role: 'orders', client_id: 'key-7', task: { orderId: 'O-1001', customerId: 'C-17' } } as const;

export default policyTests(orders, [
  { name: 'reads an order of the task customer', claims, request: { method: 'GET', path: '/customers/C-17/orders/O-999' },
    expect: { allow: true, status: 200, rule: 'customerOrders.read', priority: 'normal' } },
  { name: 'is denied an order of another customer', claims, request: { method: 'GET', path: '/customers/C-99/orders/O-5' },
    expect: { allow: false, status: 403, class: 'scope', reasons: ['task scope is customer C-17, request is for C-99'] } },
  { name: 'adds a note to its own order at high priority', claims, request: { method: 'POST', path: '/orders/O-1001/notes', body: { text: 'shipped' } },
    expect: { allow: true, status: 200, rule: 'orderNotes.write', priority: 'high' } },
  { name: 'may not add a note to another order', claims, request: { method: 'POST', path: '/orders/O-2002/notes', body: { text: 'hi' } },
    expect: { allow: false, status: 403, rule: 'orderNotes.write', reason: 'request is for O-2002' } },
  { name: 'may not delete an order (no rule allows it)', claims, request: { method: 'DELETE', path: '/orders/O-1001' },
    expect: { allow: false, status: 403, rule: null } },
  { name: 'the 4th write in a session is refused', claims, steps: [
    { request: { method: 'POST', path: '/orders/O-1001/notes', body: { text: 'note' } }, expect: { allow: true }, times: 3 },
    { request: { method: 'POST', path: '/orders/O-1001/notes', body: { text: 'one more' } }, expect: { allow: false, status: 429, code: 'rate_limited' } },
  ] },
]);
`;
