// Fixtures for the proxy tests: a local HTTP server standing in for Stripe (records what it
// receives, echoes headers, can stall or stream), real Ed25519 keys and agent JWTs, and the
// real Leash app on loopback with the proxy registered. Until the compiled billing policy
// lands, `billingPolicy` is a plain-JS evaluator of the documented billing rules.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import type { FastifyInstance } from 'fastify';
import type { Decision, LimitRequest, PolicyInput } from '../../compiler/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import type { DecisionObserver, DecisionRecord } from '../../server/contracts.ts';
import type { PolicyEvaluator } from '../../server/engine/index.ts';
import type { ProxyLimits } from '../../server/proxy/index.ts';

export const ISSUER = 'https://issuer.proxy.test';
export const AUDIENCE = 'leash-proxy-test';
export const STRIPE_KEY = 'sk_test_51LeashProxyRealKey0123456789abcdef';

/* ------------------------------------------------------------ the fake upstream */

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  body: Buffer;
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse, received: Received) => void;

export interface FakeUpstream {
  readonly url: string;
  readonly received: Received[];
  /** replaces the behaviour for paths starting with `prefix` */
  on(prefix: string, handler: UpstreamHandler): void;
  close(): Promise<void>;
}

/** Answers JSON echoing what it received (method, url, headers, body) unless told otherwise. */
export async function startFakeUpstream(): Promise<FakeUpstream> {
  const received: Received[] = [];
  const handlers: [string, UpstreamHandler][] = [];
  const server: Server = createServer((req, res) => {
    const entry: Received = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.alloc(0) };
    received.push(entry);
    const custom = handlers.find(([prefix]) => (req.url ?? '').startsWith(prefix));
    if (custom) return custom[1](req, res, entry);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      entry.body = Buffer.concat(chunks);
      const payload = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: entry.body.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json', 'x-echo-authorization': String(req.headers['authorization'] ?? ''), 'set-cookie': 'upstream_session=abc; Path=/', 'alt-svc': 'h3=":443"', 'strict-transport-security': 'max-age=63072000' });
      res.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    on: (prefix, handler) => handlers.unshift([prefix, handler]),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/* ------------------------------------------------------------------ identities */

export interface Keys {
  readonly jwksPath: string;
  sign(claims: JWTPayload): Promise<string>;
}

export async function makeKeys(): Promise<Keys> {
  const dir = mkdtempSync(join(tmpdir(), 'leash-proxy-'));
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwksPath = join(dir, 'jwks.json');
  writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'proxy-test', alg: 'EdDSA', use: 'sig' }] }));
  const key: CryptoKey = privateKey;
  return {
    jwksPath,
    sign: (claims) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: 'proxy-test', typ: 'JWT' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m').sign(key),
  };
}

/** A billing agent's claims: task scoped to one charge and a refund cap (cents). */
export function billingClaims(agent: string, chargeId: string, maxRefund: number, clientId = 'key-shared'): JWTPayload {
  return { sub: agent, sid: `s-${agent}-${Math.random().toString(36).slice(2, 8)}`, role: 'billing', client_id: clientId, task: { chargeId, maxRefund } };
}

/* ------------------------------------------------------------ stand-in policy */

export const DAILY_CALLS = 20;
export const DAILY_BUDGET = 50_000;

/**
 * The documented billing rules in plain JS: via the `stripe` upstream, `POST /v1/refunds`
 * only for the task's charge and an amount up to task.maxRefund; 20 calls a day per agent
 * and a per-agent daily budget counting the refunded amount. The `lab` upstream (the same
 * fake server) allows anything, for the transport tests.
 */
