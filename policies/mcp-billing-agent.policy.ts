// MCP billing agent: works one customer's billing through the billing MCP server. It may
// look the customer up and list their invoices (reads), and refund up to 100 and at most
// the task's maxRefund per call, three refunds per session (writes); any other tool, any
// other customer, and any argument the tool does not declare is denied.
import { definePolicy, mcpServer, tool } from 'leash';

/** The verified claims of an MCP billing agent's token. */
interface McpBillingClaims {
  readonly role: 'mcp-billing';
  readonly client_id: string;
  readonly task: { readonly customerId: string; readonly maxRefund: number };
}

const sameCustomer = ({ args, task }: { args: { customerId: string }; task: { customerId: string } }) => args.customerId === task.customerId;

export default definePolicy<McpBillingClaims>({
  name: 'mcp-billing-agent',
  appliesTo: { role: 'mcp-billing' },
  identity: { key: 'client_id', task: 'customerId' },
  mcp: {
    billing: mcpServer({
      url: 'https://billing-mcp.internal.example/mcp',
      credential: { env: 'BILLING_MCP_TOKEN' },
      inject: { type: 'bearer' },
      limits: [{ scope: 'session', max: 60, window: '1h' }],
      tools: {
        lookupCustomer: tool('lookup_customer', {
          access: 'read',
          args: { customerId: 'string' },
          when: sameCustomer,
          reason: ({ task }) => `task scope is customer ${task.customerId}`,
        }),
        listInvoices: tool('list_invoices', {
          access: 'read',
          args: { customerId: 'string' },
          when: sameCustomer,
          reason: ({ task }) => `task scope is customer ${task.customerId}`,
        }),
        refundPayment: tool('refund_payment', {
          access: 'write',
          args: { customerId: 'string', invoiceId: 'string', amount: 'number' },
          when: ({ args, task }) => args.customerId === task.customerId && args.amount > 0 && args.amount <= 100 && args.amount <= task.maxRefund,
          reason: ({ task }) => `refunds only for customer ${task.customerId}, of more than 0 and at most 100 and the task's maxRefund`,
          priority: 'high',
          limits: [{ scope: 'session', max: 3, window: 'session' }],
        }),
      },
    }),
  },
});
