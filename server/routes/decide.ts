// POST /decide: the generic decision endpoint (AWS API Gateway Lambda authorizers, Apigee
// callouts, custom gateways). Body `{ method, path, query?, headers?, body?, upstream?,
// token? }`; answers 200 with the decision, the status the gateway should return, and headers.
import type { FastifyPluginAsync } from 'fastify';
import type { DecisionRequestDraft } from '../contracts.ts';
import { headerValue } from '../decide/index.ts';
import { headerMapSchema, publicAnswer } from './services.ts';
import { lazyChildLogger } from './lazy-log.ts';
import { endOfTurn } from '../end-of-turn.ts';

interface DecideBody {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string | string[]>;
  body?: unknown;
  upstream?: string | null;
  token?: string;
}

const bodySchema = {
  type: 'object',
  required: ['method', 'path'],
  additionalProperties: false,
  properties: {
    method: { type: 'string', minLength: 1, maxLength: 32, pattern: '^[A-Za-z]+$' },
    path: { type: 'string', minLength: 1, maxLength: 8192, pattern: '^/' },
    query: headerMapSchema,
    headers: headerMapSchema,
    body: {},
    upstream: { anyOf: [{ type: 'string', minLength: 1, maxLength: 256 }, { type: 'null' }] },
    token: { type: 'string', minLength: 1 },
  },
} as const;

export const decideRoute: FastifyPluginAsync = async (app) => {
  // this plugin's requests only: a pino child per request is made when one logs
  app.setChildLoggerFactory(lazyChildLogger);
  const certHeader = app.leash.config.identity.certThumbprintHeader;
  app.post<{ Body: DecideBody }>('/decide', { schema: { body: bodySchema } }, async (req) => {
    const b = req.body;
    const thumb = certHeader ? headerValue(b.headers, certHeader) : undefined;
    // optional fields set one by one: conditional spreads cost every request a copy each
    const request: DecisionRequestDraft = { via: 'decide', method: b.method, path: b.path };
    if (b.query) request.query = b.query;
    if (b.headers) request.headers = b.headers;
    if (b.body !== undefined) request.body = b.body;
    if (b.upstream !== undefined) request.upstream = b.upstream;
    if (b.token) request.token = b.token;
    if (thumb) request.certThumbprint = thumb;
    const answer = await app.leash.decisions.decide(request);
    await endOfTurn();
    return publicAnswer(answer);
  });
};
