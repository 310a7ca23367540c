// A small billing MCP server built with the official @modelcontextprotocol/sdk, on loopback:
// four tools, stateful sessions, answering with JSON or with server-sent events. It records
// every tool call it receives, the Authorization and Mcp-Session-Id header each request
// carried, and the session ids it made.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface BillingMcp {
  readonly url: string;
  /** tool calls that reached the server: name and arguments */
  readonly calls: { name: string; args: unknown }[];
  /** the Authorization header of every HTTP request */
  readonly authorizations: (string | undefined)[];
  /** the Mcp-Session-Id header of every HTTP request */
  readonly sessionHeaders: (string | undefined)[];
  /** the session ids this server made, in order */
  readonly opened: string[];
  close(): Promise<void>;
}

function billingServer(calls: BillingMcp['calls'], lastAuth: () => string | undefined): McpServer {
  const server = new McpServer({ name: 'billing', version: '1.0.0' });
  const record = (name: string, args: unknown) => calls.push({ name, args });
  server.registerTool('lookup_customer', { description: 'A customer', inputSchema: { customerId: z.string() } }, async (args) => {
    record('lookup_customer', args);
    // a careless server that echoes the credential it was called with
    return { content: [{ type: 'text', text: `customer ${args.customerId}; called with ${lastAuth() ?? 'nothing'}` }] };
  });
  server.registerTool('list_invoices', { description: 'Invoices', inputSchema: { customerId: z.string() } }, async (args) => {
    record('list_invoices', args);
    return { content: [{ type: 'text', text: `invoices of ${args.customerId}: INV-1, INV-2` }] };
  });
  server.registerTool('refund_payment', { description: 'Refund', inputSchema: { customerId: z.string(), invoiceId: z.string(), amount: z.number() } }, async (args) => {
    record('refund_payment', args);
    return { content: [{ type: 'text', text: `refunded ${args.amount} on ${args.invoiceId}` }] };
  });
  server.registerTool('delete_customer', { description: 'Deletes a customer', inputSchema: { customerId: z.string() } }, async (args) => {
    record('delete_customer', args);
    return { content: [{ type: 'text', text: `deleted ${args.customerId}` }] };
  });
  return server;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

export async function startBillingMcp(options: { json: boolean }): Promise<BillingMcp> {
  const calls: BillingMcp['calls'] = [];
  const authorizations: (string | undefined)[] = [];
  const sessionHeaders: (string | undefined)[] = [];
  const opened: string[] = [];
  const transports = new Map<string, StreamableHTTPServerTransport>();
  let last: string | undefined;
  const http: Server = createServer((req, res) => {
    void (async () => {
      authorizations.push(req.headers.authorization);
      sessionHeaders.push(typeof req.headers['mcp-session-id'] === 'string' ? req.headers['mcp-session-id'] : undefined);
      last = req.headers.authorization;
      const body = req.method === 'POST' ? await readJson(req) : undefined;
      const sid = req.headers['mcp-session-id'];
      let transport = typeof sid === 'string' ? transports.get(sid) : undefined;
      if (!transport) {
        const first = Array.isArray(body) ? body[0] : body;
        if (req.method !== 'POST' || !isInitializeRequest(first)) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no session' } }));
          return;
        }
        const t = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse: options.json, onsessioninitialized: (id) => {
          opened.push(id);
          transports.set(id, t);
        } });
        transport = t;
        await billingServer(calls, () => last).connect(t);
      }
      await transport.handleRequest(req, res, body);
    })().catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500).end(err.message);
    });
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    authorizations,
    sessionHeaders,
    opened,
    async close() {
      for (const t of transports.values()) await t.close().catch(() => undefined);
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
