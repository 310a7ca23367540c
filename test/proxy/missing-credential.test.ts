// An upstream whose credential is not configured: a warning naming what is missing when
// the server starts, then 503 with that reason at call time, before any decision is made
// (no budget burned) and without contacting the upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from './client.ts';
import { billingClaims, makeKeys, startFakeUpstream, startProxyServer, type FakeUpstream, type Keys, type ProxyServer } from './helpers.ts';

let keys: Keys;
let fake: FakeUpstream;
let leash: ProxyServer;

beforeAll(async () => {
  keys = await makeKeys();
  fake = await startFakeUpstream();
  leash = await startProxyServer(keys, { upstreamUrl: fake.url, env: {} });
});
afterAll(async () => {
  await leash?.close();
  await fake?.close();
});

describe('a missing credential', () => {
  it('is a warning at start', () => {
    const warnings = leash.logs.text.split('\n').filter((l) => l.includes('"level":40'));
    expect(warnings.some((l) => l.includes('upstream stripe: environment variable STRIPE_API_KEY is not set; its calls will answer 503'))).toBe(true);
  });

  it('is 503 with the reason at call time; nothing is decided or forwarded', async () => {
    const token = await keys.sign(billingClaims('billing-bot', 'ch_1', 100));
    const res = await rawRequest(leash.url, '/proxy/stripe/v1/refunds', {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'charge=ch_1&amount=1',
    });
    expect(res.status).toBe(503);
    expect(res.json()).toEqual({ code: 'credential_missing', message: 'upstream stripe has no credential: environment variable STRIPE_API_KEY is not set' });
    expect(fake.received).toHaveLength(0);
    expect(leash.observer.records).toHaveLength(0);
  });
});
