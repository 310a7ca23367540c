// The admin routes on their own listener (server.adminPort / server.adminHost, --admin-port /
// --admin-host), with the real startServer: /admin/* is 404 on the main port and works on the
// admin port (which serves nothing else); decisions keep working on the main port; an admin
// action there is audited; close() stops both listeners. Plus the configuration rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../server/server.ts';
import { ConfigError, loadConfig } from '../../server/config/index.ts';
import { flagsFrom } from '../../cli/commands/serve.ts';
import { LogCapture, postJson, supportClaims } from './helpers.ts';
import { ADMIN_TOKEN, adminAuth, auditEvents, configFor, makeFixture, type Fixture } from './status-helpers.ts';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture();
});

describe('separate admin listener', () => {
  let srv: Awaited<ReturnType<typeof startServer>>;
  const logs = new LogCapture();
  beforeAll(async () => {
    srv = await startServer(configFor(f, { server: { adminPort: 0, adminHost: '127.0.0.1' } }), { logStream: logs });
  });
  afterAll(async () => srv?.close());

  it('serves /admin/* only on the admin port', async () => {
    expect(srv.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(srv.adminUrl).not.toBe(srv.url);
    for (const path of ['/admin/sessions', '/admin/status', '/admin/sessions/s-1']) {
      const main = await fetch(`${srv.url}${path}`, { headers: adminAuth });
      expect(main.status, path).toBe(404);
      expect(await main.json()).toMatchObject({ code: 'not_found' });
    }
    const blockedOnMain = await fetch(`${srv.url}/admin/sessions/s-1/block`, { method: 'POST', headers: adminAuth });
    expect(blockedOnMain.status).toBe(404);

    expect((await fetch(`${srv.adminUrl}/admin/sessions`, { headers: adminAuth })).status).toBe(200);
    const status = await fetch(`${srv.adminUrl}/admin/status`, { headers: adminAuth });
    expect(status.status).toBe(200);
    expect((await status.json()).plugins.bundle.state).toBe('OK');
    // still behind the token there
    expect((await fetch(`${srv.adminUrl}/admin/sessions`)).status).toBe(401);
  });

  it('the admin port serves nothing else; the main port still decides', async () => {
    for (const path of ['/health', '/ready', '/metrics']) expect((await fetch(`${srv.adminUrl}${path}`)).status, path).toBe(404);
    const token = await f.keys.sign(supportClaims());
    expect((await postJson(`${srv.adminUrl}/decide`, { method: 'GET', path: '/x', token })).status).toBe(404);
    const res = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/x', token });
    expect(res.status).toBe(200);
    expect(res.body.allow).toBe(true);
    expect((await fetch(`${srv.url}/health`)).status).toBe(200);
  });

  it('blocks and releases on the admin port, and the actions are audited', async () => {
    const blocked = await fetch(`${srv.adminUrl}/admin/sessions/s-port/block`, { method: 'POST', headers: { ...adminAuth, 'content-type': 'application/json' }, body: JSON.stringify({ reason: 'investigating' }) });
    expect(blocked.status).toBe(200);
    const token = await f.keys.sign(supportClaims({ sid: 's-port' }));
    const denied = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/x', token });
    expect(denied.body).toMatchObject({ allow: false, code: 'quarantined' });
    expect((await fetch(`${srv.adminUrl}/admin/sessions/s-port/release`, { method: 'POST', headers: adminAuth })).status).toBe(200);
  });

  it('close() stops both listeners and flushes the audit trail', async () => {
    const { app, url, adminUrl } = srv;
    await srv.close();
    expect(app.server.listening).toBe(false);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
    await expect(fetch(`${adminUrl}/admin/sessions`, { headers: adminAuth })).rejects.toThrow();
    const actions = auditEvents(f.auditPath).filter((e) => e.event_type === 'admin_action' && e.admin.target === 's-port');
    expect(actions.map((e) => e.admin.action)).toEqual(['session.block', 'session.release']);
    expect(logs.text).not.toContain(ADMIN_TOKEN);
  });
});

describe('admin listener configuration', () => {
  const base = { identity: { jwks: 'x.json', issuer: ['i'], audience: ['a'] }, bundle: { path: 'b.tar.gz' } };

  it('maps --admin-port and --admin-host', () => {
    const c = loadConfig({ env: { LEASH_ADMIN_TOKEN: ADMIN_TOKEN }, flags: { ...flagsFrom({ adminPort: '9191', adminHost: '0.0.0.0' }), ...base } });
    expect(c.server).toMatchObject({ adminPort: 9191, adminHost: '0.0.0.0' });
    const env = loadConfig({ env: { LEASH_ADMIN_TOKEN: ADMIN_TOKEN, LEASH_ADMIN_PORT: '9192' }, flags: base });
    expect(env.server.adminPort).toBe(9192);
    expect(env.server.adminHost).toBeUndefined();
  });

  it('refuses an admin host without a port, an admin port without a token, and the main port twice', () => {
    const problems = (env: Record<string, string>, flags: object = {}) => {
      try {
        loadConfig({ env, flags: { ...base, ...flags } });
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ LEASH_ADMIN_TOKEN: ADMIN_TOKEN, LEASH_ADMIN_HOST: '127.0.0.1' })).toEqual([expect.stringMatching(/^server\.adminHost: needs server\.adminPort/)]);
    expect(problems({ LEASH_ADMIN_PORT: '9191' })).toEqual([expect.stringMatching(/^server\.adminPort: needs admin\.token/)]);
    expect(problems({ LEASH_ADMIN_TOKEN: ADMIN_TOKEN, LEASH_ADMIN_PORT: '8181' })).toEqual([expect.stringMatching(/^server\.adminPort: must differ from server\.port/)]);
    expect(problems({ LEASH_ADMIN_TOKEN: ADMIN_TOKEN }, { server: { adminPort: 'nine' } })).toEqual([expect.stringMatching(/^server\.adminPort: must be an integer .*flag --admin-port/)]);
  });

  it('fails to start, closing the main listener, when the admin port is taken', async () => {
    const first = await startServer(configFor(f, { server: { adminPort: 0 } }));
    const taken = Number(new URL(first.adminUrl!).port);
    try {
      await expect(startServer(configFor(f, { server: { adminPort: taken } }))).rejects.toThrow(`cannot listen for admin requests on 127.0.0.1:${taken} (EADDRINUSE)`);
    } finally {
      await first.close();
    }
  });
});
