// The three decision endpoints on a real server with a real compiled policy and the real
// opa-wasm SDK: /decide, the OPA data API (Kong and Envoy input shapes) and forward auth
// (/authz with X-Forwarded-*, X-Original-*, and Envoy's /authz/<path>); limits answer 429
// with Retry-After; credentials never reach the policy input, the observer or the logs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { compileRego, makeKeys, postJson, startServer, supportClaims, writeRegoBundle, type Running, type TestKeys } from './helpers.ts';

const REGO = `package leash

default decision := {"allow": false, "access": "read", "rule": null, "reasons": ["no rule matches"], "limits": [], "priority": "normal"}

decision := {"allow": true, "access": "read", "rule": "records.read", "reasons": [], "limits": [{"id": "records.read/session", "scope": "session", "key": input.agent.session, "max": 3, "window": "session", "cost": 1}], "priority": "normal"} if {
	input.request.method == "GET"
	data.records[input.request.path] == input.agent.task.customerId
	not input.request.headers.authorization
}

decision := {"allow": false, "access": "read", "rule": "records.read", "reasons": ["task scope is another customer"], "limits": [], "priority": "normal"} if {
	input.request.method == "GET"
	data.records[input.request.path] != input.agent.task.customerId
}

decision := {"allow": true, "access": "write", "rule": "tickets.write", "reasons": [], "limits": [{"id": "tickets.write/session", "scope": "session", "key": input.agent.session, "max": 5, "window": "session", "cost": 1}], "priority": "high"} if {
	input.request.method in {"PATCH", "PUT", "POST"}
	data.tickets[input.request.path] == input.agent.task.ticketId
}
`;
const DATA = {
  records: { '/customers/C-771/records/1': 'C-771', '/customers/C-771/records/2': 'C-771', '/customers/C-332/records/7': 'C-332' },
  tickets: { '/tickets/T-4891': 'T-4891', '/tickets/T-1': 'T-1' },
};

let keys: TestKeys;
let srv: Running;
let revision: string;
const fresh = () => keys.sign(supportClaims());

beforeAll(async () => {
  keys = await makeKeys();
  const bundle = join(keys.dir, 'bundle.tar.gz');
  revision = await writeRegoBundle(bundle, REGO, await compileRego(REGO), DATA);
  srv = await startServer(keys, { bundle: { path: bundle } });
});
afterAll(async () => srv?.close());

describe('POST /decide', () => {
  it('allows the task customer, denies another, allows the task ticket write only', async () => {
    const token = await fresh();
    const ok = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/customers/C-771/records/1', token });
    expect(ok.body).toMatchObject({ allow: true, status: 200, rule: 'records.read', access: 'read', revision });
    expect(ok.body.headers).toMatchObject({ 'RateLimit-Limit': '3', 'RateLimit-Remaining': '2', 'x-leash-agent': 'support-bot' });
    const other = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/customers/C-332/records/7', token });
    expect(other.body).toMatchObject({ allow: false, status: 403, reasons: ['task scope is another customer'] });
    const write = await postJson(`${srv.url}/decide`, { method: 'PATCH', path: '/tickets/T-4891', token });
    expect(write.body).toMatchObject({ allow: true, status: 200, access: 'write', priority: 'high' });
    const otherTicket = await postJson(`${srv.url}/decide`, { method: 'PATCH', path: '/tickets/T-1', token });
    expect(otherTicket.body).toMatchObject({ allow: false, status: 403 });
  });

  it('removes credentials before the policy, the observer and the logs see the request', async () => {
    const token = await fresh();
    const headers = { Authorization: `Bearer ${token}`, Cookie: 'session=cookie-secret-1', 'X-Api-Key': 'api-key-secret-2', 'X-Trace': 'trace-7' };
    const res = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/customers/C-771/records/2?access_token=query-secret-3&fields=name', headers });
    // The policy allows only when it sees no authorization header: it saw none.
    expect(res.body).toMatchObject({ allow: true, status: 200 });
    const record = srv.observer.records.find((r) => r.answer.decision_id === res.body.decision_id)!;
    expect(record.answer.input!.request.headers).toEqual({ 'x-trace': 'trace-7' });
    expect(record.answer.input!.request.query).toEqual({ fields: 'name' });
    expect(record.answer.input!.request.path).toBe('/customers/C-771/records/2');
    const seen = JSON.stringify(record) + JSON.stringify(res.body) + srv.logs.text;
    for (const secret of [token, 'cookie-secret-1', 'api-key-secret-2', 'query-secret-3']) expect(seen).not.toContain(secret);
  });
});

