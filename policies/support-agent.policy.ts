// Support agent: works one ticket for one customer. It may read any record of the task's
// customer and nothing of any other; it may write only its own ticket and that ticket's
// comments; 50 reads and 5 writes per session, writes audited at high priority.
import { definePolicy, resource } from 'leash';

/** The verified claims of a support agent's token. */
interface SupportClaims {
  readonly role: 'support';
  readonly client_id: string;
  readonly task: { readonly ticketId: string; readonly customerId: string };
}

const WRITE_METHODS = ['PATCH', 'PUT', 'POST'] as const;

export default definePolicy<SupportClaims>({
  name: 'support-agent',
  appliesTo: { role: 'support' },
  identity: { key: 'client_id', task: 'ticketId' },
  limits: {
    read: [{ scope: 'session', max: 50, window: 'session' }],
    write: [{ scope: 'session', max: 5, window: 'session' }],
  },
  resources: {
    customerRecords: resource('/customers/:customerId/records/:recordId', {
      methods: ['GET'],
      read: {
        when: ({ params, task }) => params.customerId === task.customerId,
        reason: ({ params, task }) => `task scope is customer ${task.customerId}, request is for ${params.customerId}`,
      },
    }),
    ticket: resource('/tickets/:ticketId', {
      methods: WRITE_METHODS,
      write: {
        when: ({ params, task }) => params.ticketId === task.ticketId,
        reason: ({ params, task }) => `task scope is ticket ${task.ticketId}, request is for ${params.ticketId}`,
        priority: 'high',
      },
    }),
    ticketComments: resource('/tickets/:ticketId/comments', {
      methods: WRITE_METHODS,
      write: {
        when: ({ params, task }) => params.ticketId === task.ticketId,
        reason: ({ params, task }) => `task scope is ticket ${task.ticketId}, request is for ${params.ticketId}`,
        priority: 'high',
      },
    }),
  },
});
