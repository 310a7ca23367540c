// The credential proxy end to end on loopback: real Leash app, real agent JWTs, a local
// server standing in for Stripe. The agent never holds or sees the Stripe key; the policy
// decides before anything reaches the upstream; limits and budgets hold per agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { form, rawRequest } from './client.ts';
import {
  billingClaims, DAILY_BUDGET, DAILY_CALLS, makeKeys, startFakeUpstream, startProxyServer, STRIPE_KEY,
  type FakeUpstream, type Keys, type ProxyServer,
} from './helpers.ts';

let keys: Keys;
let fake: FakeUpstream;
let leash: ProxyServer;

beforeAll(async () => {
  keys = await makeKeys();
  fake = await startFakeUpstream();
  leash = await startProxyServer(keys, { upstreamUrl: fake.url, limits: { headersTimeoutMs: 1_000 } });
});
afterAll(async () => {
  await leash?.close();
  await fake?.close();
});

async function refund(token: string, fields: Record<string, string | number>, extra: Record<string, string> = {}) {
  return rawRequest(leash.url, '/proxy/stripe/v1/refunds', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded', ...extra },
    body: form(fields),
  });
}

const receivedSince = (n: number) => fake.received.slice(n);

describe('an allowed refund', () => {
  it('reaches the upstream with the real key, and the agent never sees the key', async () => {
    const token = await keys.sign(billingClaims('billing-bot-1', 'ch_3MmlLr', 5000));
    const before = fake.received.length;
    const body = form({ charge: 'ch_3MmlLr', amount: 1200, 'metadata[ticket]': 'T-1' });
    const res = await rawRequest(leash.url, '/proxy/stripe/v1/refunds', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded', cookie: 'agent=1', 'stripe-version': '2024-06-20' },
      body,
    });
    expect(res.status).toBe(200);
    const [got] = receivedSince(before);
    expect(got?.url).toBe('/v1/refunds');
    expect(got?.headers['authorization']).toBe(`Bearer ${STRIPE_KEY}`);
    expect(got?.body.toString('utf8')).toBe(body);
    expect(got?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(got?.headers['stripe-version']).toBe('2024-06-20');
    expect(got?.headers['cookie']).toBeUndefined();
    expect(JSON.stringify(got?.headers)).not.toContain(token);
    // The upstream echoed its request headers in the body and in a header: both masked.
    expect(res.text()).not.toContain(STRIPE_KEY);
    expect(res.json().headers.authorization).toBe(`Bearer ${'*'.repeat(STRIPE_KEY.length)}`);
    expect(res.headers['x-echo-authorization']).toBe(`Bearer ${'*'.repeat(STRIPE_KEY.length)}`);
    expect(JSON.stringify(res.headers)).not.toContain(STRIPE_KEY);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['alt-svc']).toBeUndefined();
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['x-leash-decision-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is audited with the agent identity and the upstream call (status, duration, cost)', async () => {
    const token = await keys.sign(billingClaims('billing-bot-audit', 'ch_audit', 900));
    const res = await refund(token, { charge: 'ch_audit', amount: 700 });
    expect(res.status).toBe(200);
    const id = res.headers['x-leash-decision-id'];
    const records = leash.observer.records.filter((r) => r.answer.decision_id === id);
    const decision = records.find((r) => r.upstreamCall === undefined);
    const call = records.find((r) => r.upstreamCall !== undefined);
    expect(decision?.request.via).toBe('proxy');
    expect(decision?.answer.input?.upstream).toBe('stripe');
    expect(decision?.answer.input?.request.body).toEqual({ charge: 'ch_audit', amount: 700 });
    expect(call?.answer.agent?.id).toBe('billing-bot-audit');
    expect(call?.upstreamCall).toMatchObject({ upstream: 'stripe', status: 200, cost: 700 });
    expect(call?.upstreamCall?.durationMs).toBeGreaterThanOrEqual(0);
    expect(call?.answer.priority).toBe('high');
    expect(JSON.stringify(leash.observer.records)).not.toContain(STRIPE_KEY);
    expect(JSON.stringify(leash.observer.records)).not.toContain(token);
    expect(leash.logs.text).not.toContain(STRIPE_KEY);
  });
});

describe('denied refunds never reach the upstream', () => {
  it('another charge, an amount over the cap, another endpoint, no token', async () => {
    const token = await keys.sign(billingClaims('billing-bot-2', 'ch_mine', 5000));
    const before = fake.received.length;
    const other = await refund(token, { charge: 'ch_someone_else', amount: 100 });
    expect(other.status).toBe(403);
    expect(other.json()).toMatchObject({ code: 'denied', reasons: ['refunds are allowed only for charge ch_mine'] });
    const over = await refund(token, { charge: 'ch_mine', amount: 5001 });
    expect(over.status).toBe(403);
    expect(over.json().message).toContain('at most 5000');
    const charges = await rawRequest(leash.url, '/proxy/stripe/v1/charges', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: form({ amount: 100 }) });
    expect(charges.status).toBe(403);
    const anonymous = await rawRequest(leash.url, '/proxy/stripe/v1/refunds', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form({ charge: 'ch_mine', amount: 1 }) });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().code).toBe('bad_token');
    // The Stripe SDK's own key slot (HTTP Basic) works as the token slot too; a wrong one is refused.
    const basic = await refund('x', { charge: 'ch_mine', amount: 1 }, { authorization: `Basic ${Buffer.from(`${token}:`).toString('base64')}` });
    expect(basic.status).toBe(200);
    expect(receivedSince(before)).toHaveLength(1);
    for (const res of [other, over, charges, anonymous]) expect(res.text()).not.toContain(STRIPE_KEY);
    // One audit record per denial (the decision's own), high priority: it alerts once, at once.
    const denial = leash.observer.records.filter((r) => r.answer.decision_id === other.headers['x-leash-decision-id']);
    expect(denial).toHaveLength(1);
    expect(denial[0]?.answer).toMatchObject({ allow: false, access: 'write', priority: 'high' });
    expect(denial[0]?.upstreamCall).toBeUndefined();
  });

  it('ambiguous bodies are refused before the decision: repeated fields, duplicate JSON keys', async () => {
    const token = await keys.sign(billingClaims('billing-bot-3', 'ch_x', 5000));
    const before = fake.received.length;
    const dup = await rawRequest(leash.url, '/proxy/stripe/v1/refunds', {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'charge=ch_x&amount=1&amount=99999',
    });
    expect(dup.status).toBe(400);
    expect(dup.json()).toMatchObject({ code: 'invalid_body' });
    const json = await rawRequest(leash.url, '/proxy/stripe/v1/refunds', {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"charge":"ch_x","amount":1,"amount":99999}',
    });
    expect(json.status).toBe(400);
    const text = await rawRequest(leash.url, '/proxy/stripe/v1/refunds', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'charge=ch_x&amount=1' });
    expect(text.status).toBe(415);
    expect(text.json().code).toBe('body_not_inspectable');
    expect(receivedSince(before)).toHaveLength(0);
  });

  it('a body over the inspect limit is 413 on a policy-checked route', async () => {
    const token = await keys.sign(billingClaims('billing-bot-4', 'ch_x', 5000));
    const before = fake.received.length;
    const res = await rawRequest(leash.url, '/proxy/stripe/v1/refunds', {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ charge: 'ch_x', amount: 1, pad: 'x'.repeat(1_100_000) }),
    });
    expect(res.status).toBe(413);
    expect(res.json().code).toBe('body_too_large');
    expect(receivedSince(before)).toHaveLength(0);
  });
});

