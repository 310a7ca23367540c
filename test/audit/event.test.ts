// Audit events: OPA's decision-log fields plus Leash identity fields, high priority for
// writes and alerts, and no credential anywhere in the serialized event.
import { describe, expect, it } from 'vitest';
import { auditLine, buildAuditEvent, REDACTED } from '../../server/audit/index.ts';
import { makeRecord, SECRET_TOKEN, T0 } from '../alerts/fixtures.ts';

describe('buildAuditEvent', () => {
  it('carries the decision-log fields and the agent identity', () => {
    const e = buildAuditEvent(makeRecord({ id: 'd-42' }), { labels: { id: 'node-1', version: '0.1.0' } });
    expect(e).toMatchObject({
      decision_id: 'd-42',
      event_type: 'decision',
      path: 'leash/decision',
      timestamp: new Date(T0).toISOString(),
      labels: { app: 'leash', id: 'node-1', version: '0.1.0' },
      metrics: { timer_server_handler_ns: 120_000 },
      bundles: { leash: { revision: 'rev-1' } },
      result: { allow: true, status: 200, reasons: [] },
      agent_id: 'support-bot',
      session: 's-8c1f',
      key_id: 'key-17',
      task: { ticketId: 'T-4891', customerId: 'C-771' },
      access: 'read',
      rule: 'tickets.read',
      limit_state: [{ id: 'tickets.read/session', limit: 10, remaining: 7, resetMs: 0 }],
      priority: 'normal',
      via: 'decide',
    });
    expect(e.result.limits).toEqual([{ id: 'tickets.read/session', scope: 'session', max: 10, window: 'session', cost: 1 }]);
  });

  it('removes credentials from headers, query, body and token-shaped strings', () => {
    const e = buildAuditEvent(makeRecord());
    const json = JSON.stringify(e);
    expect(json).not.toContain(SECRET_TOKEN);
    expect(json).not.toContain('sk_live_');
    expect(json).not.toContain('hunter2');
    const req = (e.input as { request: { query: Record<string, unknown>; headers: Record<string, unknown>; body: Record<string, unknown> } }).request;
    expect(req.query).toEqual({ api_key: REDACTED, page: '2' });
    expect(req.headers).toEqual({ 'x-request-id': 'r-1', 'x-api-key': REDACTED });
    expect(req.body).toEqual({ note: 'hi', password: REDACTED, nested: { auth: REDACTED } });
  });

  it('falls back to the request without its token when there is no policy input', () => {
    const r = makeRecord({ allow: false, status: 401, code: 'bad_token' });
    const e = buildAuditEvent({ ...r, answer: { ...r.answer, input: undefined, agent: undefined } });
    expect(JSON.stringify(e)).not.toContain(SECRET_TOKEN);
    expect(e).toMatchObject({ agent_id: null, session: null, result: { code: 'bad_token', status: 401 } });
    expect((e.input as { request: { headers: object } }).request.headers).toEqual({ authorization: REDACTED });
  });

  it('marks the credential proxy\'s second record as the upstream call', () => {
    const upstreamCall = { upstream: 'stripe', status: 200, durationMs: 120, cost: 1 };
    expect(buildAuditEvent({ ...makeRecord({ id: 'd-7' }), upstreamCall })).toMatchObject({ decision_id: 'd-7', event_type: 'upstream_call', upstream_call: upstreamCall });
  });

  it('marks writes and anything that alerts as high priority', () => {
    expect(buildAuditEvent(makeRecord({ access: 'write' })).priority).toBe('high');
    const readAlert = buildAuditEvent(makeRecord({ allow: false }), { alerts: ['read_out_of_scope'] });
    expect(readAlert).toMatchObject({ priority: 'high', alerts: ['read_out_of_scope'] });
  });

  it('redacts each agent\'s claims, also when one agent object serves many decisions', () => {
    const withClaims = (session: string, claims: Record<string, unknown>) => {
      const r = makeRecord({ session });
      const agent = { ...r.answer.agent!, claims };
      return { ...r, answer: { ...r.answer, agent, input: { ...r.answer.input!, agent } } };
    };
    const first = withClaims('s-1', { sub: 'a', refresh_token: 'rt-secret', note: `Bearer ${SECRET_TOKEN}` });
    const other = withClaims('s-2', { sub: 'b', role: 'ops' });
    const again = { ...first, answer: { ...first.answer, decision_id: 'd-again' } };
    const claimsOf = (r: typeof first) => ((buildAuditEvent(r).input as { agent: { claims: unknown } }).agent.claims);
    expect(claimsOf(first)).toEqual({ sub: 'a', refresh_token: REDACTED, note: REDACTED });
    expect(claimsOf(other)).toEqual({ sub: 'b', role: 'ops' });
    expect(claimsOf(again)).toEqual({ sub: 'a', refresh_token: REDACTED, note: REDACTED });
    expect(auditLine(buildAuditEvent(again))).not.toContain('rt-secret');
  });

  it('replaces an oversized body by its size', () => {
    const e = buildAuditEvent(makeRecord({ body: { blob: 'x'.repeat(20_000) } }));
    expect((e.input as { request: { body: unknown } }).request.body).toEqual({ '[truncated]': true, bytes: 20_011 });
  });
});
