// Missing data never turns a deny into an allow, and every denial says what kind it is: the
// refund policy a user writes from the docs, served beside the example policies by a real
// server, asked through /decide (with and without the body) and /authz (never a body).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JWTPayload } from 'jose';
import { evaluateReference, type PolicyInput } from '../../compiler/index.ts';
import refundAgent from '../fixtures/refunds/refund-agent.policy.ts';
import { buildBundleFile, makeKeys, postJson, startServer, supportClaims, type Running, type TestKeys } from '../server/helpers.ts';

let keys: TestKeys;
let srv: Running;
let warnings: string;

beforeAll(async () => {
  const built = await buildBundleFile(['policies', 'test/fixtures/refunds'], { warnings: true });
  warnings = built.diagnostics;
  keys = await makeKeys();
  srv = await startServer(keys, { bundle: { path: built.path } });
}, 180_000);
afterAll(async () => {
  await srv?.close();
});

const refundClaims = (): JWTPayload => ({ sub: 'refund-bot', sid: `s-${Math.random().toString(36).slice(2, 10)}`, role: 'refunds', client_id: 'key-5', task: { customerId: 'C-771' } });

async function decide(claims: JWTPayload, method: string, path: string, body?: unknown) {
  const res = await postJson(`${srv.url}/decide`, { token: await keys.sign(claims), method, path, ...(body === undefined ? {} : { body }) });
  expect(res.status).toBe(200);
  return res.body as { allow: boolean; status: number; code?: string; class: string | null; rule: string | null; reasons: string[]; resources: string[] };
}

async function authz(claims: JWTPayload, method: string, uri: string) {
  const res = await fetch(`${srv.url}/authz`, { headers: { authorization: `Bearer ${await keys.sign(claims)}`, 'x-forwarded-method': method, 'x-forwarded-uri': uri } });
  return { status: res.status, body: (await res.json()) as { allow: boolean; code?: string; reasons: string[] } };
}

