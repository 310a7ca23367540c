// The MCP gateway (docs/mcp.md): `POST|GET|DELETE /mcp/{server}` in front of the MCP servers
// the bundle declares, for the streamable HTTP transport. It verifies the agent's token
// (audience bound to this server's resource URI, as MCP requires of resource servers), lets
// initialize, ping, notifications and responses through, filters tools/list to the tools the
// policy could allow this agent, decides every tools/call with the decision service (limits,
// audit, alerts and quarantine as for any request) before forwarding it, answers denials as
// JSON-RPC errors, and adds the server's credential. The agent's token never goes upstream;
// the credential never comes back.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { request as undiciRequest, type Dispatcher } from 'undici';
import type { DecisionAnswer, DecisionObserver, DecisionService } from '../contracts.ts';
import type { KillSwitchStore } from '../alerts/index.ts';
import type { TokenVerifier } from '../identity/index.ts';
import type { PolicyEvaluator } from '../engine/evaluator.ts';
import { bearerToken, buildPolicyInput } from '../decide/input.ts';
import { canonicalRequest } from '../request/index.ts';
import type { CredentialSource } from '../proxy/credentials.ts';
import { injectCredential } from '../proxy/inject.ts';
import type { Secret } from '../proxy/secret.ts';
import {
  classify, errorResponse, JSONRPC_INTERNAL_ERROR, JSONRPC_INVALID_PARAMS, JSONRPC_INVALID_REQUEST, JSONRPC_METHOD_NOT_FOUND, JSONRPC_PARSE_ERROR,
  LEASH_DENIED, LEASH_IDENTITY, LEASH_RATE_LIMITED, LEASH_UNAVAILABLE, type JsonRpcId, type JsonRpcMessage,
} from './jsonrpc.ts';
import { sseEvent, sseReader } from './sse.ts';
import { readMcpServers, type McpServer } from './servers.ts';
import type { SessionBinder, SessionOwner } from './session-binding.ts';

export interface McpGatewayOptions {
  /** the gateway's public base URL; a server's resource URI is `<resourceBase>/mcp/<name>` */
  readonly resourceBase: string;
  /** the decision service whose verifier accepts this resource URI as the audience */
  readonly decisionsFor: (resource: string) => { readonly decisions: DecisionService; readonly verifier: TokenVerifier };
  readonly bundle: () => { readonly evaluator: PolicyEvaluator } | undefined;
  readonly observer: DecisionObserver;
  readonly killSwitch?: KillSwitchStore;
  readonly credentials: CredentialSource;
  /** name → URL overrides (`mcp.serverUrls`) */
  readonly serverUrls: Readonly<Record<string, string>>;
  readonly allowedOrigins: readonly string[];
  readonly timeoutMs: number;
  /** the token issuers, listed in the protected resource metadata */
  readonly authorizationServers: readonly string[];
  readonly dispatcher: Dispatcher;
  readonly maxBodyBytes: number;
  /** seals the servers' Mcp-Session-Id to the agent session that opened it (session-binding.ts) */
  readonly sessions: SessionBinder;
}

/** methods the gateway forwards as they are (tools/call is decided, tools/list filtered) */
const PASS_METHODS = new Set(['initialize', 'ping']);
/** request headers of the agent's that reach the MCP server (its Mcp-Session-Id only once opened: admit) */
const FORWARD_HEADERS = ['accept', 'content-type', 'mcp-protocol-version', 'last-event-id'];
/** response headers of the MCP server's that reach the agent (its Mcp-Session-Id sealed) */
const RETURN_HEADERS = ['content-type', 'mcp-session-id', 'mcp-protocol-version', 'cache-control'];
const SESSION_HEADER = 'mcp-session-id';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The JSON-RPC error for a denial: which kind, the reason as the message, the decision in data. */
export function denialError(id: JsonRpcId, answer: DecisionAnswer): Record<string, unknown> {
  const code = answer.status === 429 ? LEASH_RATE_LIMITED
    : answer.status === 401 || answer.code === 'quarantined' || answer.code === 'kill_switch' ? LEASH_IDENTITY
      : answer.status >= 500 || answer.code === 'policy_error' ? LEASH_UNAVAILABLE : LEASH_DENIED;
  const retry = answer.headers['Retry-After'];
  return errorResponse(id, code, `denied by Leash: ${answer.reasons[0] ?? answer.code ?? 'no rule allows this tool call'}`, {
    decision_id: answer.decision_id, status: answer.status, ...(answer.code ? { code: answer.code } : {}), rule: answer.rule, reasons: answer.reasons,
    ...(retry ? { retryAfterSeconds: Number(retry) } : {}),
  });
}

