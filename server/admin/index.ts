// Admin endpoints for quarantined sessions, as a Fastify plugin: list, inspect, block and
// release (`/admin/sessions...`), and the status report (`GET /admin/status`). Every route
// needs `Authorization: Bearer <admin token>`, compared in constant time; answers use the
// server's `{ code, message }` error shape. With an audit writer, every mutating action and
// every refused request (rate-limited) is an `admin_action` audit event (./audit.ts).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Counter, type Registry } from 'prom-client';
import type { KillSwitchKind, KillSwitchStore, QuarantineEntry, QuarantineStore } from '../alerts/index.ts';
import type { StatusRecorder } from '../status/recorder.ts';
import { createMemoryGuessLimiter, type TokenGuessLimiter } from './token-guesses.ts';
import { createAdminAuditor, type AdminAuditWriter } from './audit.ts';

export { createAdminAuditor, auditPath, DEFAULT_MAX_AUTH_FAILURES_PER_MINUTE, type AdminAuditor, type AdminAuditWriter } from './audit.ts';
export { createAdminServer, type AdminServerOptions } from './listener.ts';
export { createMemoryGuessLimiter, createRedisGuessLimiter, MAX_TOKEN_GUESSES_PER_MINUTE, withGuessCounts, type GuessOutcome, type TokenGuessLimiter } from './token-guesses.ts';

export interface AdminOptions {
  readonly token: string;
  readonly quarantine: QuarantineStore;
  readonly now?: () => number;
  /** default length of an admin block when no `until` is given (default 7 days) */
  readonly defaultBlockMs?: number;
  /** where admin actions and refused admin requests are audited (the decision audit log) */
  readonly audit?: AdminAuditWriter;
  /** labels for those events (id, version), as the decision events carry */
  readonly labels?: Readonly<Record<string, string>>;
  /** refused requests audited per minute at most (default 10); the rest are counted */
  readonly maxAuthFailuresPerMinute?: number;
  /** serves GET /admin/status when given */
  readonly status?: StatusRecorder;
  /** counts refused admin requests (`leash_admin_auth_failures_total`) */
  readonly registry?: Registry;
  /** serves /admin/kill-switches when given (docs/console.md#kill-switch) */
  readonly killSwitch?: KillSwitchStore;
  /** counts wrong tokens per address, shared with the console (default: this process) */
  readonly guesses?: TokenGuessLimiter;
}

const authenticated = new WeakSet<FastifyRequest>();

function outcomeOf(status: number): 'ok' | 'rejected' | 'error' {
  if (status < 400) return 'ok';
  return status >= 500 ? 'error' : 'rejected';
}

const clip = (v: unknown, n = 500) => (typeof v === 'string' ? (v.length > n ? `${v.slice(0, n)}…` : v) : undefined);

export const MIN_ADMIN_TOKEN_LENGTH = 16;

const digest = (s: string) => createHash('sha256').update(s).digest();

/** the token after `Bearer ` (any case) in an Authorization header, or undefined */
export function presentedBearer(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
}

/** constant-time: both sides are hashed to equal length before comparing */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

const sessionParam = {
  type: 'object',
  required: ['session'],
  properties: { session: { type: 'string', minLength: 1, maxLength: 512 } },
} as const;

const view = (e: QuarantineEntry) => ({ session: e.session, reason: e.reason, by: e.by, since: new Date(e.sinceMs).toISOString(), until: new Date(e.untilMs).toISOString() });

