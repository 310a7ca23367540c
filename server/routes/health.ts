// GET /health (the process answers), GET /ready (a policy bundle is loaded) and GET /metrics
// (Prometheus text format).
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../errors.ts';

export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/health', { schema: {} }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: {} }, async () => {
    const current = app.leash.engine.current();
    if (!current) throw new HttpError('not_ready', 'no policy bundle is loaded yet');
    return { status: 'ready', revision: current.revision };
  });
  app.get('/metrics', { schema: {} }, async (_req, reply) => {
    reply.type(app.leash.metrics.registry.contentType);
    return app.leash.metrics.registry.metrics();
  });
};
