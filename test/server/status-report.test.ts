// GET /admin/status on real servers: OPA status-API-shaped JSON (labels, bundles, plugins)
// plus Leash's last failed activation; a broken bundle leaves the old revision active and
// is reported with its error, a good one clears it. The upload to a status service (a local
// node:http receiver): POST <service>/status with the bearer credential at start and on
// every change; failures retried with backoff; a hanging service never holds up decisions.
import { writeFileSync, renameSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStatusRecorder, startStatusUploader } from '../../server/status/index.ts';
import { postJson, supportClaims } from './helpers.ts';
import { ADMIN_TOKEN, adminAuth, eventually, makeFixture, startApp, startReceiver, type Fixture, type Receiver } from './status-helpers.ts';

let f: Fixture;
beforeAll(async () => {
  f = await makeFixture();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

async function status(url: string): Promise<any> {
  const res = await fetch(`${url}/admin/status`, { headers: adminAuth });
  expect(res.status).toBe(200);
  return res.json();
}

describe('GET /admin/status', () => {
  it('needs the admin token', async () => {
    const a = await startApp(f);
    try {
      for (const headers of [{}, { authorization: 'Bearer wrong-token-wrong-token' }] as Record<string, string>[]) {
        const res = await fetch(`${a.url}/admin/status`, { headers });
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ code: 'admin_unauthorized' });
      }
    } finally {
      await a.close();
    }
  });

  it('reports labels, the active bundle, plugin states, and failed activations with their error', async () => {
    const rev1 = await f.publish('rev-1');
    const a = await startApp(f);
    try {
      const first = await status(a.url);
      expect(first.labels).toEqual({ id: expect.stringMatching(/:\d+$/), version: '0.1.0', app: 'leash' });
      expect(first.bundles).toEqual({
        leash: { name: 'leash', active_revision: rev1, last_successful_activation: expect.stringMatching(ISO), code: null, message: null, errors: [] },
      });
      expect(first.plugins).toEqual({ bundle: { state: 'OK' }, limits: { state: 'OK', message: 'in-process memory' }, audit: { state: 'OK' }, alerts: { state: 'OK' } });
      expect(first.leash).toEqual({ last_failed_activation: null, activations: 1, failed_activations: 0 });

      // a broken bundle: the old revision keeps serving and the report says why
      const tmp = `${f.bundlePath}.tmp`;
      writeFileSync(tmp, 'not a bundle');
      renameSync(tmp, f.bundlePath);
      expect((await a.app.leash.engine.reload()).kind).toBe('failed');
      const broken = await status(a.url);
      expect(broken.bundles.leash).toMatchObject({ active_revision: rev1, last_successful_activation: first.bundles.leash.last_successful_activation, code: 'bundle_error' });
      expect(broken.bundles.leash.message).toEqual(expect.any(String));
      expect(broken.bundles.leash.errors).toEqual([broken.bundles.leash.message]);
      expect(broken.leash.last_failed_activation).toEqual({ bundle: 'leash', at: expect.stringMatching(ISO), error: broken.bundles.leash.message, serving_revision: rev1 });
      expect(broken.plugins.bundle.state).toBe('OK');
      expect((await fetch(`${a.url}/health?bundles`)).status).toBe(200);

      // a good one clears the error; the last failure stays on record in the extras
      const rev2 = await f.publish('rev-2');
      expect((await a.app.leash.engine.reload()).kind).toBe('loaded');
      const fixed = await status(a.url);
      expect(fixed.bundles.leash).toMatchObject({ active_revision: rev2, code: null, message: null, errors: [] });
      expect(fixed.leash).toMatchObject({ activations: 2, failed_activations: 1, last_failed_activation: broken.leash.last_failed_activation });
      expect(JSON.stringify(fixed)).not.toContain(ADMIN_TOKEN);
    } finally {
      await a.close();
    }
  });

  it('reports last_request and last_successful_download for a remote bundle', async () => {
    const rx = await startReceiver();
    const bytes = new Uint8Array(readFileSync(f.bundlePath));
    rx.answer = () => ({ status: 200, body: bytes });
    const a = await startApp(f, { bundle: { path: undefined, url: `${rx.url}/b.tar.gz`, pollSeconds: 3600 } });
    try {
      const s = await status(a.url);
      expect(s.bundles.leash).toMatchObject({ last_request: expect.stringMatching(ISO), last_successful_download: expect.stringMatching(ISO), last_successful_request: expect.stringMatching(ISO) });
      rx.answer = () => 500;
      await a.app.leash.engine.reload();
      const after = await status(a.url);
      expect(after.bundles.leash.last_successful_download).toBe(s.bundles.leash.last_successful_download);
      expect(after.bundles.leash.code).toBe('bundle_error');
      expect(after.bundles.leash.message).toContain('answered 500');
    } finally {
      await a.close();
      await rx.close();
    }
  });
});

