// Admin actions in the audit trail, on a real server with the real file sink: block and
// release (whatever their outcome, validation failures included) are `admin_action` events
// with actor, action, target, outcome, status and remote address, never the admin token;
// reads are not audited; refused requests are, at most 10 a minute, the rest counted into
// one `auth.failed.suppressed` event (at the end of the minute or at shutdown) and in
// `leash_admin_auth_failures_total`. Decision events are unchanged.
import { describe, expect, it } from 'vitest';
import { createAdminAuditor } from '../../server/admin/index.ts';
import type { AuditEvent } from '../../server/audit/index.ts';
import { postJson, supportClaims } from './helpers.ts';
import { ADMIN_TOKEN, adminAuth, auditEvents, makeFixture, startApp } from './status-helpers.ts';

const json = { ...adminAuth, 'content-type': 'application/json' };

describe('admin actions are audited', () => {
  it('block, a refused block and release each write one event; reads write none; the token never appears', async () => {
    const f = await makeFixture();
    const a = await startApp(f);
    await fetch(`${a.url}/admin/sessions`, { headers: adminAuth });
    await fetch(`${a.url}/admin/status`, { headers: adminAuth });
    expect((await fetch(`${a.url}/admin/sessions/s-9/block`, { method: 'POST', headers: json, body: JSON.stringify({ reason: 'investigating T-4891' }) })).status).toBe(200);
    expect((await fetch(`${a.url}/admin/sessions/s-9/block`, { method: 'POST', headers: json, body: JSON.stringify({ until: '2000-01-01T00:00:00Z' }) })).status).toBe(400);
    expect((await fetch(`${a.url}/admin/sessions/s-9/block`, { method: 'POST', headers: json, body: JSON.stringify({ nonsense: 1 }) })).status).toBe(400);
    expect((await fetch(`${a.url}/admin/sessions/s-9/release`, { method: 'POST', headers: adminAuth })).status).toBe(200);
    const token = await f.keys.sign(supportClaims());
    expect((await postJson(`${a.url}/decide`, { method: 'GET', path: '/x', token })).status).toBe(200);
    await a.close();

    const events = auditEvents(f.auditPath);
    const admin = events.filter((e) => e.event_type === 'admin_action');
    expect(admin.map((e) => [e.admin.action, e.admin.outcome, e.admin.status])).toEqual([
      ['session.block', 'ok', 200],
      ['session.block', 'rejected', 400],
      ['session.block', 'rejected', 400],
      ['session.release', 'ok', 200],
    ]);
    for (const e of admin) {
      expect(e.admin).toMatchObject({ actor: 'admin', target: 's-9', remote_address: '127.0.0.1', method: 'POST' });
      expect(e).toMatchObject({ path: 'leash/admin', via: 'admin', priority: 'high', labels: { app: 'leash', version: '0.1.0' } });
      expect(e.timestamp).toMatch(/Z$/);
    }
    expect(admin[0]!.admin.details).toEqual({ reason: 'investigating T-4891' });
    expect(admin[1]!.admin.details).toEqual({ until: '2000-01-01T00:00:00Z' });
    // decisions are as before: one decision event, no admin fields
    const decisions = events.filter((e) => e.event_type === 'decision');
    expect(decisions).toHaveLength(1);
    expect(decisions[0]!.admin).toBeUndefined();
    const all = JSON.stringify(events);
    expect(all).not.toContain(ADMIN_TOKEN);
    expect(a.logs.text).not.toContain(ADMIN_TOKEN);
  });

  it('refused requests: at most 10 events a minute, the rest counted into one event; never the presented token', async () => {
    const f = await makeFixture();
    const a = await startApp(f);
    const guesses = Array.from({ length: 13 }, (_, i) => `guess-${i}-${ADMIN_TOKEN.slice(0, 20)}`);
    for (const [i, guess] of guesses.entries()) {
      const headers: Record<string, string> = i === 0 ? {} : { authorization: `Bearer ${guess}` };
      const res = await fetch(`${a.url}/admin/sessions/s-${i}/release?x=1`, { method: 'POST', headers });
      // the missing token and 5 wrong ones are 401; past 5 wrong ones the address waits (429)
      expect(res.status).toBe(i <= 5 ? 401 : 429);
    }
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^leash_admin_auth_failures_total 13$/m);
    await a.close(); // writes the count of the suppressed ones

    const admin = auditEvents(f.auditPath).filter((e) => e.event_type === 'admin_action');
    const failed = admin.filter((e) => e.admin.action === 'auth.failed');
    expect(failed).toHaveLength(10);
    expect(failed[0]!.admin).toMatchObject({ actor: 'admin', outcome: 'unauthorized', status: 401, remote_address: '127.0.0.1', method: 'POST', target: '/admin/sessions/s-0/release', details: { reason: 'missing_token' } });
    expect(failed[1]!.admin.details).toEqual({ reason: 'wrong_token' });
    expect(failed[6]!.admin).toMatchObject({ status: 429, details: { reason: 'rate_limited' } });
    const summary = admin.filter((e) => e.admin.action === 'auth.failed.suppressed');
    expect(summary).toHaveLength(1);
    expect(summary[0]!.admin.details).toMatchObject({ suppressed: 3, max_events_per_minute: 10 });
    // no release happened, so no session.release event; no guess and no query string is recorded
    expect(admin.some((e) => e.admin.action === 'session.release')).toBe(false);
    const text = JSON.stringify(admin);
    for (const g of guesses) expect(text).not.toContain(g);
    expect(text).not.toContain('?x=1');
  });
});

describe('the admin auditor', () => {
  it('allows 10 refusal events per minute window and reports the suppressed count when the next window starts', () => {
    const written: AuditEvent[] = [];
    let t = Date.parse('2026-12-01T00:00:00Z');
    const auditor = createAdminAuditor({ audit: { write: (e) => written.push(e) }, now: () => t });
    const refuse = () => auditor.authFailed({ method: 'GET', path: '/admin/sessions', remote_address: '10.0.0.1', reason: 'wrong_token' });
    for (let i = 0; i < 25; i++) refuse();
    expect(written.map((e) => e.admin!.action)).toEqual(Array(10).fill('auth.failed'));
    t += 60_000;
    refuse();
    expect(written.slice(10).map((e) => e.admin!.action)).toEqual(['auth.failed.suppressed', 'auth.failed']);
    expect(written[10]!.admin!.details).toMatchObject({ suppressed: 15, from: '2026-12-01T00:00:00.000Z', until: '2026-12-01T00:01:00.000Z' });
    expect(auditor.authFailures()).toBe(26);
    auditor.close();
    expect(written).toHaveLength(12); // nothing suppressed in the second window
  });

  it('redacts token-shaped targets and drops query strings from refused paths', () => {
    const written: AuditEvent[] = [];
    const auditor = createAdminAuditor({ audit: { write: (e) => written.push(e) } });
    const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    auditor.authFailed({ method: 'GET', path: `/admin/sessions/${jwt}?token=abc`, remote_address: '::1', reason: 'missing_token' });
    auditor.action({ action: 'session.block', target: jwt, outcome: 'ok', status: 200, remote_address: '::1', method: 'POST' });
    expect(written.map((e) => e.admin!.target)).toEqual(['/admin/sessions/[redacted]', '[redacted]']);
    expect(JSON.stringify(written)).not.toContain(jwt);
  });
});
