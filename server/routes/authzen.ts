// The OpenID AuthZEN Authorization API (docs/authzen.md): `POST /access/v1/evaluation`,
// `POST /access/v1/evaluations` and the PDP metadata at `/.well-known/authzen-configuration`.
// The AuthZEN subject, action, resource and context map onto one Leash decision through the
// same decision service as /decide (limits, audit, alerts, quarantine): the agent is never
// taken on the caller's word, its token travels in `subject.properties.token` and is
// verified; a subject id that is not the token's subject is denied.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { decodeJwt } from 'jose';
import type { DecisionAnswer, DecisionRequestDraft } from '../contracts.ts';
import { presentedBearer, tokenMatches } from '../admin/index.ts';
import { endOfTurn } from '../end-of-turn.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const HTTP_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** AuthZEN's customary action names, as the HTTP method a gateway would see */
const ACTION_METHODS: Readonly<Record<string, string>> = {
  can_read: 'GET', read: 'GET', can_list: 'GET', can_create: 'POST', create: 'POST', can_write: 'POST', write: 'POST',
  can_update: 'PATCH', update: 'PATCH', can_edit: 'PATCH', edit: 'PATCH', can_delete: 'DELETE', delete: 'DELETE', can_call: 'POST', call: 'POST',
};

const entity = {
  type: 'object', required: ['type', 'id'],
  properties: { type: { type: 'string', minLength: 1, maxLength: 256 }, id: { type: 'string', minLength: 1, maxLength: 8192 }, properties: { type: 'object' } },
} as const;
const action = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 256 }, properties: { type: 'object' } } } as const;
const evaluation = {
  type: 'object', required: ['subject', 'action', 'resource'],
  properties: { subject: entity, action, resource: entity, context: { type: 'object' } },
} as const;
const partial = { type: 'object', properties: { subject: entity, action, resource: entity, context: { type: 'object' } } } as const;
const evaluations = {
  type: 'object',
  properties: {
    ...partial.properties,
    evaluations: { type: 'array', maxItems: 100, items: partial },
    options: { type: 'object', properties: { evaluations_semantic: { enum: ['execute_all', 'deny_on_first_deny', 'permit_on_first_permit'] } } },
  },
} as const;

interface Evaluation { readonly subject?: Obj; readonly action?: Obj; readonly resource?: Obj; readonly context?: Obj }

/** A request Leash can decide, or why it cannot (answered as a denial, never an allow). */
export function toDecisionRequest(e: Evaluation): DecisionRequestDraft | { readonly problem: string } {
  const { subject, action: act, resource } = e;
  if (!subject || !act || !resource) return { problem: 'an evaluation needs a subject, an action and a resource' };
  const sp = isObj(subject['properties']) ? subject['properties'] : {};
  const ap = isObj(act['properties']) ? act['properties'] : {};
  const rp = isObj(resource['properties']) ? resource['properties'] : {};
  const token = sp['token'];
  if (typeof token !== 'string' || token === '') return { problem: "the agent's token is missing: Leash verifies the agent, send its JWT in subject.properties.token" };
  const name = String(act['name']);
  const method = typeof ap['method'] === 'string' ? ap['method'] : HTTP_METHODS.has(name) ? name : ACTION_METHODS[name];
  if (method === undefined) return { problem: `action ${name} names no HTTP method; use GET, POST, ... or can_read, can_create, can_update, can_delete, or set action.properties.method` };
  const type = String(resource['type']);
  const id = String(resource['id']);
  const out: DecisionRequestDraft = { via: 'authzen', method, path: '/', token };
  if (type === 'mcp_tool') {
    // a tool of an MCP server: decided as the MCP gateway decides a tools/call
    if (typeof rp['server'] !== 'string') return { problem: 'an mcp_tool resource needs properties.server, the MCP server' };
    out.method = 'POST';
    out.path = `/tools/${encodeURIComponent(id)}`;
    out.upstream = rp['server'];
    out.body = isObj(rp['arguments']) ? rp['arguments'] : {};
    return out;
  }
  const path = typeof rp['path'] === 'string' ? rp['path'] : id;
  if (!path.startsWith('/')) return { problem: `resource ${type} ${id}: Leash decides on request paths; give the path as the id or properties.path (starting with /)` };
  out.path = path;
  if (typeof rp['upstream'] === 'string') out.upstream = rp['upstream'];
  if (isObj(rp['query'])) out.query = rp['query'] as Record<string, string>;
  if (isObj(rp['headers'])) out.headers = rp['headers'] as Record<string, string>;
  if (rp['body'] !== undefined) out.body = rp['body'];
  return out;
}

