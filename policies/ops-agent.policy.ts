// Operations agent: investigates one incident. Read-only access to the metrics and
// dashboards of the service in its task (a metrics query is a POST but counts as a read);
// no writes at all, no bulk exports, and tighter per-minute read limits.
import { definePolicy, resource, toNumber } from 'leash';

/** The verified claims of an operations agent's token. */
interface OpsClaims {
  readonly role: 'ops';
  readonly client_id: string;
  readonly task: { readonly incidentId: string; readonly service: string };
}

/** Dashboards every operations agent may open, whatever the incident. */
const SHARED_DASHBOARDS = ['ops-overview', 'ops-oncall'];

const sameService = (service: string, task: OpsClaims['task']) => service === task.service;

export default definePolicy<OpsClaims>({
  name: 'ops-agent',
  appliesTo: { role: 'ops' },
  identity: { key: 'client_id', task: 'incidentId' },
  limits: {
    read: [
      { scope: 'session', max: 600, window: 'session' },
      { scope: 'session', max: 60, window: '60s' },
    ],
    write: [],
  },
  resources: {
    serviceMetrics: resource('/services/:service/metrics/:metric', {
      methods: ['GET', 'HEAD'],
      read: {
        when: ({ params, task }) => sameService(params.service, task),
        reason: ({ task }) => `task scope is service ${task.service}`,
      },
    }),
    metricsQuery: resource('/metrics/query', {
      methods: ['POST'],
      access: 'read',
      read: {
        when: ({ body, task }) => body.service === task.service,
        reason: ({ task }) => `metrics queries must name service ${task.service}`,
      },
      // A query is weighed by how many series it asks for, at least 1.
      limits: [{ scope: 'task', max: 200, window: '1h', cost: ({ body }) => (toNumber(body.series) > 1 ? toNumber(body.series) : 1) }],
    }),
    dashboards: resource('/dashboards/:dashboardId', {
      methods: ['GET'],
      read: {
        when: ({ params, task }) => SHARED_DASHBOARDS.includes(params.dashboardId) || params.dashboardId.startsWith(`${task.service}-`),
        reason: 'only shared dashboards and those of the task service',
      },
    }),
  },
  deny: {
    bulkExport: {
      when: ({ query }) => 'export' in query || 'format' in query && query.format === 'csv',
      reason: 'bulk export is not allowed for operations agents',
    },
  },
});
