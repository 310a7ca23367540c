// GET /health (the process answers; with OPA's `bundles`, `plugins` and `exclude-plugin`
// parameters, whether the bundle is activated and every plugin is OK: docs/status.md),
// GET /ready (a policy bundle is loaded) and GET /metrics (Prometheus text format).
import type { FastifyPluginAsync } from 'fastify';
import { ERROR_CODES, HttpError } from '../errors.ts';
import { metricsSource } from '../metrics/cluster.ts';
import { checkHealth, parseHealthQuery, type StatusRecorder } from '../status/index.ts';

export interface HealthOptions {
  /** answers the OPA parameters; without it /health only says the process answers */
  readonly status?: StatusRecorder;
}

export const healthRoutes: FastifyPluginAsync<HealthOptions> = async (app, options) => {
  app.get('/health', { schema: {} }, async (req, reply) => {
    const q = parseHealthQuery(req.query as Record<string, string | string[] | undefined>);
    // a plain /health answers as it always has; OPA's parameters get OPA's answers
    if (!q.opa) return { status: 'ok' };
    if (!options.status) return reply.code(500).send({ error: 'health checks are not available' });
    const answer = checkHealth(options.status, q);
    return reply.code(answer.status).send(answer.body);
  });
  app.get('/ready', { schema: {} }, async () => {
    const current = app.leash.engine.current();
    if (!current) throw new HttpError('not_ready', 'no policy bundle is loaded yet');
    return { status: 'ready', revision: current.revision };
  });
  app.get('/metrics', { schema: {} }, async (req, reply) => {
    reply.type(app.leash.metrics.registry.contentType);
    // a `--workers N` worker answers for all workers (aggregated by the primary)
    const aggregated = metricsSource();
    if (!aggregated) return app.leash.metrics.registry.metrics();
    try {
      return await aggregated();
    } catch (err) {
      req.log.warn({ reason: (err as Error).message }, 'aggregated metrics unavailable');
      // answered here, not thrown: the warning above is the one log line, with the reason
      return reply.code(ERROR_CODES.metrics_unavailable.status).type('application/json').send({ code: 'metrics_unavailable', message: 'the metrics of all workers could not be gathered; try again' });
    }
  });
};