describe('limits and budgets per agent, two agents sharing one API key', () => {
  it(`allows ${DAILY_CALLS} calls a day per agent; the 21st is 429 and never forwarded; the other agent is unaffected`, async () => {
    const first = await keys.sign(billingClaims('billing-bot-limit-a', 'ch_a', 100, 'key-shared'));
    const second = await keys.sign(billingClaims('billing-bot-limit-b', 'ch_b', 100, 'key-shared'));
    const before = fake.received.length;
    for (let i = 0; i < DAILY_CALLS; i++) expect((await refund(first, { charge: 'ch_a', amount: 1 })).status).toBe(200);
    const over = await refund(first, { charge: 'ch_a', amount: 1 });
    expect(over.status).toBe(429);
    expect(over.json().code).toBe('rate_limited');
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(receivedSince(before)).toHaveLength(DAILY_CALLS);
    expect((await refund(second, { charge: 'ch_b', amount: 1 })).status).toBe(200);
    expect(receivedSince(before)).toHaveLength(DAILY_CALLS + 1);
  });

  it('counts refunded amounts against the per-agent daily budget', async () => {
    const cap = 30_000;
    const token = await keys.sign(billingClaims('billing-bot-budget', 'ch_big', cap));
    const peer = await keys.sign(billingClaims('billing-bot-budget-peer', 'ch_big', cap));
    const before = fake.received.length;
    expect((await refund(token, { charge: 'ch_big', amount: cap })).status).toBe(200);
    const over = await refund(token, { charge: 'ch_big', amount: DAILY_BUDGET - cap + 1 });
    expect(over.status).toBe(429);
    expect((await refund(token, { charge: 'ch_big', amount: DAILY_BUDGET - cap })).status).toBe(200);
    expect((await refund(token, { charge: 'ch_big', amount: 1 })).status).toBe(429);
    expect((await refund(peer, { charge: 'ch_big', amount: cap })).status).toBe(200);
    expect(receivedSince(before).map((r) => new URLSearchParams(r.body.toString()).get('amount'))).toEqual([String(cap), String(DAILY_BUDGET - cap), String(cap)]);
  });
});

