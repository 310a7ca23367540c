// GET|POST /authz: forward auth for nginx `auth_request`, Caddy `forward_auth` and Traefik
// ForwardAuth. The original method and URI come from X-Forwarded-Method/X-Forwarded-Uri
// (or X-Original-Method/X-Original-URI); the token from the forwarded Authorization header.
// Answers the decision's status (200, 401, 403, 429) with x-leash-* and rate-limit headers.
// `ANY /authz/<original path>` serves Envoy's HTTP ext_authz (path_prefix "/authz"), which
// sends the original method and path as they are. A forwarded body (Envoy with_request_body,
// Traefik forwardBody) is the agent's body.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HttpError } from '../errors.ts';
import type { DecisionRequestDraft } from '../contracts.ts';
import { headerValue } from '../decide/index.ts';
import { lazyChildLogger } from './lazy-log.ts';
import { parsePolicyBody } from '../proxy/body.ts';
import { endOfTurn } from '../end-of-turn.ts';

const headersSchema = {
  type: 'object',
  properties: {
    'x-forwarded-method': { type: 'string' },
    'x-forwarded-uri': { type: 'string' },
    'x-original-method': { type: 'string' },
    'x-original-uri': { type: 'string' },
  },
} as const;

/** Headers that describe the hop to Leash, not the agent's request. */
const HOP_HEADERS = /^(host|connection|content-length|transfer-encoding|keep-alive|x-forwarded-method|x-forwarded-uri|x-original-method|x-original-uri)$/i;

export const authzRoute: FastifyPluginAsync = async (app) => {
  app.setChildLoggerFactory(lazyChildLogger); // a pino child per request only when one logs
  const certHeader = app.leash.config.identity.certThumbprintHeader;
  // Bodies arrive raw and are parsed in the handler (below).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const handler = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const h = req.headers;
    const prefixed = prefixedTarget(req);
    const method = first(h['x-forwarded-method']) ?? first(h['x-original-method']) ?? prefixed?.method;
    const uri = first(h['x-forwarded-uri']) ?? first(h['x-original-uri']) ?? prefixed?.uri;
    if (!method || !uri) {
      throw new HttpError('invalid_request', 'forward auth needs X-Forwarded-Method and X-Forwarded-Uri (or X-Original-Method and X-Original-URI)', [
        ...(!method ? [{ path: 'headers.x-forwarded-method', message: 'is required' }] : []),
        ...(!uri ? [{ path: 'headers.x-forwarded-uri', message: 'is required' }] : []),
      ]);
    }
    if (!/^[A-Za-z]{1,32}$/.test(method)) {
      throw new HttpError('invalid_request', 'headers.x-forwarded-method must be an HTTP method', [{ path: 'headers.x-forwarded-method', message: 'must be an HTTP method' }]);
    }
    // An absolute URL is cut to its path and query as written: WHATWG URL parsing would
    // resolve dot segments and re-encode, hiding the spelling server/request must judge.
    const path = uri.startsWith('/') ? uri : toPath(uri);
    if (path === undefined) {
      throw new HttpError('invalid_request', 'headers.x-forwarded-uri must be a path or an absolute URL', [{ path: 'headers.x-forwarded-uri', message: 'must be a path or an absolute URL' }]);
    }
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_HEADERS.test(k)) headers[k] = v;
    const thumb = certHeader ? headerValue(headers, certHeader) : undefined;
    const request: DecisionRequestDraft = { via: 'authz', method, path, headers };
    if (thumb) request.certThumbprint = thumb;
    // A body on the check request is the agent's own: Envoy's `with_request_body` and
    // Traefik's `forwardBody` send it (nginx and Caddy send none). It is parsed exactly as the
    // credential proxy parses bodies; one the policy cannot read unambiguously is refused. An
    // empty one is no body (a GET, or forwarding off).
    if (Buffer.isBuffer(req.body) && req.body.length > 0) {
      const parsed = parsePolicyBody(req.body, first(h['content-type']));
      if (parsed.ok) request.body = parsed.value;
      else if (parsed.failure.message === 'the body is not valid JSON') throw new HttpError('malformed_json', 'the body is not valid JSON');
      // a body of another media type (an upload) is no body to the policy: the resources that
      // read one are denied body_unavailable, the others decided
      else if (parsed.failure.code !== 'body_not_inspectable') {
        throw new HttpError('invalid_request', `the forwarded body cannot be read for the policy: ${parsed.failure.message}`, [{ path: 'body', message: parsed.failure.message }]);
      }
    }
    const answer = await app.leash.decisions.decide(request);
    await endOfTurn();
    reply.code(answer.status).headers(answer.headers);
    // absent fields stay undefined: JSON leaves them out
    return { decision_id: answer.decision_id, allow: answer.allow, reasons: answer.reasons, code: answer.code, reason_code: answer.reason_code };
  };
  app.get('/authz', { schema: { headers: headersSchema } }, handler);
  app.post('/authz', { schema: { headers: headersSchema } }, handler);
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/authz/*', schema: { headers: headersSchema }, handler });
};

/** For `/authz/<path>` (Envoy ext_authz with a path prefix): the request itself is the target. */
function prefixedTarget(req: FastifyRequest): { method: string; uri: string } | undefined {
  const url = req.url;
  if (!url.startsWith('/authz/')) return undefined;
  return { method: req.method, uri: url.slice('/authz'.length) };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The path and query of an absolute URI, exactly as written: a URL parser would resolve dot
 * segments and re-encode, deciding on a path the upstream never receives. */
function toPath(uri: string): string | undefined {
  const m = /^https?:\/\/[^/?#\\]*(\/[^#]*)?$/i.exec(uri);
  if (!m) return undefined;
  return m[1] ?? '/';
}
