// Logger options for Fastify (pino): structured JSON, with every place a credential could
// appear redacted, and request URLs logged with credential query parameters removed.
import type { DestinationStream } from 'pino';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'hsSecret',
  '*.hsSecret',
  'secret',
  '*.secret',
];

const SECRET_QUERY = /([?&](?:access_token|id_token|token|api[-_]?key|apikey|client_secret|password|secret|sig|signature)=)[^&#]*/gi;

export function scrubUrl(url: string): string {
  return url.replace(SECRET_QUERY, '$1[redacted]');
}

export function loggerOptions(level: string, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: { method: string; url: string; id?: string; ip?: string }) {
        return { method: req.method, url: scrubUrl(req.url), id: req.id, remoteAddress: req.ip };
      },
    },
    ...(stream ? { stream } : {}),
  };
}

/**
 * One line per answered request (method, scrubbed URL, status, time), only when the log
 * level is debug or finer: at info the hot path writes no request logs.
 */
export function logRequestsAtDebug(app: FastifyInstance): void {
  if (app.log.level !== 'debug' && app.log.level !== 'trace') return;
  app.addHook('onResponse', async (req, reply) => {
    req.log.debug({ method: req.method, url: scrubUrl(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }, 'request answered');
  });
}

/** a warning at most every 10 s: a store that stays down must not flood the log */
export function rateLimitedWarn(log: { warn(obj: object, msg: string): void }, msg: string): (err: Error) => void {
  let last = -Infinity;
  return (err) => {
    if (Date.now() - last < 10_000) return;
    last = Date.now();
    log.warn({ error: err.message }, msg);
  };
}