export const adminRoutes: FastifyPluginAsync<AdminOptions> = async (app: FastifyInstance, options: AdminOptions) => {
  if (typeof options.token !== 'string' || options.token.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new Error(`the admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters`);
  }
  const now = options.now ?? Date.now;
  const defaultBlockMs = options.defaultBlockMs ?? 7 * 86_400_000;
  const q = options.quarantine;
  const guesses = options.guesses ?? createMemoryGuessLimiter();
  const auditor = options.audit ? createAdminAuditor({ audit: options.audit, ...(options.labels ? { labels: options.labels } : {}), ...(options.maxAuthFailuresPerMinute !== undefined ? { maxAuthFailuresPerMinute: options.maxAuthFailuresPerMinute } : {}), now }) : undefined;
  const failures = options.registry ? new Counter({ name: 'leash_admin_auth_failures_total', help: 'Admin requests refused for a missing or wrong admin token', registers: [options.registry] }) : undefined;
  // before the audit sinks close (onClose): the count of suppressed refusals still gets written
  app.addHook('preClose', async () => auditor?.close());

  app.addHook('onRequest', async (req, reply) => {
    const presented = presentedBearer(req.headers.authorization);
    // a request without a token guesses nothing; a wrong one counts against its address
    const checked = presented === undefined || presented === '' ? { ok: false as const, reason: 'missing_token' as const } : await guesses.check(req.ip, now(), () => tokenMatches(presented, options.token));
    if (checked.ok) {
      authenticated.add(req);
    } else if (checked.reason === 'rate_limited') {
      failures?.inc();
      auditor?.authFailed({ method: req.method, path: req.url, remote_address: req.ip, reason: 'rate_limited' });
      return reply.code(429).header('retry-after', String(checked.retryAfterSeconds)).send({ code: 'too_many_attempts', message: 'too many wrong admin tokens from this address; wait a minute' });
    } else {
      failures?.inc();
      auditor?.authFailed({ method: req.method, path: req.url, remote_address: req.ip, reason: presented === undefined || presented === '' ? 'missing_token' : 'wrong_token' });
      return reply.code(401).header('www-authenticate', 'Bearer realm="leash-admin"').send({ code: 'admin_unauthorized', message: 'a valid admin token is required (Authorization: Bearer <token>)' });
    }
  });

  // One event per mutating request that passed the token check, whatever its outcome
  // (validation errors and store failures included), once the answer is known.
  app.addHook('onResponse', async (req, reply) => {
    const action = req.routeOptions.config?.adminAction;
    if (!auditor || !action || !authenticated.has(req)) return;
    const params = (req.params ?? {}) as { session?: unknown };
    const body = (req.body ?? {}) as { reason?: unknown; until?: unknown; kind?: unknown; id?: unknown };
    const killTarget = typeof body.kind === 'string' && typeof body.id === 'string' ? clip(`${body.kind}:${body.id}`, 512)! : null;
    const details: Record<string, unknown> = {};
    if (clip(body.reason) !== undefined) details['reason'] = clip(body.reason);
    if (clip(body.until, 64) !== undefined) details['until'] = clip(body.until, 64);
    auditor.action({
      action,
      target: typeof params.session === 'string' ? clip(params.session, 512)! : killTarget,
      outcome: outcomeOf(reply.statusCode),
      status: reply.statusCode,
      remote_address: req.ip,
      method: req.method,
      ...(Object.keys(details).length > 0 ? { details } : {}),
    });
  });

  if (options.status) {
    const status = options.status;
    app.get('/admin/status', async () => status.report());
  }

  if (options.killSwitch) {
    const kill = options.killSwitch;
    const target = {
      type: 'object', required: ['kind', 'id'], additionalProperties: false,
      properties: { kind: { enum: ['agent', 'key'] }, id: { type: 'string', minLength: 1, maxLength: 512 }, reason: { type: 'string', maxLength: 500 } },
    } as const;
    app.get('/admin/kill-switches', async () => ({ killSwitches: await kill.list() }));
    app.post<{ Body: { kind: KillSwitchKind; id: string; reason?: string } }>('/admin/kill-switches', { config: { adminAction: 'kill_switch.engage' }, schema: { body: target } }, async (req) => {
      const entry = { kind: req.body.kind, id: req.body.id, reason: req.body.reason || 'stopped by an administrator', sinceMs: now(), by: 'admin' as const };
      await kill.engage(entry);
      req.log.warn({ kind: entry.kind, id: entry.id }, 'kill switch engaged by an administrator');
      return entry;
    });
    app.post<{ Body: { kind: KillSwitchKind; id: string } }>('/admin/kill-switches/release', {
      config: { adminAction: 'kill_switch.release' },
      schema: { body: { ...target, properties: { kind: target.properties.kind, id: target.properties.id } } },
    }, async (req) => {
      const released = await kill.disengage(req.body.kind, req.body.id);
      req.log.warn({ kind: req.body.kind, id: req.body.id, released }, 'kill switch released by an administrator');
      return { kind: req.body.kind, id: req.body.id, released };
    });
  }

  app.get('/admin/sessions', async () => ({ sessions: (await q.list(now())).map(view) }));

  app.get<{ Params: { session: string } }>('/admin/sessions/:session', { schema: { params: sessionParam } }, async (req, reply) => {
    const e = await q.get(req.params.session, now());
    if (!e) return reply.code(404).send({ code: 'not_found', message: `session ${req.params.session} is not quarantined` });
    return view(e);
  });

  app.post<{ Params: { session: string }; Body: { reason?: string; until?: string } | null }>(
    '/admin/sessions/:session/block',
    {
      config: { adminAction: 'session.block' },
      schema: {
        params: sessionParam,
        body: {
          type: ['object', 'null'],
          additionalProperties: false,
          properties: { reason: { type: 'string', maxLength: 500 }, until: { type: 'string', format: 'date-time' } },
        },
      },
    },
    async (req, reply) => {
      const t = now();
      const untilMs = req.body?.until ? Date.parse(req.body.until) : t + defaultBlockMs;
      if (!(untilMs > t)) return reply.code(400).send({ code: 'invalid_request', message: '`until` must be in the future' });
      const entry: QuarantineEntry = { session: req.params.session, reason: req.body?.reason ?? 'blocked by an administrator', sinceMs: t, untilMs, by: 'admin' };
      await q.block(entry);
      req.log.warn({ session: entry.session, until: view(entry).until }, 'session blocked by an administrator');
      return view(entry);
    },
  );

  app.post<{ Params: { session: string } }>('/admin/sessions/:session/release', { config: { adminAction: 'session.release' }, schema: { params: sessionParam } }, async (req) => {
    const released = await q.release(req.params.session);
    req.log.warn({ session: req.params.session, released }, 'session released by an administrator');
    return { session: req.params.session, released };
  });
};

declare module 'fastify' {
  interface FastifyContextConfig {
    /** names the admin action a mutating admin route performs, for its audit event */
    adminAction?: string;
  }
}