/** Leash's answer in AuthZEN's shape: the decision, and reasons in context. */
export function toAuthzenResponse(answer: DecisionAnswer): { decision: boolean; context: Obj } {
  return {
    decision: answer.allow,
    context: {
      id: answer.decision_id,
      ...(answer.allow ? {} : { reason_admin: { en: answer.reasons.join('; ') || 'denied' }, reason_user: { [`en-${answer.status}`]: answer.reasons[0] ?? 'not allowed' } }),
      leash: { status: answer.status, rule: answer.rule, access: answer.access, priority: answer.priority, ...(answer.code ? { code: answer.code } : {}) },
    },
  };
}

/**
 * A subject id that is not the token's `sub` is denied before anything is decided (and no
 * limit consumed). The token is only decoded here; the decision service verifies it, and an
 * unverified token can only lead to this denial, never to an allow.
 */
function subjectMismatch(e: Evaluation, token: string): string | null {
  const id = e.subject?.['id'];
  if (typeof id !== 'string') return null;
  let sub: unknown;
  try {
    sub = decodeJwt(token).sub;
  } catch {
    return null; // the decision service says what is wrong with the token
  }
  return sub === id ? null : `subject ${id} is not the subject of the agent's token`;
}

const denied = (problem: string) => ({ decision: false, context: { reason_admin: { en: problem }, reason_user: { 'en-403': 'not allowed' } } });

export interface AuthzenOptions {
  /** when set, PEPs must send Authorization: Bearer <token> (compared in constant time) */
  readonly token?: string;
}

export const authzenRoutes: FastifyPluginAsync<AuthzenOptions> = async (app, options) => {
  const pepAuthorized = (req: FastifyRequest): boolean => !options.token || tokenMatches(presentedBearer(req.headers.authorization), options.token);
  // AuthZEN: the PDP echoes the caller's X-Request-ID
  app.addHook('onSend', async (req, reply, payload) => {
    const id = req.headers['x-request-id'];
    if (typeof id === 'string' && id.length <= 256) reply.header('x-request-id', id);
    return payload;
  });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/access/') && !pepAuthorized(req)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="leash-authzen"').send({ code: 'pep_unauthorized', message: 'this PDP needs Authorization: Bearer <authzen.token>' });
    }
  });

  const decideOne = async (e: Evaluation) => {
    const request = toDecisionRequest(e);
    if ('problem' in request) return denied(request.problem);
    const mismatch = subjectMismatch(e, request.token!);
    if (mismatch) return denied(mismatch);
    const answer = await app.leash.decisions.decide(request);
    await endOfTurn();
    return toAuthzenResponse(answer);
  };

  app.get('/.well-known/authzen-configuration', async (req) => {
    const base = `${req.protocol}://${req.headers.host ?? 'localhost'}`;
    return {
      policy_decision_point: base,
      access_evaluation_endpoint: `${base}/access/v1/evaluation`,
      access_evaluations_endpoint: `${base}/access/v1/evaluations`,
    };
  });

  app.post<{ Body: Evaluation }>('/access/v1/evaluation', { schema: { body: evaluation } }, async (req) => decideOne(req.body));

  app.post<{ Body: Evaluation & { evaluations?: Evaluation[]; options?: { evaluations_semantic?: string } } }>('/access/v1/evaluations', { schema: { body: evaluations } }, async (req) => {
    const { evaluations: items, options: opts, ...defaults } = req.body;
    // without a list it is one evaluation, answered as the single endpoint answers
    if (!items || items.length === 0) return decideOne(defaults);
    const semantic = opts?.evaluations_semantic ?? 'execute_all';
    const out: Awaited<ReturnType<typeof decideOne>>[] = [];
    for (const item of items) {
      const merged: Evaluation = {
        ...(item.subject ?? defaults.subject ? { subject: item.subject ?? defaults.subject } : {}),
        ...(item.action ?? defaults.action ? { action: item.action ?? defaults.action } : {}),
        ...(item.resource ?? defaults.resource ? { resource: item.resource ?? defaults.resource } : {}),
        ...(item.context ?? defaults.context ? { context: item.context ?? defaults.context } : {}),
      };
      const r = await decideOne(merged);
      out.push(r);
      if ((semantic === 'deny_on_first_deny' && !r.decision) || (semantic === 'permit_on_first_permit' && r.decision)) break;
    }
    return { evaluations: out };
  });
};
