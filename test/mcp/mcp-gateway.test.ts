// The MCP gateway end to end with real parts: a billing MCP server built with the official
// @modelcontextprotocol/sdk, the example policies compiled into a real bundle, a real Leash
// server, real tokens, and the SDK's own client talking to Leash over streamable HTTP (the
// server answering in JSON, then in server-sent events). Allowed calls are forwarded with the
// server's credential; denied ones are JSON-RPC errors that never reach the server;
// arguments are checked; the 4th refund in a session is refused; tools/list is filtered;
// the credential never reaches the agent; batches mix forwarded and refused calls; the
// server's session is bound to the agent session that opened it; tokens for another audience
// are refused as MCP requires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, LogCapture, makeKeys, type TestKeys } from '../server/helpers.ts';
import { exampleBundle } from '../console/fixture.ts';
import { startBillingMcp, type BillingMcp } from './fixture.ts';

const RESOURCE_BASE = 'https://leash.test';
const BILLING = `${RESOURCE_BASE}/mcp/billing`;
const UPSTREAM_SECRET = 'mcp-upstream-secret-9f8e7d6c5b4a';
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'mcp-billing-bot', sid: `s-${Math.random().toString(36).slice(2, 10)}`, role: 'mcp-billing', client_id: 'key-7',
  task: { customerId: 'C-771', maxRefund: 80 }, ...extra,
});

interface Leash { app: FastifyInstance; url: string; logs: LogCapture; audit: string; close(): Promise<void> }

