// The ceiling of a decision under ARCHITECTURE.md's choices: the bare Fastify route plus the
// two steps no Leash decision can skip, the request canonicalised into a policy input and one
// opa-wasm SDK `evaluate` of the real bundle, through the same end-of-turn evaluation queue
// as `leash serve`. No token check (one fixed agent, as a token cache hit hands out), no
// limits, no audit, no metrics. Its requests/s ÷ the bare route's is about the most any
// `/decide` can reach on the machine while it evaluates through the SDK.
// Run: node --import tsx bench/http/bare-eval-server.ts PORT BUNDLE.tar.gz
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import type { PolicyInput } from '../../compiler/contract.ts';
import { buildPolicyInput } from '../../server/decide/input.ts';
import { loadBundleFile } from '../../server/engine/bundle-loader.ts';
import { createEvaluationQueue } from '../../server/engine/evaluation-queue.ts';
import { canonicalRequest } from '../../server/request/index.ts';

const port = Number(process.argv[2] ?? 0);
const bundlePath = process.argv[3];
if (!bundlePath) {
  process.stderr.write('usage: bare-eval-server.ts PORT BUNDLE.tar.gz\n');
  process.exit(2);
}
const evaluator = await loadBundleFile(readFileSync(bundlePath), bundlePath);
const evaluations = createEvaluationQueue();

// the bench tokens' claims (bench/http/tokens.ts); one agent object for every request, as
// the token cache hands out one per token
const task = { ticketId: 'T-4891', customerId: 'C-771' };
const claims = { sub: 'support-bot', sid: 'bare-eval', role: 'support', client_id: 'key-17', task, iss: 'https://idp.bench.leash.local', aud: 'leash-bench', jti: 'bare-eval', iat: 0, exp: 0 };
const agent: PolicyInput['agent'] = { id: 'support-bot', session: 'bare-eval', key: 'key-17', claims, task };

const app = Fastify({ logger: false });
app.get('/health', async () => ({ status: 'ok' }));
app.post('/decide', async (request, reply) => {
  const body = request.body as { method?: unknown; path?: unknown };
  const draft = { via: 'decide' as const, method: String(body.method), path: String(body.path), headers: {} };
  const canonical = canonicalRequest(draft);
  if (!canonical.ok) return reply.code(400).send({ allow: false, code: canonical.refusal.code });
  const { outcome } = await evaluations.evaluate(evaluator, buildPolicyInput(draft, canonical.request, agent, Date.now()), 100);
  if (!outcome.ok) return reply.code(500).send({ allow: false, problem: outcome.problem });
  const d = outcome.decision;
  return { allow: d.allow, access: d.access, rule: d.rule, reasons: d.reasons, limits: d.limits, priority: d.priority, decision_id: '00000000-0000-4000-8000-000000000000', status: 200, headers: {} };
});
await app.listen({ port, host: '127.0.0.1' });
process.on('SIGTERM', () => { void app.close().then(() => process.exit(0)); });
