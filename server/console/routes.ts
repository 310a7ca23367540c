// The console's HTTP surface under /console: the static page and its assets, sign-in, and a
// JSON API (plus one server-sent event stream) for the views. Every /console/api route but
// sign-in needs the session cookie or `Authorization: Bearer <admin token>`; every POST made
// with the cookie must echo the session's CSRF token in `x-leash-csrf` and come from the
// console's own origin. Actions (quarantine, release, kill switch) are audited like the
// admin API's, and nothing the console answers carries a token or a secret.
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminAuditor } from '../admin/audit.ts';
import { presentedBearer } from '../admin/index.ts';
import type { KillSwitchKind, KillSwitchStore, QuarantineEntry, QuarantineStore } from '../alerts/index.ts';
import { clearedCookie, CSRF_HEADER, sessionCookie, type ConsoleAuth, type ConsoleSession } from './auth.ts';
import type { AlertsView } from './fleet-alerts.ts';
import type { ChartsView } from './fleet-charts.ts';
import { ExplainError } from './policy-view.ts';
import type { ConsoleStore, SessionView } from './store.ts';
import { matches, type DecisionSummary, type SummaryFilter } from './summary.ts';
import { serveAssets } from './assets.ts';

export interface ConsoleRouteOptions {
  readonly auth: ConsoleAuth;
  readonly store: ConsoleStore;
  readonly quarantine: QuarantineStore;
  readonly killSwitch: KillSwitchStore;
  readonly auditor?: AdminAuditor;
  readonly charts: () => Promise<ChartsView>;
  readonly alerts: () => Promise<AlertsView>;
  readonly policy: () => unknown;
  readonly explain: (pasted: unknown) => Promise<unknown>;
  /** how long a session stays in the sessions view after its last call (default 15 min) */
  readonly activeSessionMs?: number;
  /** concurrent live streams at most (default 20) */
  readonly maxStreams?: number;
  readonly now?: () => number;
}

const SESSION_PARAM = { type: 'object', required: ['session'], properties: { session: { type: 'string', minLength: 1, maxLength: 512 } } } as const;
const REASON = { type: 'string', maxLength: 500 } as const;
const FILTER_KEYS = ['agent', 'session', 'key', 'policy', 'resource', 'outcome', 'priority', 'q'] as const;
const FILTER_QUERY = {
  type: 'object',
  properties: { limit: { type: 'string', pattern: '^[0-9]{1,4}$' }, ...Object.fromEntries(FILTER_KEYS.map((k) => [k, { type: 'string', maxLength: 512 }])) },
} as const;

const consoleSessions = new WeakMap<FastifyRequest, ConsoleSession | 'bearer'>();

function filterOf(query: Record<string, string | undefined>): SummaryFilter {
  const f: Record<string, string> = {};
  for (const k of FILTER_KEYS) if (query[k]) f[k] = query[k]!;
  return f;
}

/** the origin the browser is on, as the Host header and the scheme tell */
function ownOrigin(req: FastifyRequest): string {
  return `${req.protocol}://${req.headers.host ?? ''}`;
}

/** requests a page of another site could have made: a foreign Origin, or a fetch marked cross-site */
function crossSite(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== ownOrigin(req)) return true;
  const site = req.headers['sec-fetch-site'];
  return site !== undefined && site !== 'same-origin' && site !== 'none';
}

const refuse = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).send({ code, message });