async function startLeash(keys: TestKeys, mcpUrl: string): Promise<Leash> {
  const dir = mkdtempSync(join(tmpdir(), 'leash-mcp-'));
  const bundle = await exampleBundle(dir);
  const audit = join(dir, 'audit.jsonl');
  const config = loadConfig({
    env: {},
    flags: {
      server: { port: 0, logLevel: 'info' },
      bundle: { path: bundle, watch: false },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
      audit: { file: audit },
      mcp: { resourceBase: RESOURCE_BASE, serverUrls: [`billing=${mcpUrl}`] },
    },
  });
  const logs = new LogCapture();
  const app = await buildApp(config, { logStream: logs, env: { BILLING_MCP_TOKEN: UPSTREAM_SECRET } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  // a closed SDK client can leave a connection that never sends its request; the test does not wait for Node's request timeout
  const close = async () => {
    const closing = app.close();
    app.server.closeAllConnections();
    await closing;
  };
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, logs, audit, close };
}

async function connect(leash: Leash, token: string): Promise<Client> {
  const client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${leash.url}/mcp/billing`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

async function refused(p: Promise<unknown>): Promise<McpError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof McpError) return err;
    throw err;
  }
  throw new Error('the call was not refused');
}

const text = (r: unknown) => ((r as { content: { text: string }[] }).content[0]!.text);

for (const mode of ['json', 'sse'] as const) {
  describe(`MCP gateway, the server answering with ${mode === 'json' ? 'JSON' : 'server-sent events'}`, () => {
    let keys: TestKeys;
    let mcp: BillingMcp;
    let leash: Leash;
    beforeAll(async () => {
      keys = await makeKeys();
      mcp = await startBillingMcp({ json: mode === 'json' });
      leash = await startLeash(keys, mcp.url);
    }, 120_000);
    afterAll(async () => {
      await leash?.close();
      await mcp?.close();
    });

    it('lists only the tools the policy declares, and forwards an allowed call with the server credential', async () => {
      const token = await keys.sign(claims(), { aud: BILLING });
      const client = await connect(leash, token);
      const tools = (await client.listTools()).tools.map((t) => t.name).sort();
      expect(tools).toEqual(['list_invoices', 'lookup_customer', 'refund_payment']);
      const result = await client.callTool({ name: 'lookup_customer', arguments: { customerId: 'C-771' } });
      expect(text(result)).toContain('customer C-771');
      expect(mcp.calls.at(-1)).toEqual({ name: 'lookup_customer', args: { customerId: 'C-771' } });
      // the server got its own credential, never the agent's token; the agent never sees the credential
      expect(mcp.authorizations.every((a) => a === `Bearer ${UPSTREAM_SECRET}`)).toBe(true);
      expect(text(result)).not.toContain(UPSTREAM_SECRET);
      expect(text(result)).toContain('[redacted by leash]');
      await client.close();
    });

    it('binds the server\'s session to the agent session that opened it: another session, the raw id or a forged seal reach nothing', async () => {
      const mine = claims({ jti: 'a' });
      const [tokenA, tokenA2, tokenB, tokenOther] = await Promise.all([
        keys.sign(mine, { aud: BILLING }),
        keys.sign({ ...mine, jti: 'b' }, { aud: BILLING }), // a new token of the same agent session
        keys.sign(claims(), { aud: BILLING }), // the same agent, another session
        keys.sign({ ...mine, sub: 'mcp-billing-bot-2' }, { aud: BILLING }), // another agent, the same session id
      ]);
      const post = (token: string, message: unknown, sessionId?: string) => fetch(`${leash.url}/mcp/billing`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-03-26', ...(sessionId ? { 'mcp-session-id': sessionId } : {}) },
        body: JSON.stringify(message),
      });
      const init = await post(tokenA, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
      expect(init.status).toBe(200);
      await init.text();
      const upstreamId = mcp.opened.at(-1)!;
      const sealed = init.headers.get('mcp-session-id')!;
      expect(sealed).toMatch(/^leash1\.[A-Za-z0-9_-]{43}\./);
      expect(sealed).not.toBe(upstreamId);
      expect((await post(tokenA, { jsonrpc: '2.0', method: 'notifications/initialized' }, sealed)).status).toBe(202);
      // the agent session, on a fresh token: forwarded with the server's own id
      const list = await post(tokenA2, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, sealed);
      expect(list.status).toBe(200);
      expect(await list.text()).toContain('lookup_customer');
      expect(mcp.sessionHeaders.at(-1)).toBe(upstreamId);

      const seen = mcp.sessionHeaders.length;
      const forged = sealed.slice(0, 10) + (sealed[10] === 'A' ? 'B' : 'A') + sealed.slice(11);
      for (const [token, id] of [[tokenB, sealed], [tokenOther, sealed], [tokenA, upstreamId], [tokenA, forged], [tokenA, `${sealed}x`], [tokenA, 'leash1.']] as const) {
        const res = await post(token, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'lookup_customer', arguments: { customerId: 'C-771' } } }, id);
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ code: 'unknown_mcp_session' });
      }
      for (const method of ['GET', 'DELETE']) {
        const res = await fetch(`${leash.url}/mcp/billing`, { method, headers: { authorization: `Bearer ${tokenB}`, accept: 'text/event-stream', 'mcp-session-id': sealed } });
        expect(res.status).toBe(404);
      }
      expect(mcp.sessionHeaders.length).toBe(seen); // none of them reached the server
      expect(leash.logs.text).toContain('MCP session id refused');
      expect(leash.logs.text).not.toContain(sealed);
      // the owner ends its session: passed through with the server's id
      const end = await fetch(`${leash.url}/mcp/billing`, { method: 'DELETE', headers: { authorization: `Bearer ${tokenA}`, 'mcp-session-id': sealed, 'mcp-protocol-version': '2025-03-26' } });
      expect(end.status).toBe(200);
      expect(mcp.sessionHeaders.at(-1)).toBe(upstreamId);
    });

    it('refuses a denied call with a JSON-RPC error that names the reason; the server never sees it', async () => {
      const client = await connect(leash, await keys.sign(claims(), { aud: BILLING }));
      const before = mcp.calls.length;
      const other = await refused(client.callTool({ name: 'list_invoices', arguments: { customerId: 'C-332' } }));
      expect(other.code).toBe(-32001);
      expect(other.message).toContain('task scope is customer C-771');
      expect(other.data).toMatchObject({ status: 403, rule: 'billing.listInvoices.read', decision_id: expect.any(String) });
      const undeclared = await refused(client.callTool({ name: 'delete_customer', arguments: { customerId: 'C-771' } }));
      expect(undeclared.code).toBe(-32001);
      expect(undeclared.data).toMatchObject({ rule: null });
      expect(mcp.calls.length).toBe(before);
      await client.close();
    });

    it('enforces argument constraints and types', async () => {
      const client = await connect(leash, await keys.sign(claims(), { aud: BILLING }));
      const before = mcp.calls.length;
      const tooMuch = await refused(client.callTool({ name: 'refund_payment', arguments: { customerId: 'C-771', invoiceId: 'INV-1', amount: 500 } }));
      expect(tooMuch.data).toMatchObject({ rule: 'billing.refundPayment.write' });
      const asText = await refused(client.callTool({ name: 'refund_payment', arguments: { customerId: 'C-771', invoiceId: 'INV-1', amount: '50' } }));
      expect(asText.data).toMatchObject({ rule: 'billing.refundPayment.args' });
      const smuggled = await refused(client.callTool({ name: 'refund_payment', arguments: { customerId: 'C-771', invoiceId: 'INV-1', amount: 5, refundAll: true } }));
      expect(smuggled.data).toMatchObject({ rule: 'billing.refundPayment.args' });
      expect(mcp.calls.length).toBe(before);
      await client.close();
    });

    it('refuses the 4th refund in a session (a limit), and the next session may refund again', async () => {
      const session = claims();
      const client = await connect(leash, await keys.sign(session, { aud: BILLING }));
      for (let i = 1; i <= 3; i++) {
        expect(text(await client.callTool({ name: 'refund_payment', arguments: { customerId: 'C-771', invoiceId: `INV-${i}`, amount: 10 } }))).toBe(`refunded 10 on INV-${i}`);
      }
      const fourth = await refused(client.callTool({ name: 'refund_payment', arguments: { customerId: 'C-771', invoiceId: 'INV-4', amount: 10 } }));
      expect(fourth.code).toBe(-32002);
      expect(fourth.data).toMatchObject({ status: 429, code: 'rate_limited' });
      expect(mcp.calls.filter((c) => c.name === 'refund_payment' && (c.args as { invoiceId: string }).invoiceId === 'INV-4')).toEqual([]);
      await client.close();
      const next = await connect(leash, await keys.sign(claims(), { aud: BILLING }));
      expect(text(await next.callTool({ name: 'refund_payment', arguments: { customerId: 'C-771', invoiceId: 'INV-5', amount: 10 } }))).toBe('refunded 10 on INV-5');
      await next.close();
    });

    it('a batch mixes forwarded calls and refused ones, each answered by id', async () => {
      const token = await keys.sign(claims(), { aud: BILLING });
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
      const init = await fetch(`${leash.url}/mcp/billing`, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }) });
      expect(init.status).toBe(200);
      const sid = init.headers.get('mcp-session-id')!;
      await init.text();
      const session = { ...headers, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-03-26' };
      await fetch(`${leash.url}/mcp/billing`, { method: 'POST', headers: session, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
      const res = await fetch(`${leash.url}/mcp/billing`, {
        method: 'POST', headers: session,
        body: JSON.stringify([
          { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'lookup_customer', arguments: { customerId: 'C-771' } } },
          { jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'delete_customer', arguments: { customerId: 'C-771' } } },
          { jsonrpc: '2.0', id: 'c', method: 'resources/list' },
        ]),
      });
      expect(res.status).toBe(200);
      const body = await res.text();
      const messages = (res.headers.get('content-type') ?? '').startsWith('text/event-stream')
        ? body.split('\n').filter((l) => l.startsWith('data: ')).flatMap((l) => [JSON.parse(l.slice(6))].flat())
        : [JSON.parse(body)].flat();
      const byId: Record<string, any> = Object.fromEntries(messages.map((m: { id: string }) => [m.id, m]));
      expect(byId['a'].result.content[0].text).toContain('customer C-771');
      expect(byId['b'].error).toMatchObject({ code: -32001 });
      expect(byId['c'].error).toMatchObject({ code: -32601 });
      expect(body).not.toContain(UPSTREAM_SECRET);
    });
  });
}

describe('MCP gateway: who may call', () => {
  let keys: TestKeys;
  let mcp: BillingMcp;
  let leash: Leash;
  beforeAll(async () => {
    keys = await makeKeys();
    mcp = await startBillingMcp({ json: true });
    leash = await startLeash(keys, mcp.url);
  }, 120_000);
  afterAll(async () => {
    await leash?.close();
    await mcp?.close();
  });

  const initialize = (token: string | undefined, extra: Record<string, string> = {}) =>
    fetch(`${leash.url}/mcp/billing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
    });

  it('needs a token whose audience is this MCP server, and says where its metadata is', async () => {
    const before = mcp.authorizations.length;
    for (const token of [undefined, await keys.sign(claims()), await keys.sign(claims(), { aud: `${RESOURCE_BASE}/mcp/other` })]) {
      const res = await initialize(token);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain(`resource_metadata="${RESOURCE_BASE}/.well-known/oauth-protected-resource/mcp/billing"`);
    }
    expect(mcp.authorizations.length).toBe(before);
    const meta = await (await fetch(`${leash.url}/.well-known/oauth-protected-resource/mcp/billing`)).json();
    expect(meta).toEqual({ resource: BILLING, bearer_methods_supported: ['header'], authorization_servers: [ISSUER] });
    expect((await initialize(await keys.sign(claims(), { aud: BILLING }))).status).toBe(200);
  });

  it('refuses browser origins, unknown servers and agents of other policies', async () => {
    const token = await keys.sign(claims(), { aud: BILLING });
    expect((await initialize(token, { origin: 'https://evil.example' })).status).toBe(403);
    const unknown = await fetch(`${leash.url}/mcp/nope`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(unknown.status).toBe(404);
    // a support agent (another policy) sees no billing tool and may call none
    const support = await connect(leash, await keys.sign({ sub: 'support-bot', sid: 's-x', role: 'support', client_id: 'k', task: { ticketId: 'T', customerId: 'C-771' } }, { aud: BILLING }));
    expect((await support.listTools()).tools).toEqual([]);
    expect((await refused(support.callTool({ name: 'lookup_customer', arguments: { customerId: 'C-771' } }))).code).toBe(-32001);
    await support.close();
  });

  it('audits each tool call with the tool and its arguments, never a token or the credential', async () => {
    const client = await connect(leash, await keys.sign(claims(), { aud: BILLING }));
    await client.callTool({ name: 'refund_payment', arguments: { customerId: 'C-771', invoiceId: 'INV-9', amount: 12 } });
    await refused(client.callTool({ name: 'refund_payment', arguments: { customerId: 'C-332', invoiceId: 'INV-9', amount: 12 } }));
    await client.close();
    await new Promise((r) => setTimeout(r, 300));
    const events = readFileSync(leash.audit, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>).filter((e) => e.via === 'mcp');
    const refunds = events.filter((e) => e.input.request.path === '/tools/refund_payment');
    expect(refunds.map((e) => [e.result.allow, e.input.request.body.customerId, e.access, e.priority])).toEqual(expect.arrayContaining([[true, 'C-771', 'write', 'high'], [false, 'C-332', 'write', 'high']]));
    expect(refunds.every((e) => e.input.upstream === 'billing')).toBe(true);
    const all = readFileSync(leash.audit, 'utf8') + leash.logs.text;
    expect(all).not.toContain(UPSTREAM_SECRET);
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
  });
});
