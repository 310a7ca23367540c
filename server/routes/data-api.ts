// POST /v1/data/{path}: OPA's REST data API, so Kong's OPA plugin and other OPA clients work
// unchanged. `leash/decision` answers the decision object (with `allow`, `status`, `headers`,
// `message` as Kong reads them); `leash/allow` answers a boolean. Other paths are 404.
import type { FastifyPluginAsync } from 'fastify';
import { HttpError } from '../errors.ts';
import { headerValue } from '../decide/index.ts';
import { parseGatewayInput } from './gateway-input.ts';
import { publicAnswer } from './services.ts';
import { lazyChildLogger } from './lazy-log.ts';
import { endOfTurn } from '../end-of-turn.ts';

const DOCUMENTS = ['leash/decision', 'leash/allow'] as const;

const bodySchema = {
  type: 'object',
  required: ['input'],
  properties: { input: { type: 'object' } },
} as const;

export const dataApiRoute: FastifyPluginAsync = async (app) => {
  app.setChildLoggerFactory(lazyChildLogger); // a pino child per request only when one logs
  const certHeader = app.leash.config.identity.certThumbprintHeader;
  app.post<{ Body: { input: Record<string, unknown> }; Params: { '*': string } }>(
    '/v1/data/*',
    { schema: { body: bodySchema, params: { type: 'object', properties: { '*': { type: 'string' } } } } },
    async (req) => {
      const doc = req.params['*'].replace(/^\/+|\/+$/g, '');
      if (!(DOCUMENTS as readonly string[]).includes(doc)) {
        throw new HttpError('unknown_data_path', `no document at data/${doc}; use data/leash/decision (an object) or data/leash/allow (a boolean)`);
      }
      const parsed = parseGatewayInput(req.body.input);
      if (!parsed.ok) {
        const first = parsed.errors[0]!;
        throw new HttpError('invalid_request', `${first.path} ${first.message}`, parsed.errors);
      }
      const request = parsed.request;
      const thumb = certHeader ? headerValue(request.headers, certHeader) : undefined;
      if (thumb) request.certThumbprint = thumb;
      const answer = await app.leash.decisions.decide(request);
      await endOfTurn();
      if (doc === 'leash/allow') return { decision_id: answer.decision_id, result: answer.allow };
      const message = answer.allow ? 'allowed' : (answer.reasons[0] ?? 'denied');
      return {
        decision_id: answer.decision_id,
        result: {
          ...publicAnswer(answer),
          message,
          // OPA-Envoy's names for the same facts, for clients written against it
          allowed: answer.allow,
          http_status: answer.status,
        },
      };
    },
  );
};
