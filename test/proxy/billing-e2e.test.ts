// The billing scenario with everything real: policies/billing-agent.policy.ts compiled by
// Leash's own pipeline (DSL → Rego → wasm → bundle), evaluated by the OPA wasm SDK in the
// real server, real agent JWTs, the in-memory limit store, and the upstream metadata read
// from the bundle's data.json. Only Stripe is a local stand-in.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { form, rawRequest } from './client.ts';
import { AUDIENCE, billingClaims, ISSUER, LogCapture, makeKeys, RecordingObserver, startFakeUpstream, STRIPE_KEY, type FakeUpstream, type Keys } from './helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let keys: Keys;
let fake: FakeUpstream;
let url: string;
let close: () => Promise<void>;
let observer: RecordingObserver;

beforeAll(async () => {
  keys = await makeKeys();
  fake = await startFakeUpstream();
  const compiled = await compile([join(ROOT, 'policies/billing-agent.policy.ts'), join(ROOT, 'test/proxy/fixtures/metered-refunds.policy.ts')], { root: ROOT });
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !compiled.bundle) throw new Error(`the billing policy does not compile: ${errors.map((d) => d.message).join('; ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'leash-proxy-e2e-'));
  const bundlePath = join(dir, 'bundle.tar.gz');
  writeFileSync(bundlePath, compiled.bundle);
  const config = loadConfig({
    env: {},
    flags: {
      server: { logLevel: 'info' },
      bundle: { path: bundlePath, watch: false },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
      proxy: { upstreamUrls: [`stripe=${fake.url}`, `meteredStripe=${fake.url}`] },
    },
  });
  observer = new RecordingObserver();
  // The server's own bundle loader: the upstream metadata comes from the bundle's data.json.
  const app = await buildApp(config, { observer, logStream: new LogCapture(), env: { STRIPE_API_KEY: STRIPE_KEY } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  close = () => app.close();
}, 120_000);

afterAll(async () => {
  await close?.();
  await fake?.close();
});

const refund = (token: string, fields: Record<string, string | number>) =>
  rawRequest(url, '/proxy/stripe/v1/refunds', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form(fields) });

describe('billing agent through the compiled policy', () => {
  it('refunds its own charge up to the cap with the real key, which it never sees', async () => {
    const token = await keys.sign(billingClaims('billing-e2e-1', 'ch_3MmlLr', 5000));
    const before = fake.received.length;
    const res = await refund(token, { charge: 'ch_3MmlLr', amount: 5000 });
    expect(res.status).toBe(200);
    const got = fake.received.slice(before);
    expect(got.map((r) => [r.method, r.url, r.headers['authorization']])).toEqual([['POST', '/v1/refunds', `Bearer ${STRIPE_KEY}`]]);
    expect(res.text()).not.toContain(STRIPE_KEY);
    const call = observer.records.find((r) => r.answer.decision_id === res.headers['x-leash-decision-id'] && r.upstreamCall);
    expect(call?.answer.rule).toContain('refunds');
    expect(call?.upstreamCall).toMatchObject({ upstream: 'stripe', status: 200 });
  });

  it('is denied another charge, an amount over the cap, no amount, and any other endpoint; none reaches Stripe', async () => {
    const token = await keys.sign(billingClaims('billing-e2e-2', 'ch_mine', 5000));
    const before = fake.received.length;
    const other = await refund(token, { charge: 'ch_other', amount: 10 });
    expect(other.status).toBe(403);
    expect(other.json().reasons.join(' ')).toContain('ch_mine');
    expect((await refund(token, { charge: 'ch_mine', amount: 5001 })).status).toBe(403);
    expect((await refund(token, { charge: 'ch_mine' })).status).toBe(403);
    const charge = await rawRequest(url, '/proxy/stripe/v1/charges', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form({ amount: 10 }) });
    expect(charge.status).toBe(403);
    expect(fake.received.length).toBe(before);
    // An encoded spelling of a path is decided as the path the upstream decodes it to: an
    // over-cap refund spelt /v1/refund%73 is the same refund, denied the same way.
    const encoded = await rawRequest(url, '/proxy/stripe/v1/refund%73', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form({ charge: 'ch_mine', amount: 5001 }) });
    expect(encoded.status).toBe(403);
    expect(fake.received.length).toBe(before);
  });

  it('holds 20 calls a day per agent; a second agent on the same API key keeps its own 20', async () => {
    const first = await keys.sign(billingClaims('billing-e2e-limit-a', 'ch_a', 100, 'key-shared'));
    const second = await keys.sign(billingClaims('billing-e2e-limit-b', 'ch_b', 100, 'key-shared'));
    const before = fake.received.length;
    for (let i = 0; i < 20; i++) expect((await refund(first, { charge: 'ch_a', amount: 1 })).status).toBe(200);
    const over = await refund(first, { charge: 'ch_a', amount: 1 });
    expect(over.status).toBe(429);
    expect(over.headers['retry-after']).toBeDefined();
    expect((await refund(second, { charge: 'ch_b', amount: 1 })).status).toBe(200);
    expect(fake.received.length - before).toBe(21);
  });
});

describe('a budget computed from the request (fixture policy, cost = body.amount)', () => {
  it('counts refunded amounts per agent per day; over budget is 429 and never forwarded', async () => {
    const claims = (agent: string) => ({ ...billingClaims(agent, 'ch_big', 30_000), role: 'metered-billing' });
    const token = await keys.sign(claims('metered-a'));
    const peer = await keys.sign(claims('metered-b'));
    const call = (t: string, amount: number) =>
      rawRequest(url, '/proxy/meteredStripe/v1/refunds', { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form({ charge: 'ch_big', amount }) });
    const before = fake.received.length;
    const first = await call(token, 30_000);
    expect(first.status).toBe(200);
    expect((await call(token, 20_001)).status).toBe(429);
    expect((await call(token, 20_000)).status).toBe(200);
    expect((await call(token, 1)).status).toBe(429);
    expect((await call(peer, 30_000)).status).toBe(200);
    expect(fake.received.slice(before).map((r) => new URLSearchParams(r.body.toString()).get('amount'))).toEqual(['30000', '20000', '30000']);
    const record = observer.records.find((r) => r.answer.decision_id === first.headers['x-leash-decision-id'] && r.upstreamCall);
    expect(record?.upstreamCall).toMatchObject({ upstream: 'meteredStripe', status: 200, cost: 30_000 });
  });
});