export const consoleRoutes: FastifyPluginAsync<ConsoleRouteOptions> = async (app: FastifyInstance, o: ConsoleRouteOptions) => {
  const now = o.now ?? Date.now;
  const activeMs = o.activeSessionMs ?? 15 * 60_000;
  const maxStreams = o.maxStreams ?? 20;
  const open = new Set<import('node:http').ServerResponse>();
  // the server closing ends the live streams (else the close would wait for every browser)
  app.addHook('preClose', async () => {
    for (const res of open) res.end();
  });

  // the same strict headers on every console answer, the page and the API alike
  app.addHook('onSend', async (_req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
    return payload;
  });

  await serveAssets(app);

  app.post<{ Body: { token?: unknown } }>('/console/api/login', {
    schema: { body: { type: 'object', additionalProperties: false, properties: { token: { type: 'string', maxLength: 4096 } } } },
  }, async (req, reply) => {
    if (crossSite(req)) return refuse(reply, 403, 'cross_site_request', 'sign-in must come from the console page itself');
    const outcome = await o.auth.login(req.body?.token, req.ip, now());
    if (!outcome.ok) {
      if (outcome.reason === 'rate_limited') {
        o.auditor?.action({ action: 'console.login', target: null, outcome: 'rejected', status: 429, remote_address: req.ip, method: 'POST' });
        reply.header('retry-after', String(outcome.retryAfterSeconds ?? 60));
        return refuse(reply, 429, 'too_many_attempts', 'too many wrong admin tokens from this address; wait a minute');
      }
      o.auditor?.authFailed({ method: 'POST', path: '/console/api/login', remote_address: req.ip, reason: outcome.reason });
      return refuse(reply, 401, 'console_unauthorized', 'that admin token was not accepted');
    }
    o.auditor?.action({ action: 'console.login', target: null, outcome: 'ok', status: 200, remote_address: req.ip, method: 'POST' });
    reply.header('set-cookie', sessionCookie(outcome.cookie, Math.round((outcome.session.expiresMs - now()) / 1000), req.protocol === 'https'));
    return { csrf: outcome.session.csrf, expiresAt: new Date(outcome.session.expiresMs).toISOString() };
  });

  // everything else under /console/api needs a signed-in operator
  app.register(async (api) => {
    api.addHook('onRequest', async (req, reply) => {
      const bearer = presentedBearer(req.headers.authorization);
      if (bearer !== undefined) {
        const checked = await o.auth.checkBearer(bearer, req.ip, now());
        if (checked.ok) return void consoleSessions.set(req, 'bearer');
        if (checked.reason === 'rate_limited') {
          o.auditor?.authFailed({ method: req.method, path: req.url, remote_address: req.ip, reason: 'rate_limited' });
          reply.header('retry-after', String(checked.retryAfterSeconds));
          return refuse(reply, 429, 'too_many_attempts', 'too many wrong admin tokens from this address; wait a minute');
        }
      } else {
        const session = o.auth.session(req.headers.cookie, now());
        if (session) {
          if (req.method !== 'GET' && req.method !== 'HEAD') {
            // a cookie rides along on any request a browser sends: prove it came from the console page
            if (crossSite(req)) return refuse(reply, 403, 'cross_site_request', 'console actions must come from the console page itself');
            if (!o.auth.csrfMatches(session, req.headers[CSRF_HEADER])) return refuse(reply, 403, 'csrf_token_mismatch', `the ${CSRF_HEADER} header is missing or does not match this session`);
          }
          return void consoleSessions.set(req, session);
        }
      }
      o.auditor?.authFailed({ method: req.method, path: req.url, remote_address: req.ip, reason: bearer === undefined && !req.headers.cookie ? 'missing_token' : 'wrong_token' });
      return refuse(reply, 401, 'console_unauthorized', 'sign in to the console (or send Authorization: Bearer <admin token>)');
    });
    // responses of the API are never cached: they describe live state
    api.addHook('onSend', async (_req, reply, payload) => {
      reply.header('cache-control', 'no-store');
      return payload;
    });

    const audited = (req: FastifyRequest, action: string, target: string | null, status: number, details?: Record<string, unknown>) =>
      o.auditor?.action({ action, target, outcome: status < 400 ? 'ok' : status >= 500 ? 'error' : 'rejected', status, remote_address: req.ip, method: req.method, ...(details ? { details } : {}) });

    api.get('/console/api/me', async (req) => {
      const s = consoleSessions.get(req);
      return s === 'bearer' || !s ? { via: 'token' } : { via: 'cookie', csrf: s.csrf, expiresAt: new Date(s.expiresMs).toISOString() };
    });

    api.post('/console/api/logout', async (req, reply) => {
      const s = consoleSessions.get(req);
      reply.header('set-cookie', clearedCookie(req.protocol === 'https'));
      if (s && s !== 'bearer') {
        try {
          await o.auth.logout(s, now());
        } catch (err) {
          // signed out here, but other servers would still take the cookie: say so
          req.log.warn({ error: (err as Error).message }, 'console: a sign-out could not be shared; it holds on this server only');
          audited(req, 'console.logout', null, 503);
          return refuse(reply, 503, 'sign_out_not_shared', 'signed out on this server only: the shared store could not be reached; sign out again, or rotate the admin token to sign out everywhere');
        }
      }
      audited(req, 'console.logout', null, 200);
      return { signedOut: true };
    });

    api.get<{ Querystring: Record<string, string | undefined> }>('/console/api/decisions', { schema: { querystring: FILTER_QUERY } }, async (req) => {
      const limit = Math.min(Number(req.query['limit'] ?? 200) || 200, 1_000);
      const filter = filterOf(req.query);
      const all = await o.store.recent(1_000);
      return { decisions: all.filter((s) => matches(s, filter)).slice(0, limit) };
    });

    api.get<{ Querystring: Record<string, string | undefined> }>('/console/api/decisions/stream', { schema: { querystring: FILTER_QUERY } }, async (req, reply) => {
      if (open.size >= maxStreams) return refuse(reply, 503, 'too_many_streams', `at most ${maxStreams} live views at once`);
      const filter = filterOf(req.query);
      reply.hijack();
      const res = reply.raw;
      open.add(res);
      res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write('retry: 2000\n\n');
      const unsubscribe = o.store.subscribe((batch: readonly DecisionSummary[]) => {
        const hits = batch.filter((s) => matches(s, filter));
        if (hits.length > 0) res.write(`event: decisions\ndata: ${JSON.stringify(hits)}\n\n`);
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      heartbeat.unref();
      const done = () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      };
      res.once('close', done);
    });

    api.get('/console/api/sessions', async () => {
      const t = now();
      const [sessions, blocked, killed] = await Promise.all([o.store.sessions(t, activeMs, 500), o.quarantine.list(t), o.killSwitch.list()]);
      const bySession = new Map(blocked.map((e) => [e.session, e]));
      const seen = new Set(sessions.map((s) => s.session));
      return {
        now: t,
        sessions: sessions.map((s) => withFlags(s, bySession.get(s.session), o.killSwitch)),
        // quarantined sessions that made no call lately are still listed, so they can be released
        quarantinedIdle: blocked.filter((e) => !seen.has(e.session)).map(quarantineView),
        killSwitches: killed,
      };
    });

    api.get<{ Params: { session: string } }>('/console/api/sessions/:session', { schema: { params: SESSION_PARAM } }, async (req, reply) => {
      const t = now();
      const [s, q] = await Promise.all([o.store.session(req.params.session), o.quarantine.get(req.params.session, t)]);
      if (!s) return refuse(reply, 404, 'not_found', 'no recent decision for that session');
      return { now: t, session: withFlags(s, q ?? undefined, o.killSwitch) };
    });

    api.post<{ Params: { session: string }; Body: { reason?: string } | null }>('/console/api/sessions/:session/quarantine', {
      schema: { params: SESSION_PARAM, body: { type: ['object', 'null'], additionalProperties: false, properties: { reason: REASON } } },
    }, async (req) => {
      const t = now();
      const entry: QuarantineEntry = { session: req.params.session, reason: req.body?.reason || 'quarantined from the console', sinceMs: t, untilMs: t + 7 * 86_400_000, by: 'admin' };
      await o.quarantine.block(entry);
      req.log.warn({ session: entry.session }, 'session quarantined from the console');
      audited(req, 'console.session.block', entry.session, 200, { reason: entry.reason });
      return quarantineView(entry);
    });

    api.post<{ Params: { session: string } }>('/console/api/sessions/:session/release', { schema: { params: SESSION_PARAM } }, async (req) => {
      const released = await o.quarantine.release(req.params.session);
      req.log.warn({ session: req.params.session, released }, 'session released from the console');
      audited(req, 'console.session.release', req.params.session, 200);
      return { session: req.params.session, released };
    });

    api.get('/console/api/kill-switches', async () => ({ killSwitches: await o.killSwitch.list() }));

    const killBody = {
      type: 'object', required: ['kind', 'id'], additionalProperties: false,
      properties: { kind: { enum: ['agent', 'key'] }, id: { type: 'string', minLength: 1, maxLength: 512 }, reason: REASON },
    } as const;
    api.post<{ Body: { kind: KillSwitchKind; id: string; reason?: string } }>('/console/api/kill-switches', { schema: { body: killBody } }, async (req) => {
      const entry = { kind: req.body.kind, id: req.body.id, reason: req.body.reason || 'stopped from the console', sinceMs: now(), by: 'admin' as const };
      await o.killSwitch.engage(entry);
      req.log.warn({ kind: entry.kind, id: entry.id }, 'kill switch engaged');
      audited(req, 'console.kill_switch.engage', `${entry.kind}:${entry.id}`, 200, { reason: entry.reason });
      return entry;
    });

    api.post<{ Body: { kind: KillSwitchKind; id: string } }>('/console/api/kill-switches/release', { schema: { body: { ...killBody, properties: { kind: killBody.properties.kind, id: killBody.properties.id } } } }, async (req) => {
      const released = await o.killSwitch.disengage(req.body.kind, req.body.id);
      req.log.warn({ kind: req.body.kind, id: req.body.id, released }, 'kill switch released');
      audited(req, 'console.kill_switch.release', `${req.body.kind}:${req.body.id}`, 200);
      return { kind: req.body.kind, id: req.body.id, released };
    });

    api.get('/console/api/alerts', () => o.alerts());
    api.get('/console/api/policy', async () => o.policy());
    api.get('/console/api/charts', () => o.charts());

    api.post<{ Body: unknown }>('/console/api/explain', async (req, reply) => {
      try {
        return await o.explain(req.body);
      } catch (err) {
        if (err instanceof ExplainError) return refuse(reply, 400, 'invalid_request', err.message);
        throw err;
      }
    });
  });
};

const quarantineView = (e: QuarantineEntry) => ({ session: e.session, reason: e.reason, by: e.by, since: e.sinceMs, until: e.untilMs });

function withFlags(s: SessionView, q: QuarantineEntry | undefined, kill: KillSwitchStore) {
  const k = s.agent !== null ? kill.killed(s.agent, s.key) : undefined;
  return { ...s, quarantine: q ? quarantineView(q) : null, killSwitch: k ?? null };
}

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "font-src 'self'",
  "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};