describe('the target stays on the configured base URL', () => {
  it.each([
    '/proxy/lab/../admin',
    '/proxy/lab/x/..%2f..%2fadmin',
    '/proxy/lab/%2e%2e/admin',
    '/proxy/lab/x%2F..%2F..%2Fadmin',
    '/proxy/lab/x\\..\\admin',
    '/proxy/lab/%252e%252e/admin',
    '/proxy/lab//evil.example/x',
    '/proxy/lab/http://evil.example/',
    '/proxy/lab@evil.example/x',
    '/proxy/lab/x/..;/admin',
  ])('%s is refused with 400 and reaches nothing', async (path) => {
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const before = fake.received.length;
    const res = await rawRequest(leash.url, path, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(400);
    expect(res.json().code).toBe('unsafe_path');
    expect(receivedSince(before)).toHaveLength(0);
  });

  it('an absolute-form request target cannot pick another host', async () => {
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const before = fake.received.length;
    const res = await rawRequest(leash.url, 'http://evil.example/proxy/lab/x', { headers: { authorization: `Bearer ${token}` } });
    expect([400, 404]).toContain(res.status);
    expect(receivedSince(before)).toHaveLength(0);
  });

  it('ordinary paths land under the base path, with the query as sent', async () => {
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const before = fake.received.length;
    const res = await rawRequest(leash.url, '/proxy/lab/v1/items/a%20b/?expand[]=x&q=1', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(receivedSince(before).map((r) => r.url)).toEqual(['/base/v1/items/a%20b/?expand[]=x&q=1']);
  });

  it('redirects are returned, not followed: elsewhere unchanged, under the base mapped onto the proxy', async () => {
    fake.on('/base/redirect-away', (_req, res) => res.writeHead(302, { location: 'https://evil.example/collect' }).end());
    fake.on('/base/redirect-home', (_req, res) => res.writeHead(303, { location: `${fake.url}/base/v1/next?page=2` }).end());
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const before = fake.received.length;
    const away = await rawRequest(leash.url, '/proxy/lab/redirect-away', { headers: { authorization: `Bearer ${token}` } });
    expect(away.status).toBe(302);
    expect(away.headers['location']).toBe('https://evil.example/collect');
    const home = await rawRequest(leash.url, '/proxy/lab/redirect-home', { headers: { authorization: `Bearer ${token}` } });
    expect(home.status).toBe(303);
    expect(home.headers['location']).toBe('/proxy/lab/v1/next?page=2');
    expect(receivedSince(before).map((r) => r.url)).toEqual(['/base/redirect-away', '/base/redirect-home']);
  });
});

describe('headers and encodings', () => {
  it('strips hop-by-hop headers, connection-listed headers and the agent credentials', async () => {
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const before = fake.received.length;
    await rawRequest(leash.url, '/proxy/lab/h', {
      headers: {
        authorization: `Bearer ${token}`, 'proxy-authorization': 'Basic eDp5', cookie: 'a=b', connection: 'keep-alive, x-private', 'x-private': 'p',
        'keep-alive': 'timeout=5', te: 'trailers', upgrade: 'h2c', 'x-forwarded-for': '10.0.0.1', 'x-leash-token': token, 'accept-encoding': 'gzip', 'x-kept': 'yes',
      },
    });
    const headers = receivedSince(before)[0]?.headers ?? {};
    for (const name of ['proxy-authorization', 'cookie', 'x-private', 'keep-alive', 'te', 'upgrade', 'x-forwarded-for', 'x-leash-token']) expect(headers[name]).toBeUndefined();
    expect(headers['authorization']).toBe(`Bearer ${STRIPE_KEY}`);
    expect(headers['accept-encoding']).toBe('identity');
    expect(headers['x-kept']).toBe('yes');
    expect(headers['host']).toBe(new URL(fake.url).host);
  });

  it('a query-parameter credential replaces the agent one and is masked when echoed back', async () => {
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const before = fake.received.length;
    const res = await rawRequest(leash.url, '/proxy/qlab/v1/x?key=agent-supplied&a=1', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(receivedSince(before)[0]?.url).toBe(`/base/v1/x?a=1&key=${encodeURIComponent(STRIPE_KEY)}`);
    expect(res.text()).not.toContain(STRIPE_KEY);
    expect(res.json().url).toBe(`/base/v1/x?a=1&key=${'*'.repeat(STRIPE_KEY.length)}`);
  });

  it('a compressed upstream answer is decoded so the key can be scrubbed from it', async () => {
    fake.on('/base/gzip', (req, res) => {
      const payload = gzipSync(Buffer.from(JSON.stringify({ seen: req.headers['authorization'] })));
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(payload.length) }).end(payload);
    });
    fake.on('/base/zstd', (_req, res) => res.writeHead(200, { 'content-encoding': 'zstd' }).end('????'));
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const res = await rawRequest(leash.url, '/proxy/lab/gzip', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toEqual({ seen: `Bearer ${'*'.repeat(STRIPE_KEY.length)}` });
    const unknown = await rawRequest(leash.url, '/proxy/lab/zstd', { headers: { authorization: `Bearer ${token}` } });
    expect(unknown.status).toBe(502);
    expect(unknown.json().code).toBe('upstream_error');
  });
});

describe('upstream failures', () => {
  it('a slow upstream is 504 with a reason', async () => {
    fake.on('/base/slow', () => {
      /* never answers */
    });
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const res = await rawRequest(leash.url, '/proxy/lab/slow', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(504);
    expect(res.json()).toMatchObject({ code: 'upstream_timeout', message: 'lab did not answer within 1000 ms' });
    const call = leash.observer.records.find((r) => r.answer.decision_id === res.json().decision_id && r.upstreamCall);
    expect(call?.upstreamCall).toMatchObject({ upstream: 'lab', status: 504, cost: 1 });
  });

  it('an unreachable upstream is 502 with a reason, and the error never holds the key', async () => {
    const token = await keys.sign(billingClaims('lab-bot', 'ch', 1));
    const res = await rawRequest(leash.url, '/proxy/dead/v1/x?key=1', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(502);
    expect(res.json()).toMatchObject({ code: 'upstream_unreachable', message: 'dead refused the connection' });
    expect(res.text()).not.toContain(STRIPE_KEY);
  });

  it('an unknown upstream is 404', async () => {
    const res = await rawRequest(leash.url, '/proxy/nope/v1/x');
    expect(res.status).toBe(404);
    expect(res.json().code).toBe('unknown_upstream');
  });
});