export async function mcpGateway(app: FastifyInstance, o: McpGatewayOptions): Promise<void> {
  const base = o.resourceBase.replace(/\/+$/, '');
  const resourceOf = (server: string) => `${base}/mcp/${server}`;
  const metadataUrl = (server: string) => `${base}/.well-known/oauth-protected-resource/mcp/${server}`;

  // streams still open when the server closes are ended (else the close would wait for every agent)
  const open = new Set<import('node:http').ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of open) res.destroy();
  });
  const track = (res: import('node:http').ServerResponse) => {
    open.add(res);
    res.once('close', () => open.delete(res));
  };
  /** the server's headers for the agent, its session id sealed to this agent session */
  const returnedHeaders = (headers: Readonly<Record<string, string | string[] | undefined>>, names: readonly string[], owner: SessionOwner) => {
    const picked = pickHeaders(headers, names);
    const id = picked[SESSION_HEADER];
    if (id !== undefined) picked[SESSION_HEADER] = o.sessions.seal(id, owner);
    return picked;
  };

  // JSON-RPC bodies are read as text here: the batch shape and exact bytes matter
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: o.maxBodyBytes }, (_req, body, done) => done(null, body));

  // RFC 9728 protected resource metadata, which the 401 points MCP clients to
  app.get<{ Params: { server: string } }>('/.well-known/oauth-protected-resource/mcp/:server', async (req, reply) => {
    const server = serverNamed(req.params.server);
    if (!server) return reply.code(404).send({ code: 'unknown_mcp_server', message: `no MCP server named ${req.params.server} in the serving bundle` });
    return { resource: resourceOf(server.name), bearer_methods_supported: ['header'], ...(o.authorizationServers.length > 0 ? { authorization_servers: o.authorizationServers } : {}) };
  });

  function serverNamed(name: string): McpServer | undefined {
    const current = o.bundle();
    if (!current) return undefined;
    return readMcpServers(current.evaluator.data, o.serverUrls).get(name);
  }

  /** the agent and its decision service, or the reply already sent */
  async function admit(req: FastifyRequest<{ Params: { server: string } }>, reply: FastifyReply) {
    const origin = req.headers.origin;
    if (origin !== undefined && !o.allowedOrigins.includes(origin)) {
      await reply.code(403).send({ code: 'origin_not_allowed', message: 'requests from browser origins are refused unless listed in mcp.allowedOrigins' });
      return undefined;
    }
    const server = serverNamed(req.params.server);
    if (!server) {
      await reply.code(404).send({ code: 'unknown_mcp_server', message: `no MCP server named ${req.params.server} in the serving bundle` });
      return undefined;
    }
    const { decisions, verifier } = o.decisionsFor(resourceOf(server.name));
    const token = bearerToken(req.headers);
    const verified = await verifier.verify(token);
    if (!verified.ok) {
      const error = token === undefined ? '' : ', error="invalid_token"';
      await reply.code(401).header('www-authenticate', `Bearer resource_metadata="${metadataUrl(server.name)}"${error}`)
        .send({ code: 'bad_token', reason_code: verified.reason, message: verified.message });
      return undefined;
    }
    const agent = verified.token.agent;
    // stopped agents and sessions reach nothing, not even initialize or tools/list
    const killed = o.killSwitch?.killed(agent.id, agent.key ?? null);
    const quarantined = killed ? false : await o.observer.isQuarantined(agent.session);
    if (killed || quarantined) {
      await reply.code(403).send({ code: killed ? 'kill_switch' : 'quarantined', message: killed ? `${killed.kind} ${killed.id} is stopped by the kill switch` : `session ${agent.session} is quarantined` });
      return undefined;
    }
    // a session id is forwarded only to the agent session it was sealed for; anything else is
    // answered as MCP answers an unknown session (404: the client starts a new one)
    const owner: SessionOwner = { server: server.name, agent: agent.id, session: agent.session };
    const presented = req.headers[SESSION_HEADER];
    const session = typeof presented === 'string' ? o.sessions.open(presented, owner) : undefined;
    if (presented !== undefined && session === undefined) {
      req.log.warn({ mcp_server: server.name, agent_id: agent.id, session: agent.session }, 'MCP session id refused: not sealed for this agent session');
      await reply.code(404).send({ code: 'unknown_mcp_session', message: 'this Mcp-Session-Id was not opened by this agent session through the gateway; start a new MCP session (initialize)' });
      return undefined;
    }
    const secret = server.credential ? o.credentials.resolve(server.credential) : undefined;
    if (secret && 'missing' in secret) {
      req.log.warn({ mcp_server: server.name }, 'MCP call refused: server credential missing');
      await reply.code(503).send({ code: 'credential_missing', message: `MCP server ${server.name} has no credential: ${secret.missing}` });
      return undefined;
    }
    return { server, decisions, token: token!, agent, owner, session, secret: secret && 'secret' in secret ? secret.secret : undefined };
  }

  /** the tools of a tools/list result this agent's policy declares for this server */
  function visibleTools(result: unknown, server: McpServer, agent: Parameters<typeof buildPolicyInput>[2]): unknown {
    if (!isObj(result) || !Array.isArray(result['tools'])) return result;
    const evaluator = o.bundle()?.evaluator;
    const tools = result['tools'].filter((t) => {
      if (!isObj(t) || typeof t['name'] !== 'string' || !evaluator) return false;
      const draft = { via: 'mcp' as const, method: 'POST', path: `/tools/${encodeURIComponent(t['name'])}`, upstream: server.name, body: {} };
      const canonical = canonicalRequest(draft);
      if (!canonical.ok) return false;
      const outcome = evaluator.evaluate(buildPolicyInput(draft, canonical.request, agent, Date.now()), 50);
      // declared for this server by a policy that applies to this agent
      return outcome.ok && outcome.decision.resources.length > 0;
    });
    return { ...result, tools };
  }

  app.post<{ Params: { server: string }; Body: string | undefined }>('/mcp/:server', async (req, reply) => {
    const admitted = await admit(req, reply);
    if (!admitted) return reply;
    const { server, decisions, token, agent, owner, session, secret } = admitted;
    let parsed: unknown;
    try {
      parsed = JSON.parse(req.body ?? '');
    } catch {
      return reply.code(400).send(errorResponse(null, JSONRPC_PARSE_ERROR, 'the body is not JSON'));
    }
    const batch = Array.isArray(parsed);
    const raw = batch ? (parsed as unknown[]) : [parsed];
    if (raw.length === 0) return reply.code(400).send(errorResponse(null, JSONRPC_INVALID_REQUEST, 'an empty batch'));
    if (raw.length > 100) return reply.code(400).send(errorResponse(null, JSONRPC_INVALID_REQUEST, 'a batch of more than 100 messages'));

    const forward: Record<string, unknown>[] = [];
    const answered: Record<string, unknown>[] = [];
    const listIds = new Set<JsonRpcId>();
    for (const item of raw) {
      const m = classify(item);
      if ('invalid' in m) {
        answered.push(errorResponse(isObj(item) && (typeof item['id'] === 'string' || typeof item['id'] === 'number') ? item['id'] : null, JSONRPC_INVALID_REQUEST, m.invalid));
        continue;
      }
      const outcome = await route(m);
      if (outcome === 'forward') forward.push(m.raw);
      else answered.push(outcome);
    }

    async function route(m: JsonRpcMessage): Promise<'forward' | Record<string, unknown>> {
      if (m.kind !== 'request') return 'forward'; // notifications and the agent's answers to server requests
      if (PASS_METHODS.has(m.method)) return 'forward';
      if (m.method === 'tools/list') {
        listIds.add(m.id);
        return 'forward';
      }
      if (m.method !== 'tools/call') return errorResponse(m.id, JSONRPC_METHOD_NOT_FOUND, `${m.method} is not allowed through the Leash MCP gateway (it forwards initialize, ping, tools/list, tools/call and notifications)`);
      const params = m.params;
      if (!isObj(params) || typeof params['name'] !== 'string' || params['name'] === '') return errorResponse(m.id, JSONRPC_INVALID_PARAMS, 'tools/call needs params.name, the tool');
      const args = params['arguments'] ?? {};
      if (!isObj(args)) return errorResponse(m.id, JSONRPC_INVALID_PARAMS, 'tools/call params.arguments must be an object');
      const answer = await decisions.decide({
        via: 'mcp', method: 'POST', path: `/tools/${encodeURIComponent(params['name'])}`, upstream: server.name, body: args, token,
        headers: { 'x-mcp-server': server.name },
      });
      return answer.allow ? 'forward' : denialError(m.id, answer);
    }

    // nothing to forward: the gateway answers alone
    if (forward.length === 0) return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(batch ? answered : answered[0]));

    const { target, headers } = upstreamTarget(req.headers, server, secret, session, { 'content-type': 'application/json', accept: req.headers.accept ?? 'application/json, text/event-stream' });
    let upstream: Dispatcher.ResponseData;
    try {
      upstream = await undiciRequest(target, {
        method: 'POST', headers, body: JSON.stringify(batch ? forward : forward[0]), dispatcher: o.dispatcher,
        headersTimeout: o.timeoutMs, bodyTimeout: 0,
      });
    } catch (err) {
      req.log.warn({ mcp_server: server.name, error: (err as { code?: string }).code ?? 'error' }, 'MCP server unreachable');
      const failed = forward.filter((f) => 'id' in f && 'method' in f).map((f) => errorResponse(f['id'] as JsonRpcId, JSONRPC_INTERNAL_ERROR, `MCP server ${server.name} could not be reached`));
      const all = [...answered, ...failed];
      return reply.code(502).header('content-type', 'application/json').send(JSON.stringify(batch ? all : all[0] ?? errorResponse(null, JSONRPC_INTERNAL_ERROR, `MCP server ${server.name} could not be reached`)));
    }

    const scrub = scrubber(secret);
    const rewrite = (message: unknown): unknown => {
      if (isObj(message) && 'result' in message && (typeof message['id'] === 'string' || typeof message['id'] === 'number') && listIds.has(message['id'])) {
        return { ...message, result: visibleTools(message['result'], server, agent) };
      }
      return message;
    };
    reply.headers(returnedHeaders(upstream.headers, RETURN_HEADERS, owner));
    const type = String(upstream.headers['content-type'] ?? '');

    if (type.startsWith('text/event-stream')) {
      reply.hijack();
      const res = reply.raw;
      track(res);
      res.writeHead(upstream.statusCode, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', ...returnedHeaders(upstream.headers, [SESSION_HEADER, 'mcp-protocol-version'], owner) });
      // the gateway's own answers (denials) first, then the server's events as they come
      for (const a of answered) res.write(sseEvent(JSON.stringify(a), { event: 'message' }));
      const reader = sseReader((e) => {
        let data = e.data;
        try {
          const msg = JSON.parse(data) as unknown;
          data = JSON.stringify(Array.isArray(msg) ? msg.map(rewrite) : rewrite(msg));
        } catch {
          // not JSON: passed on as it is (scrubbed)
        }
        res.write(sameEvent(e, scrub(data)));
      }, (problem) => {
        req.log.warn({ mcp_server: server.name, problem }, 'MCP server stream unreadable; closed');
        res.end();
      });
      pipeEvents(upstream.body, reader, res);
      return reply;
    }

    const text = await upstream.body.text();
    if (upstream.statusCode === 202 || text === '') {
      if (answered.length === 0) return reply.code(upstream.statusCode).send();
      return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(batch ? answered : answered[0]));
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return reply.code(502).header('content-type', 'application/json').send(JSON.stringify(errorResponse(null, JSONRPC_INTERNAL_ERROR, `MCP server ${server.name} answered something that is not JSON`)));
    }
    const rewritten = Array.isArray(body) ? body.map(rewrite) : rewrite(body);
    const merged = batch ? [...answered, ...(Array.isArray(rewritten) ? rewritten : [rewritten])] : answered.length > 0 ? answered[0] : rewritten;
    return reply.code(upstream.statusCode).header('content-type', 'application/json').send(scrub(JSON.stringify(merged)));
  });

  // the server-to-agent stream and the end of a session: verified, then passed through
  for (const method of ['GET', 'DELETE'] as const) {
    app.route<{ Params: { server: string } }>({
      method, url: '/mcp/:server',
      handler: async (req, reply) => {
        const admitted = await admit(req, reply);
        if (!admitted) return reply;
        const { server, secret, owner, session } = admitted;
        const { target, headers } = upstreamTarget(req.headers, server, secret, session);
        let upstream: Dispatcher.ResponseData;
        try {
          upstream = await undiciRequest(target, { method, headers, dispatcher: o.dispatcher, headersTimeout: o.timeoutMs, bodyTimeout: 0 });
        } catch {
          return reply.code(502).send({ code: 'upstream_unreachable', message: `MCP server ${server.name} could not be reached` });
        }
        reply.hijack();
        const res = reply.raw;
        track(res);
        res.writeHead(upstream.statusCode, returnedHeaders(upstream.headers, RETURN_HEADERS, owner));
        const scrub = scrubber(secret);
        if (String(upstream.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          const reader = sseReader((e) => res.write(sameEvent(e, scrub(e.data))), () => res.end());
          pipeEvents(upstream.body, reader, res);
        } else {
          res.write(scrub(await upstream.body.text()));
          res.end();
          return reply;
        }
        return reply;
      },
    });
  }
}