describe('POST /v1/data/leash/decision', () => {
  it("answers Kong's OPA plugin input with allow/status/headers/message", async () => {
    const token = await fresh();
    const kong = (path: string) => ({ input: { request: { http: { method: 'GET', path, headers: { authorization: `Bearer ${token}`, host: 'api' }, querystring: { page: '2', flag: true } } } } });
    const ok = await postJson(`${srv.url}/v1/data/leash/decision`, kong('/customers/C-771/records/1'));
    expect(ok.status).toBe(200);
    expect(ok.body.decision_id).toBe(ok.body.result.decision_id);
    expect(ok.body.result).toMatchObject({ allow: true, status: 200, message: 'allowed', headers: { 'x-leash-session': expect.any(String) } });
    const denied = await postJson(`${srv.url}/v1/data/leash/decision`, kong('/customers/C-332/records/7'));
    expect(denied.body.result).toMatchObject({ allow: false, status: 403, message: 'task scope is another customer' });
    const record = srv.observer.records.find((r) => r.answer.decision_id === ok.body.decision_id)!;
    expect(record.request.via).toBe('data-api');
    expect(record.answer.input!.request.query).toEqual({ page: '2', flag: '' });
  });

  it('reads OPA-Envoy input (query string in the path) and answers allowed/http_status too', async () => {
    const token = await fresh();
    const envoy = { input: { attributes: { request: { http: { method: 'GET', path: '/customers/C-771/records/1?fields=name', headers: { authorization: `Bearer ${token}` } } } } } };
    const res = await postJson(`${srv.url}/v1/data/leash/decision`, envoy);
    expect(res.body.result).toMatchObject({ allow: true, allowed: true, status: 200, http_status: 200 });
    const noToken = await postJson(`${srv.url}/v1/data/leash/decision`, { input: { attributes: { request: { http: { method: 'GET', path: '/x', headers: {} } } } } });
    expect(noToken.body.result).toMatchObject({ allow: false, status: 401, code: 'bad_token', reason_code: 'missing_token' });
  });

  it('data/leash/allow is a boolean', async () => {
    const token = await fresh();
    const input = (path: string) => ({ input: { method: 'GET', path, token } });
    expect((await postJson(`${srv.url}/v1/data/leash/allow`, input('/customers/C-771/records/1'))).body.result).toBe(true);
    expect((await postJson(`${srv.url}/v1/data/leash/allow`, input('/customers/C-332/records/7'))).body.result).toBe(false);
  });
});

describe('forward auth /authz', () => {
  it('answers 200 with identity headers, 403 out of scope, 401 without a token', async () => {
    const token = await fresh();
    const ok = await fetch(`${srv.url}/authz`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/customers/C-771/records/1' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-leash-agent')).toBe('support-bot');
    expect(ok.headers.get('x-leash-decision-id')).toMatch(/^[0-9a-f-]{36}$/);
    const nginx = await fetch(`${srv.url}/authz`, { headers: { authorization: `Bearer ${token}`, 'x-original-method': 'GET', 'x-original-uri': '/customers/C-332/records/7' } });
    expect(nginx.status).toBe(403);
    expect(((await nginx.json()) as any).reasons).toEqual(['task scope is another customer']);
    const anon = await fetch(`${srv.url}/authz`, { method: 'POST', headers: { 'x-forwarded-method': 'PATCH', 'x-forwarded-uri': '/tickets/T-4891', 'content-type': 'application/octet-stream' }, body: 'raw' });
    expect(anon.status).toBe(401);
    expect(((await anon.json()) as any).reason_code).toBe('missing_token');
  });

  it('answers 429 with Retry-After once the session limit is used up', async () => {
    const token = await fresh();
    const ask = () => fetch(`${srv.url}/authz`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-method': 'GET', 'x-forwarded-uri': 'https://api.example/customers/C-771/records/1' } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await ask()).status);
    expect(statuses).toEqual([200, 200, 200]);
    const limited = await ask();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(((await limited.json()) as any).code).toBe('rate_limited');
  });

  it("serves Envoy's ext_authz HTTP service at /authz/<original path> with the original method", async () => {
    const token = await fresh();
    const get = await fetch(`${srv.url}/authz/customers/C-771/records/1?fields=name`, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(200);
    const patch = await fetch(`${srv.url}/authz/tickets/T-1`, { method: 'PATCH', headers: { authorization: `Bearer ${token}` } });
    expect(patch.status).toBe(403);
  });

  it('counts decisions per endpoint in /metrics, and no token ever reached the log', async () => {
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/leash_decisions_total\{result="allow",rule="records.read",access="read",via="authz"\} \d+/);
    expect(metrics).toMatch(/leash_decisions_total\{result="rate_limited",rule="records.read",access="read",via="authz"\} 1/);
    expect(metrics).toMatch(/leash_decisions_total\{result="unauthenticated",rule="none",access="write",via="authz"\} 1/);
    expect(srv.logs.text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  });
});