describe('a deny over the body', () => {
  it('denies a refund over the amount as a business rule, and allows one under it', async () => {
    const big = await decide(refundClaims(), 'POST', '/customers/C-771/refunds', { amount: 9_000_000 });
    expect(big).toMatchObject({ allow: false, status: 403, class: 'business', rule: 'refunds.tooLarge', reasons: ['refunds over 500.00 need a human'], resources: ['refund-agent/refunds'] });
    expect(big.code).toBeUndefined();
    const small = await decide(refundClaims(), 'POST', '/customers/C-771/refunds', { amount: 1200 });
    expect(small).toMatchObject({ allow: true, status: 200, class: null, rule: 'refunds.write', resources: ['refund-agent/refunds'] });
  });

  it('denies when the field the deny reads is absent or not a number, naming the rule (class input)', async () => {
    const undecided = 'rule refunds.tooLarge cannot be decided: data its condition reads is missing or of another type';
    for (const body of [{}, { amount: 'lots' }, { amount: [1] }, { note: 'x' }]) {
      const d = await decide(refundClaims(), 'POST', '/customers/C-771/refunds', body);
      expect(d, JSON.stringify(body)).toMatchObject({ allow: false, status: 403, class: 'input', rule: 'refunds.tooLarge' });
      // the server names an absent field; a field of another type is only "cannot be decided"
      expect(d.reasons).toEqual('amount' in body ? [undecided] : [undecided, 'missing for rule refunds.tooLarge: body.amount']);
    }
  });

  it('a guarded field is optional: `\'customer\' in body &&` is false when absent, a scope deny when it names another customer', async () => {
    expect(await decide(refundClaims(), 'POST', '/customers/C-771/refunds', { amount: 10 })).toMatchObject({ allow: true });
    expect(await decide(refundClaims(), 'POST', '/customers/C-771/refunds', { amount: 10, customer: 'C-332' }))
      .toMatchObject({ allow: false, class: 'scope', rule: 'refunds.otherCustomer' });
  });

  it('denies a request without a body, and every /authz request for the resource, with body_unavailable before limits', async () => {
    const claims = refundClaims();
    const none = await decide(claims, 'POST', '/customers/C-771/refunds');
    expect(none).toMatchObject({ allow: false, status: 403, code: 'body_unavailable', class: 'input', resources: ['refund-agent/refunds'] });
    expect(none.reasons[0]).toBe('resource refund-agent/refunds reads the request body, which this request did not carry');
    // the nine-million-cent refund that forward-auth gateways let through before
    for (let i = 0; i < 5; i++) {
      const a = await authz(claims, 'POST', '/customers/C-771/refunds');
      expect(a.status).toBe(403);
      expect(a.body).toMatchObject({ allow: false, code: 'body_unavailable' });
      expect(a.body.reasons[0]).toContain('nginx and Caddy never send it to /authz');
    }
    // no limit was spent by those: the session still has its 3 refunds
    for (let i = 0; i < 3; i++) expect(await decide(claims, 'POST', '/customers/C-771/refunds', { amount: 5 })).toMatchObject({ allow: true });
    expect(await decide(claims, 'POST', '/customers/C-771/refunds', { amount: 5 })).toMatchObject({ allow: false, status: 429, code: 'rate_limited', class: 'limit' });
  });

  it('Envoy ext_authz with with_request_body (/authz/<path>) sends the body, and the body rules decide', async () => {
    const envoy = async (body: string | undefined, type = 'application/json') => {
      const res = await fetch(`${srv.url}/authz/customers/C-771/refunds`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await keys.sign(refundClaims())}`, ...(body === undefined ? {} : { 'content-type': type }) },
        ...(body === undefined ? {} : { body }),
      });
      return { status: res.status, body: (await res.json()) as { code?: string; reasons?: string[] } };
    };
    expect((await envoy(JSON.stringify({ amount: 1200 }))).status).toBe(200);
    expect(await envoy(JSON.stringify({ amount: 9_000_000 }))).toMatchObject({ status: 403, body: { reasons: ['refunds over 500.00 need a human'] } });
    expect((await envoy('amount=9000000', 'application/x-www-form-urlencoded')).status).toBe(403);
    expect(await envoy(undefined)).toMatchObject({ status: 403, body: { code: 'body_unavailable' } });
    // a body the policy cannot read unambiguously is refused, never decided as absent
    expect(await envoy('{"amount": 1, "amount": 9000000}')).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    expect(await envoy('{"amount": ')).toMatchObject({ status: 400, body: { code: 'malformed_json' } });
    // a body of a type the policy cannot inspect is no body: body rules cannot be decided on it
    expect(await envoy('9000000', 'text/plain')).toMatchObject({ status: 403, body: { code: 'body_unavailable' } });
  });

  it('/authz still decides the resources that read no body (invoice reads), and out of scope is class scope', async () => {
    expect((await authz(refundClaims(), 'GET', '/customers/C-771/invoices/9')).status).toBe(200);
    const other = await decide(refundClaims(), 'GET', '/customers/C-332/invoices/9');
    expect(other).toMatchObject({ allow: false, class: 'scope', rule: 'invoices.read', reasons: ['invoices of customer C-771 only'] });
  });

  it('never touches another policy\'s agents: a support PATCH carrying amount 60000 is allowed', async () => {
    const d = await decide(supportClaims(), 'PATCH', '/tickets/T-4891', { amount: 60000 });
    expect(d).toMatchObject({ allow: true, rule: 'ticket.write', resources: ['support-agent/ticket'] });
  });

  it('audits the class and the resources; identity and refusals have their classes too', async () => {
    const before = srv.observer.records.length;
    await decide(refundClaims(), 'POST', '/customers/C-771/refunds', { amount: 9_000_000 });
    const res = await postJson(`${srv.url}/decide`, { token: 'not-a-token', method: 'GET', path: '/customers/C-771/invoices/1' });
    expect(res.body).toMatchObject({ allow: false, status: 401, code: 'bad_token', class: 'identity' });
    expect(await decide(refundClaims(), 'GET', '/customers/C-771/invoices/..%2f..%2fC-332')).toMatchObject({ status: 400, code: 'non_canonical_path', class: 'scope' });
    const answers = srv.observer.records.slice(before).map((r) => r.answer);
    expect(answers.map((a) => a.class)).toEqual(['business', 'identity', 'scope']);
    expect(answers[0]!.resources).toEqual(['refund-agent/refunds']);
  });

  it('leash check warns about the body-reading resource', () => {
    expect(warnings).toContain('warning: leash_reads_body: resource refund-agent/refunds reads the request body');
  });
});

describe('the plain-JS reference agrees', () => {
  const input = (body: unknown): PolicyInput => ({
    agent: { id: 'refund-bot', session: 's-1', key: 'key-5', claims: refundClaims(), task: { customerId: 'C-771' } },
    request: { method: 'POST', path: '/customers/C-771/refunds', query: {}, headers: {}, body },
    upstream: null,
    now: 0,
  });
  it('on the same bodies', () => {
    expect(evaluateReference([refundAgent], input({ amount: 9_000_000 }))).toMatchObject({ allow: false, class: 'business', rule: 'refunds.tooLarge' });
    expect(evaluateReference([refundAgent], input({}))).toMatchObject({ allow: false, class: 'input', rule: 'refunds.tooLarge' });
    expect(evaluateReference([refundAgent], input(null))).toMatchObject({ allow: false, class: 'input' });
    expect(evaluateReference([refundAgent], input({ amount: 5, customer: 'C-332' }))).toMatchObject({ allow: false, class: 'scope', rule: 'refunds.otherCustomer' });
    expect(evaluateReference([refundAgent], input({ amount: 5 }))).toMatchObject({ allow: true, class: null, resources: ['refund-agent/refunds'] });
  });
});