/** the server's stream, decoded as UTF-8 across chunk boundaries, into the reader; a bad stream ends the answer, never the process */
function pipeEvents(body: Dispatcher.ResponseData['body'], reader: { feed(chunk: string): void }, res: import('node:http').ServerResponse): void {
  const decoder = new TextDecoder();
  body.on('data', (chunk: Buffer) => {
    try {
      reader.feed(decoder.decode(chunk, { stream: true }));
    } catch {
      body.destroy();
      res.end();
    }
  });
  body.on('end', () => res.end());
  body.on('error', () => res.end());
  // the agent went away: stop reading the server's stream
  res.on('close', () => body.destroy());
}

/** The server's URL and the headers sent to it: the agent's MCP headers (never its Authorization) with the server's own session id, `extra`, and the server's credential. */
function upstreamTarget(agentHeaders: Readonly<Record<string, string | string[] | undefined>>, server: McpServer, secret: Secret | undefined, session: string | undefined, extra: Record<string, string> = {}) {
  const headers: Record<string, string> = { ...pickHeaders(agentHeaders, FORWARD_HEADERS), ...extra };
  if (session !== undefined) headers[SESSION_HEADER] = session;
  const target = new URL(server.url);
  if (secret) target.search = injectCredential(server.inject, secret, headers, target.search.replace(/^\?/, ''));
  return { target, headers };
}

/** an event of the server's, with its id and type, carrying `data` */
const sameEvent = (e: { id?: string | undefined; event?: string | undefined }, data: string): string =>
  sseEvent(data, { ...(e.id !== undefined ? { id: e.id } : {}), ...(e.event !== undefined ? { event: e.event } : {}) });

const scrubber = (secret: Secret | undefined) => (text: string): string => (secret ? scrubSecret(text, secret) : text);

function pickHeaders(headers: Readonly<Record<string, string | string[] | undefined>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = headers[n];
    if (typeof v === 'string') out[n] = v;
  }
  return out;
}

/** the credential, should a server echo it, never reaches the agent */
function scrubSecret(text: string, secret: Secret): string {
  const value = secret.reveal();
  return value.length >= 4 && text.includes(value) ? text.split(value).join('[redacted by leash]') : text;
}
