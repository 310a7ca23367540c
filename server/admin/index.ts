// Admin endpoints for quarantined sessions, as a Fastify plugin: list, inspect, block and
// release (`/admin/sessions...`). Every route needs `Authorization: Bearer <admin token>`,
// compared in constant time; answers use the server's `{ code, message }` error shape.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { QuarantineEntry, QuarantineStore } from '../alerts/index.ts';

export interface AdminOptions {
  readonly token: string;
  readonly quarantine: QuarantineStore;
  readonly now?: () => number;
  /** default length of an admin block when no `until` is given (default 7 days) */
  readonly defaultBlockMs?: number;
}

export const MIN_ADMIN_TOKEN_LENGTH = 16;

const digest = (s: string) => createHash('sha256').update(s).digest();

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

  app.addHook('onRequest', async (req, reply) => {
    const header = req.headers.authorization;
    const presented = typeof header === 'string' && /^bearer /i.test(header) ? header.slice(7).trim() : undefined;
    if (!tokenMatches(presented, options.token)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="leash-admin"').send({ code: 'admin_unauthorized', message: 'a valid admin token is required (Authorization: Bearer <token>)' });
    }
  });

  app.get('/admin/sessions', async () => ({ sessions: (await q.list(now())).map(view) }));

  app.get<{ Params: { session: string } }>('/admin/sessions/:session', { schema: { params: sessionParam } }, async (req, reply) => {
    const e = await q.get(req.params.session, now());
    if (!e) return reply.code(404).send({ code: 'not_found', message: `session ${req.params.session} is not quarantined` });
    return view(e);
  });

  app.post<{ Params: { session: string }; Body: { reason?: string; until?: string } | null }>(
    '/admin/sessions/:session/block',
    {
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

  app.post<{ Params: { session: string } }>('/admin/sessions/:session/release', { schema: { params: sessionParam } }, async (req) => {
    const released = await q.release(req.params.session);
    req.log.warn({ session: req.params.session, released }, 'session released by an administrator');
    return { session: req.params.session, released };
  });
};