export function billingPolicy(): PolicyEvaluator {
  return {
    revision: 'js-billing-1',
    evaluate(input: PolicyInput) {
      const deny = (reason: string, access: Decision['access'] = 'write'): Decision => ({ allow: false, access, rule: null, reasons: [reason], limits: [], priority: 'high', class: 'business', resources: [] });
      const { agent, request } = input;
      const access = ['GET', 'HEAD', 'OPTIONS'].includes(request.method) ? 'read' : 'write';
      if (input.upstream === 'lab' || input.upstream === 'qlab' || input.upstream === 'dead') {
        const limits: LimitRequest[] = [{ id: 'lab/agent', scope: 'agent', key: agent.id, max: 1000, window: '1d', cost: 1 }];
        return { ok: true, decision: { allow: true, access, rule: 'lab.any', reasons: [], limits, priority: 'normal', class: null, resources: [] } };
      }
      if (input.upstream !== 'stripe' || agent.claims['role'] !== 'billing') return { ok: true, decision: deny('no rule allows this call', access) };
      if (request.method !== 'POST' || request.path !== '/v1/refunds') return { ok: true, decision: deny(`stripe: only POST /v1/refunds is allowed, not ${request.method} ${request.path}`, access) };
      const task = agent.task as { chargeId: string; maxRefund: number };
      const body = (request.body ?? {}) as Record<string, unknown>;
      if (body['charge'] !== task.chargeId) return { ok: true, decision: deny(`refunds are allowed only for charge ${task.chargeId}`) };
      const amount = body['amount'];
      if (typeof amount !== 'number' || amount > task.maxRefund) return { ok: true, decision: deny(`refund amount must be at most ${task.maxRefund}`) };
      const limits: LimitRequest[] = [
        { id: 'billing.stripe/agent/1d', scope: 'agent', key: agent.id, max: DAILY_CALLS, window: '1d', cost: 1 },
        { id: 'billing.stripe.budget/agent/1d', scope: 'agent', key: agent.id, max: DAILY_BUDGET, window: '1d', cost: amount },
      ];
      return { ok: true, decision: { allow: true, access: 'write', rule: 'billing.stripe.refunds', reasons: [], limits, priority: 'high', class: null, resources: [] } };
    },
  };
}

/* -------------------------------------------------------------------- server */

export class RecordingObserver implements DecisionObserver {
  readonly records: DecisionRecord[] = [];
  record(r: DecisionRecord): void {
    this.records.push(r);
  }
  isQuarantined(): boolean {
    return false;
  }
  async close(): Promise<void> {}
}

export class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

export interface ProxyServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly observer: RecordingObserver;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

export interface ProxyServerOptions {
  readonly upstreamUrl: string;
  readonly env?: Record<string, string>;
  readonly limits?: Partial<ProxyLimits>;
  readonly policy?: PolicyEvaluator;
}

/** Upstream metadata as the DSL compiler writes it into data.json (`leash.upstreams`). */
export const UPSTREAMS = {
  stripe: { name: 'stripe', baseUrl: 'https://api.stripe.com', credential: { env: 'STRIPE_API_KEY' }, inject: { type: 'bearer' }, sensitive: true, policy: 'billing-agent', source: 'policies/billing-agent.policy.ts:1' },
  lab: { name: 'lab', baseUrl: 'https://lab.example/base', credential: { env: 'STRIPE_API_KEY' }, inject: { type: 'bearer' }, streamRoutes: ['POST /upload'], policy: 'lab', source: 'test' },
  /** same fake, the key as a query parameter (the way some APIs take it) */
  qlab: { name: 'qlab', baseUrl: 'https://lab.example/base', credential: { env: 'STRIPE_API_KEY' }, inject: { type: 'query', name: 'key' }, policy: 'lab', source: 'test' },
  /** nothing listens there: connection refused */
  dead: { name: 'dead', baseUrl: 'http://127.0.0.1:1', credential: { env: 'STRIPE_API_KEY' }, inject: { type: 'bearer' }, policy: 'lab', source: 'test' },
} as const;

/** The real app (real verifier, memory limit store) with the proxy plugin and both upstreams pointed at the fake. */
export async function startProxyServer(keys: Keys, options: ProxyServerOptions): Promise<ProxyServer> {
  const dir = mkdtempSync(join(tmpdir(), 'leash-proxy-bundle-'));
  const bundlePath = join(dir, 'bundle.tar.gz');
  writeFileSync(bundlePath, 'stand-in bundle: the loader below returns the JS billing policy');
  const limits = options.limits ?? {};
  const config = loadConfig({
    env: {},
    flags: {
      server: { logLevel: 'info' },
      bundle: { path: bundlePath, watch: false },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
      audit: { file: '' },
      proxy: { upstreamUrls: [`stripe=${options.upstreamUrl}`, `lab=${options.upstreamUrl}/base`, `qlab=${options.upstreamUrl}/base`], ...limits },
    },
  });
  const logs = new LogCapture();
  const observer = new RecordingObserver();
  const policy = options.policy ?? billingPolicy();
  // The evaluator carries the bundle's data.json, as the server's bundle loader provides it.
  const evaluator = { ...policy, data: { leash: { upstreams: UPSTREAMS } } };
  const app = await buildApp(config, { observer, logStream: logs, loadBundle: async () => evaluator, env: options.env ?? { STRIPE_API_KEY: STRIPE_KEY } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, observer, logs, close: () => app.close() };
}
