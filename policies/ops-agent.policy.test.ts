// Tests of the operations-agent policy (read-only, one service, no bulk export).
import { policyTests } from 'leash';
import ops from './ops-agent.policy.ts';

const claims = { role: 'ops', client_id: 'key-9', task: { incidentId: 'INC-12', service: 'checkout' } } as const;

export default policyTests(ops, [
  { name: 'reads the metrics of its service', claims, request: { method: 'GET', path: '/services/checkout/metrics/latency' },
    expect: { allow: true, rule: 'serviceMetrics.read', access: 'read' } },
  { name: 'is denied the metrics of another service', claims, request: { method: 'GET', path: '/services/payments/metrics/latency' },
    expect: { allow: false, reasons: ['task scope is service checkout'] } },
  { name: 'a metrics query POST for its service is a read', claims, request: { method: 'POST', path: '/metrics/query', body: { service: 'checkout', series: 3 } },
    expect: { allow: true, access: 'read', rule: 'metricsQuery.read' } },
  { name: 'a metrics query without a body cannot be decided', claims, request: { method: 'POST', path: '/metrics/query' },
    expect: { allow: false, code: 'body_unavailable', class: 'input' } },
  { name: 'opens a shared dashboard', claims, request: { method: 'GET', path: '/dashboards/ops-overview' },
    expect: { allow: true, rule: 'dashboards.read' } },
  { name: 'opens its service dashboard, not another', claims, steps: [
    { request: { method: 'GET', path: '/dashboards/checkout-errors' }, expect: { allow: true } },
    { request: { method: 'GET', path: '/dashboards/payments-errors' }, expect: { allow: false, reason: 'only shared dashboards' } },
  ] },
  { name: 'never bulk-exports', claims, request: { method: 'GET', path: '/services/checkout/metrics/latency?format=csv' },
    expect: { allow: false, rule: 'ops-agent.bulkExport', class: 'business', reasons: ['bulk export is not allowed for operations agents'] } },
  { name: 'never writes', claims, request: { method: 'PATCH', path: '/dashboards/ops-overview' },
    expect: { allow: false, access: 'write', class: 'scope' } },
  { name: '60 reads a minute, 600 a session', claims, used: { 'ops-agent.read/session/60s': 59 }, steps: [
    { request: { method: 'GET', path: '/dashboards/ops-overview' }, expect: { allow: true } },
    { request: { method: 'GET', path: '/dashboards/ops-overview' }, expect: { allow: false, status: 429, limit: 'ops-agent.read/session/60s' } },
    { request: { method: 'GET', path: '/dashboards/ops-overview' }, after: '1m', expect: { allow: true } },
  ] },
  { name: 'a session that has read 600 times reads no more', claims, used: { 'ops-agent.read/session': 600 },
    request: { method: 'GET', path: '/dashboards/ops-overview' }, expect: { allow: false, status: 429, limit: 'ops-agent.read/session' } },
  { name: 'metrics queries cost their series, 200 an hour per task', claims, used: { 'metricsQuery/task/3600s': 190 }, steps: [
    { request: { method: 'POST', path: '/metrics/query', body: { service: 'checkout', series: 10 } }, expect: { allow: true } },
    { request: { method: 'POST', path: '/metrics/query', body: { service: 'checkout', series: 1 } }, expect: { allow: false, status: 429, limit: 'metricsQuery/task/3600s' } },
    { request: { method: 'POST', path: '/metrics/query', body: { service: 'checkout', series: 1 } }, after: '1h', expect: { allow: true } },
  ] },
]);
