// The separate admin listener (`server.adminPort` / `server.adminHost`): a second Fastify
// instance that serves only the admin routes, with the main app's logger, body limit and
// `{ code, message }` error shape. app.ts builds it (not listening); server.ts listens on it
// after the main port and the main app's close closes it too.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { answerClientError } from '../client-errors.ts';
import { httpTimeouts } from '../http-timeouts.ts';
import type { LeashConfig } from '../config/index.ts';
import { toErrorBody, HttpError } from '../errors.ts';
import { logRequestsAtDebug } from '../logging.ts';

export interface AdminServerOptions {
  /** the main app's logger; the admin listener logs through a child with `listener: admin` */
  readonly log: FastifyBaseLogger;
  readonly bodyLimit: number;
  /** the main listener's bounds on how long a request may take to arrive */
  readonly timeouts: Pick<LeashConfig['server'], 'headersTimeoutMs' | 'requestTimeoutMs'>;
}

export function createAdminServer(options: AdminServerOptions): FastifyInstance {
  const admin = Fastify({
    loggerInstance: options.log.child({ listener: 'admin' }),
    bodyLimit: options.bodyLimit,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: true, useDefaults: false } },
    return503OnClosing: true,
    logController: new LogController({ disableRequestLogging: true }),
    clientErrorHandler: answerClientError,
    ...httpTimeouts(options.timeouts),
    frameworkErrors: (err, _req, generic) => {
      const reply = generic as unknown as { code(status: number): { send(body: unknown): void } };
      const { status, body } = toErrorBody(err);
      return reply.code(status).send(body);
    },
  }) as unknown as FastifyInstance;
  logRequestsAtDebug(admin);
  admin.removeContentTypeParser('text/plain');
  admin.setErrorHandler((err, req, reply) => {
    const { status, body } = toErrorBody(err);
    if (status >= 500) req.log.error({ code: body.code, err_name: (err as Error).name, err_message: (err as Error).message }, 'admin request failed');
    return reply.code(status).send(body);
  });
  admin.setNotFoundHandler((req) => {
    throw new HttpError('not_found', `no route for ${req.method} on this path`);
  });
  return admin;
}
