// The baseline: a bare Fastify app (logger off, same Node, same loopback) whose routes
// return a constant decision. Everything Leash adds is measured against this.
// Run: node --import tsx bench/http/bare-server.ts PORT [WORKERS]
// With WORKERS > 1 it forks that many node:cluster workers sharing the port, as
// `leash serve --workers N` does, for the scaling table.
import cluster from 'node:cluster';
import Fastify from 'fastify';

const DECISION = {
  allow: true, access: 'read', rule: 'customerRecords.read', reasons: [], limits: [], priority: 'normal',
  decision_id: '00000000-0000-4000-8000-000000000000', status: 200, headers: {},
};

const port = Number(process.argv[2] ?? 0);
const workers = Number(process.argv[3] ?? 1);
if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    cluster.on('exit', () => { if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0); });
  });
} else {
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ status: 'ok' }));
  // parses the same JSON body /decide gets, answers the same shape
  app.post('/decide', async () => DECISION);
  await app.listen({ port, host: '127.0.0.1' });
  process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
}
