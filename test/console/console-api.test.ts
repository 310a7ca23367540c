// The console's HTTP API without a browser, against real servers: off unless enabled (and
// refused without an admin token), sign-in and its limits, the cookie and CSRF rules a
// browser's requests must meet, the bearer token for scripts, the live stream's auth and
// shape, the admin listener, and two servers sharing one Redis (sessions, decisions, the
// kill switch and sign-outs of the fleet in one console).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startServer } from '../../server/server.ts';
import { loadConfig } from '../../server/config/index.ts';
import { buildApp } from '../../server/app.ts';
import { AUDIENCE, ISSUER, makeKeys, type TestKeys } from '../server/helpers.ts';
import { auditEvents } from '../server/status-helpers.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_TOKEN, exampleBundle, startConsoleServer, supportClaims, type ConsoleServer } from './fixture.ts';

const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

async function login(url: string, token = ADMIN_TOKEN, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/console/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }) });
  const body = (await res.json()) as Record<string, string>;
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  return { status: res.status, body, cookie, setCookie: res.headers.get('set-cookie') };
}

describe('console API on one server (memory stores)', () => {
  let s: ConsoleServer;
  beforeAll(async () => {
    s = await startConsoleServer();
  }, 120_000);
  afterAll(async () => s?.close());

  it('signs in with the admin token only; failures are audited and limited per address', async () => {
    const ok = await login(s.url);
    expect(ok.status).toBe(200);
    expect(ok.setCookie).toMatch(/^leash_console=v1\.[^;]+; Path=\/console; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(ok.body['csrf']).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(ok.body) + ok.setCookie).not.toContain(ADMIN_TOKEN);

    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(s.url, `wrong-token-${i}-xxxxxxxxxx`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    // even the right token waits once the address is over its limit
    expect((await login(s.url)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 300)); // the audit sink writes in the background
    const events = auditEvents(s.auditPath).filter((e) => e.event_type === 'admin_action');
    expect(events.some((e) => e.admin.action === 'console.login' && e.admin.outcome === 'ok')).toBe(true);
    expect(events.some((e) => e.admin.action === 'auth.failed')).toBe(true);
    expect(JSON.stringify(events)).not.toContain(ADMIN_TOKEN);
  });
});

describe('wrong admin tokens, whichever door they come through', () => {
  let s: ConsoleServer;
  beforeAll(async () => {
    s = await startConsoleServer();
  }, 120_000);
  afterAll(async () => s?.close());

  it('count together for the admin API, the console bearer and the sign-in form: the sixth is refused even when right', async () => {
    const admin = (token: string) => fetch(`${s.url}/admin/sessions`, { headers: { authorization: `Bearer ${token}` } });
    const consoleMe = (token: string) => fetch(`${s.url}/console/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect((await admin(ADMIN_TOKEN)).status).toBe(200);
    // a request without any token guesses nothing and is not counted
    for (let i = 0; i < 6; i++) expect((await fetch(`${s.url}/admin/sessions`)).status).toBe(401);
    const wrong = await Promise.all([admin('wrong-admin-token-1'), admin('wrong-admin-token-2'), consoleMe('wrong-admin-token-3')]);
    expect(wrong.map((r) => r.status)).toEqual([401, 401, 401]);
    expect((await login(s.url, 'wrong-admin-token-4')).status).toBe(401);
    expect((await admin('wrong-admin-token-5')).status).toBe(401);
    const refused = await admin(ADMIN_TOKEN);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ code: 'too_many_attempts' });
    expect((await consoleMe(ADMIN_TOKEN)).status).toBe(429);
    expect((await login(s.url)).status).toBe(429);
    await new Promise((r) => setTimeout(r, 300)); // the audit sink writes in the background
    const refusals = auditEvents(s.auditPath).filter((e) => e.event_type === 'admin_action' && e.admin.action === 'auth.failed' && e.admin.status === 429);
    expect(refusals.map((e) => e.admin.target)).toEqual(['/admin/sessions', '/console/api/me']);
    expect(refusals.every((e) => e.admin.details?.['reason'] === 'rate_limited')).toBe(true);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/^leash_token_guesses_total\{token="admin",outcome="wrong"\} 5$/m);
    expect(metrics).toMatch(/^leash_token_guesses_total\{token="admin",outcome="refused"\} 3$/m);
  });
});

describe('console API rules', () => {
  let s: ConsoleServer;
  let cookie: string;
  let csrf: string;
  beforeAll(async () => {
    s = await startConsoleServer();
    const l = await login(s.url);
    cookie = l.cookie;
    csrf = l.body['csrf']!;
  }, 120_000);
  afterAll(async () => s?.close());

  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${s.url}/console/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

  it('every API route needs the cookie or the bearer token', async () => {
    for (const path of ['/me', '/sessions', '/decisions', '/decisions/stream', '/alerts', '/policy', '/charts', '/kill-switches']) {
      const res = await fetch(`${s.url}/console/api${path}`);
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ code: 'console_unauthorized' });
      expect((await fetch(`${s.url}/console/api${path}`, { headers: { cookie: 'leash_console=v1.forged.123.abc' } })).status, path).toBe(401);
    }
    expect((await fetch(`${s.url}/console/api/sessions`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${s.url}/console/api/sessions`, { headers: { cookie } })).status).toBe(200);
    expect((await fetch(`${s.url}/console/api/sessions`, { headers: { authorization: 'Bearer wrong-token-xxxxxxxxxxxx' } })).status).toBe(401);
  });

  it('a tampered or re-signed cookie is refused', async () => {
    const [v, id, exp, sig] = cookie.slice('leash_console='.length).split('.') as [string, string, string, string];
    const later = `leash_console=${v}.${id}.${Number(exp) + 86_400_000}.${sig}`;
    expect((await fetch(`${s.url}/console/api/me`, { headers: { cookie: later } })).status).toBe(401);
    const flipped = `leash_console=${v}.${id}.${exp}.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
    expect((await fetch(`${s.url}/console/api/me`, { headers: { cookie: flipped } })).status).toBe(401);
  });

  it('a POST with the cookie needs the CSRF token and the console origin', async () => {
    const sid = `s-${randomBytes(4).toString('hex')}`;
    const noCsrf = await post(`/sessions/${sid}/quarantine`, {}, { cookie });
    expect(noCsrf.status).toBe(403);
    expect(await noCsrf.json()).toMatchObject({ code: 'csrf_token_mismatch' });
    const wrong = await post(`/sessions/${sid}/quarantine`, {}, { cookie, 'x-leash-csrf': csrf.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) });
    expect(wrong.status).toBe(403);
    const foreign = await post(`/sessions/${sid}/quarantine`, {}, { cookie, 'x-leash-csrf': csrf, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: 'cross_site_request' });
    const crossSite = await post(`/sessions/${sid}/quarantine`, {}, { cookie, 'x-leash-csrf': csrf, 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    // none of them quarantined the session
    expect((await s.decide(supportClaims({ sid }), 'GET', '/customers/C-771/records/1')).body.allow).toBe(true);

    const ok = await post(`/sessions/${sid}/quarantine`, { reason: 'test' }, { cookie, 'x-leash-csrf': csrf, origin: s.url });
    expect(ok.status).toBe(200);
    expect((await s.decide(supportClaims({ sid }), 'GET', '/customers/C-771/records/1')).body).toMatchObject({ allow: false, code: 'quarantined' });
    // scripts with the bearer token need no CSRF token (no ambient credential)
    expect((await post(`/sessions/${sid}/release`, {}, bearer)).status).toBe(200);
    expect((await s.decide(supportClaims({ sid }), 'GET', '/customers/C-771/records/1')).body.allow).toBe(true);
    // a sign-in posted from another site is refused
    expect((await login(s.url, ADMIN_TOKEN, { origin: 'https://evil.example' })).status).toBe(403);
  });

  it('validates action bodies and answers in the error shape', async () => {
    const bad = await post('/kill-switches', { kind: 'session', id: 'x' }, bearer);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'invalid_request' });
    expect((await post('/kill-switches', { kind: 'key', id: '' }, bearer)).status).toBe(400);
    expect((await post('/explain', [1, 2], bearer)).status).toBe(400);
  });

  it('the kill switch stops a key; the action is audited', async () => {
    const res = await post('/kill-switches', { kind: 'key', id: 'key-17', reason: 'leaked key' }, bearer);
    expect(res.status).toBe(200);
    const denied = await s.decide(supportClaims(), 'GET', '/customers/C-771/records/1');
    expect(denied.body).toMatchObject({ allow: false, status: 403, code: 'kill_switch' });
    expect(denied.body.reasons.join(' ')).toContain('key key-17 is stopped by the kill switch (leaked key)');
    expect((await s.decide(supportClaims({ client_id: 'key-18' }), 'GET', '/customers/C-771/records/1')).body.allow).toBe(true);
    expect((await post('/kill-switches/release', { kind: 'key', id: 'key-17' }, bearer)).status).toBe(200);
    expect((await s.decide(supportClaims(), 'GET', '/customers/C-771/records/1')).body.allow).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const actions = auditEvents(s.auditPath).filter((e) => e.event_type === 'admin_action').map((e) => `${e.admin.action} ${e.admin.target}`);
    expect(actions).toEqual(expect.arrayContaining(['console.kill_switch.engage key:key-17', 'console.kill_switch.release key:key-17']));
  });

  it('the admin API has the kill switch too, for scripts', async () => {
    const json = { ...bearer, 'content-type': 'application/json' };
    expect((await fetch(`${s.url}/admin/kill-switches`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"kind":"agent","id":"cli-bot"}' })).status).toBe(401);
    const on = await fetch(`${s.url}/admin/kill-switches`, { method: 'POST', headers: json, body: JSON.stringify({ kind: 'agent', id: 'cli-bot', reason: 'incident 42' }) });
    expect(on.status).toBe(200);
    expect((await s.decide(supportClaims({ sub: 'cli-bot' }), 'GET', '/customers/C-771/records/1')).body.code).toBe('kill_switch');
    const list = (await (await fetch(`${s.url}/admin/kill-switches`, { headers: bearer })).json()) as { killSwitches: { id: string }[] };
    expect(list.killSwitches.map((k) => k.id)).toEqual(['cli-bot']);
    const off = await fetch(`${s.url}/admin/kill-switches/release`, { method: 'POST', headers: json, body: JSON.stringify({ kind: 'agent', id: 'cli-bot' }) });
    expect(await off.json()).toEqual({ kind: 'agent', id: 'cli-bot', released: true });
    expect((await s.decide(supportClaims({ sub: 'cli-bot' }), 'GET', '/customers/C-771/records/1')).body.allow).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    const actions = auditEvents(s.auditPath).filter((e) => e.event_type === 'admin_action').map((e) => `${e.admin.action} ${e.admin.target}`);
    expect(actions).toEqual(expect.arrayContaining(['kill_switch.engage agent:cli-bot', 'kill_switch.release agent:cli-bot']));
  });

  it('streams decisions as server-sent events, filtered, with the security headers', async () => {
    const sid = `s-${randomBytes(4).toString('hex')}`;
    const events: string[] = [];
    const req = httpRequest(`${s.url}/console/api/decisions/stream?session=${sid}`, { headers: bearer });
    const opened = new Promise<import('node:http').IncomingMessage>((resolve) => req.on('response', resolve));
    req.end();
    const res = await opened;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    res.setEncoding('utf8');
    res.on('data', (c: string) => events.push(c));
    await s.decide(supportClaims(), 'GET', '/customers/C-771/records/1'); // another session: filtered out
    const mine = await s.decide(supportClaims({ sid }), 'GET', '/customers/C-332/records/1');
    await expect.poll(() => events.join('')).toContain(mine.body.decision_id);
    const data = events.join('').split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)));
    expect(data.flat().map((d: { session: string }) => d.session)).toEqual([sid]);
    expect(data.flat()[0]).toMatchObject({ allow: false, status: 403, rule: 'customerRecords.read', agent: 'support-bot', policy: 'support-agent' });
    expect(events.join('')).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    req.destroy();
  });

  it('serves only its own assets, with the strict policy', async () => {
    const page = await fetch(`${s.url}/console/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    const html = await page.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/); // no inline script
    expect(html).not.toMatch(/https?:\/\//); // nothing from elsewhere
    expect((await fetch(`${s.url}/console/assets/app.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const p of ['/console/assets/../../package.json', '/console/assets/%2e%2e%2fapp.js', '/console/assets/app.js.map', '/console/assets/']) {
      expect((await fetch(`${s.url}${p}`)).status, p).toBe(404);
    }
  });
});

describe('console configuration', () => {
  let keys: TestKeys;
  let bundle: string;
  beforeAll(async () => {
    keys = await makeKeys();
    bundle = await exampleBundle(mkdtempSync(join(tmpdir(), 'leash-console-cfg-')));
  }, 120_000);
  const config = (flags: Record<string, unknown>) =>
    loadConfig({ env: {}, flags: { server: { port: 0, logLevel: 'silent' }, bundle: { path: bundle, watch: false }, identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] }, audit: { file: '' }, ...flags } });

  it('is off by default, even with an admin token', async () => {
    const app = await buildApp(config({ admin: { token: ADMIN_TOKEN } }));
    try {
      expect((await app.inject({ url: '/console/' })).statusCode).toBe(404);
      expect((await app.inject({ url: '/console/api/sessions', headers: bearer })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('refuses to start without an admin token', async () => {
    await expect(buildApp(config({ console: { enabled: true } }))).rejects.toThrow(/console.enabled needs admin.token/);
  });

  it('lives on the admin listener when there is one', async () => {
    const srv = await startServer(config({ admin: { token: ADMIN_TOKEN }, console: { enabled: true }, server: { port: 0, logLevel: 'silent', adminPort: 0 } }));
    try {
      expect((await fetch(`${srv.url}/console/`)).status).toBe(404);
      expect((await fetch(`${srv.adminUrl}/console/`)).status).toBe(200);
      expect((await login(srv.adminUrl!)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });
});

describe('two servers sharing one Redis', () => {
  const prefix = `leash-console-test-${randomBytes(4).toString('hex')}:`;
  let a: ConsoleServer;
  let b: ConsoleServer;
  beforeAll(async () => {
    const keys = await makeKeys();
    const limits = { redis: 'redis://127.0.0.1:6379', redisPrefix: prefix };
    a = await startConsoleServer({ limits }, keys);
    b = await startConsoleServer({ limits }, keys);
  }, 120_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    const r = new Redis('redis://127.0.0.1:6379');
    const keys = await r.keys(`${prefix}*`);
    if (keys.length > 0) await r.del(...keys);
    r.disconnect();
  });

  it('one console lists the sessions and decisions of both servers', async () => {
    const onA = supportClaims();
    const onB = supportClaims();
    await a.decide(onA, 'GET', '/customers/C-771/records/1');
    const fromB = await b.decide(onB, 'GET', '/customers/C-332/records/1');
    await expect.poll(async () => {
      const r = (await (await fetch(`${a.url}/console/api/sessions`, { headers: bearer })).json()) as { sessions: { session: string; limits: unknown[] }[] };
      return r.sessions.map((x) => x.session).sort();
    }, { timeout: 3_000 }).toEqual(expect.arrayContaining([onA['sid'], onB['sid']]));
    const d = (await (await fetch(`${a.url}/console/api/decisions?session=${onB['sid']}`, { headers: bearer })).json()) as { decisions: { id: string; server: string }[] };
    expect(d.decisions.map((x) => x.id)).toEqual([fromB.body.decision_id]);
    const s = (await (await fetch(`${a.url}/console/api/sessions/${onA['sid']}`, { headers: bearer })).json()) as { session: { limits: { id: string; limit: number; remaining: number }[]; calls: number } };
    expect(s.session.calls).toBe(1);
    expect(s.session.limits).toEqual([expect.objectContaining({ id: 'support-agent.read/session', limit: 50, remaining: 49 })]);
  });

  it('a kill switch engaged on one server stops the agent on the other', async () => {
    const res = await fetch(`${a.url}/console/api/kill-switches`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'agent', id: 'fleet-bot' }) });
    expect(res.status).toBe(200);
    await expect.poll(async () => (await b.decide(supportClaims({ sub: 'fleet-bot' }), 'GET', '/customers/C-771/records/1')).body.code, { timeout: 3_000 }).toBe('kill_switch');
    await fetch(`${b.url}/console/api/kill-switches/release`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'agent', id: 'fleet-bot' }) });
    await expect.poll(async () => (await a.decide(supportClaims({ sub: 'fleet-bot' }), 'GET', '/customers/C-771/records/1')).body.allow, { timeout: 3_000 }).toBe(true);
  });

  it('a sign-out on one server signs the cookie out on the other', async () => {
    const l = await login(a.url);
    const me = (url: string) => fetch(`${url}/console/api/me`, { headers: { cookie: l.cookie } }).then((r) => r.status);
    expect(await me(b.url)).toBe(200);
    const out = await fetch(`${a.url}/console/api/logout`, { method: 'POST', headers: { cookie: l.cookie, 'x-leash-csrf': l.body['csrf']!, origin: a.url, 'content-type': 'application/json' }, body: '{}' });
    expect(out.status).toBe(200);
    expect(await me(a.url)).toBe(401);
    await expect.poll(() => me(b.url), { timeout: 3_000 }).toBe(401);
    // a later sign-in works on both
    const again = await login(b.url);
    expect((await fetch(`${a.url}/console/api/me`, { headers: { cookie: again.cookie } })).status).toBe(200);
  });

  it('a quarantine from the console of one server holds on the other', async () => {
    const claims = supportClaims();
    const res = await fetch(`${b.url}/console/api/sessions/${claims['sid']}/quarantine`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(200);
    expect((await a.decide(claims, 'GET', '/customers/C-771/records/1')).body.code).toBe('quarantined');
  });
});
