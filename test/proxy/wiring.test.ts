// The proxy inside the server: unusable settings stop the start with a message naming
// them, and the upstreams follow bundle reloads (a new revision declaring an upstream makes
// it callable without a restart; credentials are still the ones loaded at start).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type ConfigInput } from '../../server/config/index.ts';
import { rawRequest } from './client.ts';
import {
  AUDIENCE, billingClaims, billingPolicy, ISSUER, LogCapture, makeKeys, RecordingObserver, startFakeUpstream, STRIPE_KEY, UPSTREAMS,
  type FakeUpstream, type Keys,
} from './helpers.ts';

let keys: Keys;
let fake: FakeUpstream;

beforeAll(async () => {
  keys = await makeKeys();
  fake = await startFakeUpstream();
});
afterAll(async () => {
  await fake?.close();
});

function config(proxy: ConfigInput['proxy']) {
  const dir = mkdtempSync(join(tmpdir(), 'leash-proxy-wiring-'));
  const bundlePath = join(dir, 'bundle.tar.gz');
  writeFileSync(bundlePath, 'stand-in');
  return loadConfig({
    env: {},
    flags: { server: { logLevel: 'info' }, bundle: { path: bundlePath, watch: false }, identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] }, proxy },
  });
}

describe('proxy wiring', () => {
  it('refuses to start on a malformed --upstream-url or a base URL with credentials in it', async () => {
    const load = async () => ({ ...billingPolicy(), data: { leash: { upstreams: { stripe: UPSTREAMS.stripe } } } });
    await expect(buildApp(config({ upstreamUrls: ['stripe'] }), { observer: new RecordingObserver(), logStream: new LogCapture(), loadBundle: load, env: {} })).rejects.toThrow(
      'credential proxy: --upstream-url "stripe" must look like name=https://host',
    );
    await expect(
      buildApp(config({ upstreamUrls: ['stripe=https://user:pw@api.stripe.com'] }), { observer: new RecordingObserver(), logStream: new LogCapture(), loadBundle: load, env: {} }),
    ).rejects.toThrow('the configured URL for upstream stripe must not hold a user name or password');
  });

  it('follows a bundle reload that declares a new upstream', async () => {
    let revision = 0;
    const load = async () => {
      revision += 1;
      const upstreams = revision === 1 ? {} : { stripe: UPSTREAMS.stripe };
      return { ...billingPolicy(), revision: `rev-${revision}`, data: { leash: { upstreams } } };
    };
    const logs = new LogCapture();
    const app = await buildApp(config({ upstreamUrls: [`stripe=${fake.url}`] }), { observer: new RecordingObserver(), logStream: logs, loadBundle: load, env: { STRIPE_API_KEY: STRIPE_KEY } });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      expect(logs.text).toContain('the configuration overrides upstream \\"stripe\\" but no policy declares it');
      const token = await keys.sign(billingClaims('billing-bot', 'ch_1', 100));
      const call = () =>
        rawRequest(url, '/proxy/stripe/v1/refunds', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'charge=ch_1&amount=5' });
      expect((await call()).status).toBe(404);
      expect((await app.leash.engine.reload()).kind).toBe('loaded');
      const before = fake.received.length;
      const res = await call();
      expect(res.status).toBe(200);
      expect(fake.received.slice(before).map((r) => r.headers['authorization'])).toEqual([`Bearer ${STRIPE_KEY}`]);
    } finally {
      await app.close();
    }
  });
});