describe('status upload', () => {
  let rx: Receiver;
  beforeAll(async () => {
    rx = await startReceiver();
  });
  afterAll(async () => rx.close());

  it('POSTs the report to <service>/status with the bearer credential, at start and on every change', async () => {
    rx.received.length = 0;
    rx.answer = () => 200;
    const rev1 = await f.publish('rev-1');
    const a = await startApp(f, { status: { service: `${rx.url}/svc/`, token: 'status-credential-1234', intervalSeconds: 3600 } });
    try {
      await rx.waitFor(1);
      const first = rx.received[0]!;
      expect(first.method).toBe('POST');
      expect(first.url).toBe('/svc/status');
      expect(first.headers['authorization']).toBe('Bearer status-credential-1234');
      expect(first.headers['content-type']).toBe('application/json');
      const report = JSON.parse(first.body);
      expect(report.bundles.leash.active_revision).toBe(rev1);
      expect(report.plugins.status.state).toBe('OK');

      const rev2 = await f.publish('rev-2');
      await a.app.leash.engine.reload();
      await eventually(() => rx.received.some((r) => JSON.parse(r.body).bundles.leash.active_revision === rev2), 'a report with rev-2');
      // the credential never reaches the log or the report
      expect(a.logs.text).not.toContain('status-credential-1234');
      expect(rx.received.every((r) => !r.body.includes('status-credential-1234'))).toBe(true);
    } finally {
      await a.close();
    }
  });

  it('a hanging status service holds up nothing: decisions and health answer meanwhile', async () => {
    rx.received.length = 0;
    rx.answer = () => 'hang';
    const a = await startApp(f, { status: { service: rx.url, intervalSeconds: 3600 } });
    try {
      await rx.waitFor(1);
      const token = await f.keys.sign(supportClaims());
      const res = await postJson(`${a.url}/decide`, { method: 'GET', path: '/anything', token });
      expect(res.status).toBe(200);
      expect(res.body.allow).toBe(true);
      expect((await fetch(`${a.url}/health?plugins`)).status).toBe(200);
    } finally {
      await a.close(); // aborts the hanging upload
    }
  });

  it('retries failed uploads with backoff and folds changes made meanwhile into the retry', async () => {
    rx.received.length = 0;
    rx.answer = (_r, n) => (n <= 2 ? 503 : 200);
    const recorder = createStatusRecorder({ labels: { id: 'test:1', version: '0.1.0' } });
    recorder.bundleActivated('leash', 'r-1');
    const lines: string[] = [];
    const log = { warn: (o: object, m: string) => lines.push(`${m} ${JSON.stringify(o)}`), error: (o: object, m: string) => lines.push(`${m} ${JSON.stringify(o)}`) };
    const up = startStatusUploader({ service: rx.url, token: 'tok-abcdef-123456', intervalMs: 3_600_000, status: recorder, log, backoffMs: 10, maxBackoffMs: 40 });
    try {
      await rx.waitFor(1);
      recorder.bundleActivated('leash', 'r-2'); // during the backoff: sent by the retry, not at once
      await eventually(() => up.stats().sent === 1, 'one upload delivered');
      expect(rx.received).toHaveLength(3);
      expect(JSON.parse(rx.received[2]!.body).bundles.leash.active_revision).toBe('r-2');
      expect(up.stats()).toMatchObject({ sent: 1, failed: 2, failing: false });
      expect(up.plugin()).toEqual({ state: 'OK' });
      expect(lines.some((l) => l.startsWith('status upload failed; retrying with backoff'))).toBe(true);
      expect(lines.some((l) => l.startsWith('status upload works again'))).toBe(true);
      expect(lines.join('\n')).not.toContain('tok-abcdef-123456');
    } finally {
      await up.close();
    }
  });

  it('reports itself as an ERROR plugin while uploads fail', async () => {
    rx.received.length = 0;
    rx.answer = () => 500;
    const recorder = createStatusRecorder({ labels: { id: 'test:2', version: '0.1.0' } });
    const quiet = { warn() {}, error() {} };
    const up = startStatusUploader({ service: rx.url, intervalMs: 3_600_000, status: recorder, log: quiet, backoffMs: 10, maxBackoffMs: 20 });
    try {
      await rx.waitFor(2);
      expect(up.plugin().state).toBe('ERROR');
      expect(up.stats().failing).toBe(true);
    } finally {
      await up.close();
    }
  });
});
