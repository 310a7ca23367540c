// GET /health with OPA's parameters, on real servers: a plain /health answers as before;
// `bundles` is 500 until the bundle is activated (a remote bundle whose server fails first,
// then serves a real bundle); `plugins` is 500 while a plugin is not OK (an unreachable
// Redis limit store, a failing audit webhook), names the failing plugins and states but no
// messages, and `exclude-plugin` leaves plugins out.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, eventually, makeFixture, startApp, startReceiver, type Fixture, type Receiver } from './status-helpers.ts';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture();
});

async function get(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

describe('GET /health', () => {
  it('answers { status: ok } without parameters, as before, and {} for OPA checks that pass', async () => {
    const a = await startApp(f);
    try {
      expect(await get(`${a.url}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
      for (const q of ['bundles', 'bundles=true', 'bundle', 'plugins', 'plugins=true&bundles=true', 'bundles=false', 'exclude-plugin=audit']) {
        expect(await get(`${a.url}/health?${q}`), q).toEqual({ status: 200, body: {} });
      }
      expect((await get(`${a.url}/ready`)).status).toBe(200);
    } finally {
      await a.close();
    }
  });
});

describe('GET /health?bundles', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(async () => rx.close());

  it('is 500 until a remote bundle is activated, then 200', async () => {
    rx.answer = () => 503;
    const a = await startApp(f, { bundle: { path: undefined, url: `${rx.url}/bundles/leash.tar.gz`, pollSeconds: 3600 } });
    try {
      expect(await get(`${a.url}/health`)).toEqual({ status: 200, body: { status: 'ok' } });
      expect(await get(`${a.url}/health?bundles`)).toEqual({ status: 500, body: { error: 'one or more bundles are not activated' } });
      expect(await get(`${a.url}/health?bundles=true`)).toEqual({ status: 500, body: { error: 'one or more bundles are not activated' } });
      // the bundle plugin is not ready either; excluding it leaves the other plugins, which are OK
      expect(await get(`${a.url}/health?plugins`)).toEqual({ status: 500, body: { error: 'one or more plugins are not up', plugins: { bundle: 'NOT_READY' } } });
      expect(await get(`${a.url}/health?plugins&exclude-plugin=bundle`)).toEqual({ status: 200, body: {} });

      const bytes = new Uint8Array(readFileSync(f.bundlePath));
      rx.answer = () => ({ status: 200, body: bytes, headers: { etag: '"r1"' } });
      expect((await a.app.leash.engine.reload()).kind).toBe('loaded');
      expect(await get(`${a.url}/health?bundles`)).toEqual({ status: 200, body: {} });
      expect(await get(`${a.url}/health?plugins`)).toEqual({ status: 200, body: {} });

      // a later failed download does not take the activated bundle's health away (as in OPA)
      rx.answer = () => 500;
      expect((await a.app.leash.engine.reload()).kind).toBe('failed');
      expect(await get(`${a.url}/health?bundles`)).toEqual({ status: 200, body: {} });
    } finally {
      await a.close();
    }
  });
});

describe('GET /health?plugins', () => {
  it('is 500 while the Redis limit store is unreachable, naming it; exclude-plugin=limits leaves it out', async () => {
    // port 1 on loopback: nothing listens there, the connection is refused at once
    const a = await startApp(f, { limits: { redis: 'redis://127.0.0.1:1' } });
    try {
      await eventually(async () => (await get(`${a.url}/health?plugins`)).body.plugins?.limits === 'ERROR', 'limits plugin ERROR');
      const res = await get(`${a.url}/health?plugins`);
      expect(res.status).toBe(500);
      expect(res.body.error).toBe('one or more plugins are not up');
      expect(res.body.plugins).toEqual({ limits: 'ERROR' });
      // nothing but names and states: no host, no error text on an unauthenticated endpoint
      expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|redis|refused/i);
      expect(await get(`${a.url}/health?plugins&exclude-plugin=limits`)).toEqual({ status: 200, body: {} });
      expect(await get(`${a.url}/health?plugins&exclude-plugin=audit&exclude-plugin=limits`)).toEqual({ status: 200, body: {} });
      // bundles alone is fine: the bundle is activated
      expect(await get(`${a.url}/health?bundles`)).toEqual({ status: 200, body: {} });
    } finally {
      await a.close();
    }
  });

  it('is 500 while an audit sink is failing and 200 once it delivers again', async () => {
    const rx = await startReceiver();
    rx.answer = () => 500;
    const a = await startApp(f, { audit: { webhook: `${rx.url}/audit` } });
    try {
      expect(await get(`${a.url}/health?plugins`)).toEqual({ status: 200, body: {} });
      // an admin action is a high-priority audit event: the webhook gets it at once
      const blocked = await fetch(`${a.url}/admin/sessions/s-1/block`, { method: 'POST', headers: adminAuth });
      expect(blocked.status).toBe(200);
      await eventually(async () => (await get(`${a.url}/health?plugins`)).status === 500, 'audit plugin failing');
      expect(await get(`${a.url}/health?plugins`)).toEqual({ status: 500, body: { error: 'one or more plugins are not up', plugins: { audit: 'ERROR' } } });
      expect(await get(`${a.url}/health?plugins&exclude-plugin=audit`)).toEqual({ status: 200, body: {} });
      // the sink's retries reach the webhook once it answers again
      rx.answer = () => 200;
      await eventually(async () => (await get(`${a.url}/health?plugins`)).status === 200, 'audit plugin OK again');
      const status = await (await fetch(`${a.url}/admin/status`, { headers: adminAuth })).json();
      expect(status.plugins.audit.state).toBe('OK');
    } finally {
      await a.close();
      await rx.close();
    }
  });
});
