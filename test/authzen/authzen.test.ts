// The AuthZEN evaluation API against a real server (example policies, real tokens): the
// request and response examples of the AuthZEN 1.0 specification are accepted unchanged and
// answered in its shape (a subject without a verifiable agent token is denied, never
// trusted); real agent tokens decide as /decide does (limits included); batches follow the
// three evaluation semantics; a subject that is not the token's subject is denied; the PEP
// token, when configured, is required.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type ConfigInput } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, makeKeys, postJson, supportClaims, type TestKeys } from '../server/helpers.ts';
import { exampleBundle } from '../console/fixture.ts';

let keys: TestKeys;
let bundle: string;

async function start(flags: ConfigInput = {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = await buildApp(loadConfig({
    env: {},
    flags: { ...flags, server: { port: 0, logLevel: 'silent' }, bundle: { path: bundle, watch: false }, identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] }, audit: { file: '' } },
  }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  keys = await makeKeys();
  bundle = await exampleBundle(mkdtempSync(join(tmpdir(), 'leash-authzen-')));
}, 120_000);

describe('AuthZEN 1.0: the specification examples', () => {
  let s: { app: FastifyInstance; url: string };
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => s?.app.close());

  it('answers the access evaluation example in its shape, echoing X-Request-ID', async () => {
    const res = await postJson(`${s.url}/access/v1/evaluation`, {
      subject: { type: 'user', id: 'alice@acmecorp.com' },
      resource: { type: 'account', id: '123' },
      action: { name: 'can_read', properties: { method: 'GET' } },
      context: { time: '1985-10-26T01:22-07:00' },
    }, { 'x-request-id': 'bfe9eb29-ab87-4ca3-be83-a1d5d8305716' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('bfe9eb29-ab87-4ca3-be83-a1d5d8305716');
    expect(res.body.decision).toBe(false);
    expect(res.body.context.reason_admin.en).toContain("agent's token is missing");
    expect(Object.keys(res.body).sort()).toEqual(['context', 'decision']);
  });

  it('answers the access evaluations (batch) example with one result per evaluation', async () => {
    const res = await postJson(`${s.url}/access/v1/evaluations`, {
      subject: { type: 'user', id: 'alice@acmecorp.com' },
      context: { time: '2024-05-31T15:22-07:00' },
      action: { name: 'can_read' },
      evaluations: [
        { resource: { type: 'document', id: 'boxcarring.md' } },
        { resource: { type: 'document', id: 'subject-search.md' } },
        { action: { name: 'can_edit' }, resource: { type: 'document', id: 'resource-search.md' } },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.evaluations).toHaveLength(3);
    for (const e of res.body.evaluations) expect(e).toMatchObject({ decision: false, context: { reason_admin: { en: expect.any(String) } } });
  });

  it('without an evaluations list, /evaluations answers as the single endpoint does', async () => {
    const res = await postJson(`${s.url}/access/v1/evaluations`, { subject: { type: 'user', id: 'a' }, action: { name: 'can_read' }, resource: { type: 'todo', id: '1' } });
    expect(res.body).toMatchObject({ decision: false });
  });

  it('publishes its PDP metadata', async () => {
    const meta = await (await fetch(`${s.url}/.well-known/authzen-configuration`)).json();
    expect(meta).toEqual({ policy_decision_point: s.url, access_evaluation_endpoint: `${s.url}/access/v1/evaluation`, access_evaluations_endpoint: `${s.url}/access/v1/evaluations` });
  });

  it('refuses requests that are not AuthZEN evaluations with 400', async () => {
    for (const body of [{}, { subject: { type: 'user' }, action: { name: 'x' }, resource: { type: 't', id: '1' } }, { subject: { type: 'user', id: 'a' }, resource: { type: 't', id: '1' } }]) {
      const res = await postJson(`${s.url}/access/v1/evaluation`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_request' });
    }
  });
});

describe('AuthZEN with real agent tokens', () => {
  let s: { app: FastifyInstance; url: string };
  beforeAll(async () => {
    s = await start();
  });
  afterAll(async () => s?.app.close());

  const evaluation = (token: string, path: string, actionName = 'can_read', subjectId = 'support-bot') => ({
    subject: { type: 'agent', id: subjectId, properties: { token } },
    action: { name: actionName },
    resource: { type: 'route', id: path },
  });

  it('decides as /decide does, with the reason and decision id in context', async () => {
    const token = await keys.sign(supportClaims());
    const ok = await postJson(`${s.url}/access/v1/evaluation`, evaluation(token, '/customers/C-771/records/42'));
    expect(ok.body).toMatchObject({ decision: true, context: { id: expect.any(String), leash: { status: 200, rule: 'customerRecords.read', access: 'read' } } });
    const other = await postJson(`${s.url}/access/v1/evaluation`, evaluation(token, '/customers/C-332/records/7'));
    expect(other.body).toMatchObject({ decision: false, context: { reason_admin: { en: 'task scope is customer C-771, request is for C-332' }, reason_user: { 'en-403': 'task scope is customer C-771, request is for C-332' } } });
    const write = await postJson(`${s.url}/access/v1/evaluation`, evaluation(token, '/tickets/T-4891', 'can_update'));
    expect(write.body).toMatchObject({ decision: true, context: { leash: { rule: 'ticket.write', access: 'write', priority: 'high' } } });
    // an encoded traversal is refused as /decide refuses it
    const sneaky = await postJson(`${s.url}/access/v1/evaluation`, evaluation(token, '/customers/C-771/records/..%2f..%2fC-332'));
    expect(sneaky.body).toMatchObject({ decision: false, context: { leash: { code: 'non_canonical_path' } } });
  });

  it('denies a subject that is not the token subject, and a bad token', async () => {
    const token = await keys.sign(supportClaims());
    const mismatch = await postJson(`${s.url}/access/v1/evaluation`, evaluation(token, '/customers/C-771/records/42', 'can_read', 'admin-bot'));
    expect(mismatch.body).toMatchObject({ decision: false, context: { reason_admin: { en: "subject admin-bot is not the subject of the agent's token" } } });
    const forged = `${token.slice(0, -4)}AAAA`;
    const bad = await postJson(`${s.url}/access/v1/evaluation`, evaluation(forged, '/customers/C-771/records/42'));
    expect(bad.body).toMatchObject({ decision: false, context: { leash: { status: 401, code: 'bad_token' } } });
  });

  it('counts limits like any decision: the 6th write in a session is denied with 429', async () => {
    const token = await keys.sign(supportClaims());
    const answers: boolean[] = [];
    for (let i = 0; i < 6; i++) answers.push((await postJson(`${s.url}/access/v1/evaluation`, evaluation(token, '/tickets/T-4891', 'PATCH'))).body.decision);
    expect(answers).toEqual([true, true, true, true, true, false]);
    const last = await postJson(`${s.url}/access/v1/evaluation`, evaluation(token, '/tickets/T-4891', 'PATCH'));
    expect(last.body.context.leash).toMatchObject({ status: 429, code: 'rate_limited' });
  });

  it('batches: execute_all, deny_on_first_deny and permit_on_first_permit', async () => {
    const token = await keys.sign(supportClaims());
    const subject = { type: 'agent', id: 'support-bot', properties: { token } };
    const items = ['/customers/C-771/records/1', '/customers/C-332/records/2', '/customers/C-771/records/3'].map((id) => ({ resource: { type: 'route', id } }));
    const run = async (semantic?: string) => (await postJson(`${s.url}/access/v1/evaluations`, { subject, action: { name: 'GET' }, evaluations: items, ...(semantic ? { options: { evaluations_semantic: semantic } } : {}) })).body.evaluations.map((e: { decision: boolean }) => e.decision);
    expect(await run()).toEqual([true, false, true]);
    expect(await run('deny_on_first_deny')).toEqual([true, false]);
    expect(await run('permit_on_first_permit')).toEqual([true]);
  });

  it('an MCP tool as a resource is decided as the MCP gateway decides a tools/call', async () => {
    const token = await keys.sign({ sub: 'mcp-billing-bot', sid: 's-az', role: 'mcp-billing', client_id: 'k', task: { customerId: 'C-771', maxRefund: 80 } });
    const tool = (args: Record<string, unknown>) => ({ subject: { type: 'agent', id: 'mcp-billing-bot', properties: { token } }, action: { name: 'can_call' }, resource: { type: 'mcp_tool', id: 'refund_payment', properties: { server: 'billing', arguments: args } } });
    expect((await postJson(`${s.url}/access/v1/evaluation`, tool({ customerId: 'C-771', invoiceId: 'I', amount: 20 }))).body).toMatchObject({ decision: true, context: { leash: { rule: 'billing.refundPayment.write' } } });
    expect((await postJson(`${s.url}/access/v1/evaluation`, tool({ customerId: 'C-771', invoiceId: 'I', amount: 200 }))).body.decision).toBe(false);
  });
});

describe('AuthZEN caller authentication', () => {
  it('requires the PEP token when authzen.token is set', async () => {
    const s = await start({ authzen: { token: 'pep-token-0123456789abcdef' } });
    try {
      const body = { subject: { type: 'user', id: 'a' }, action: { name: 'can_read' }, resource: { type: 't', id: '/x' } };
      expect((await postJson(`${s.url}/access/v1/evaluation`, body)).status).toBe(401);
      expect((await postJson(`${s.url}/access/v1/evaluation`, body, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await postJson(`${s.url}/access/v1/evaluation`, body, { authorization: 'Bearer pep-token-0123456789abcdef' })).status).toBe(200);
    } finally {
      await s.app.close();
    }
  });
});
