// What every route plugin needs from the app, attached once as `app.leash`: the decision
// service, the policy engine, metrics and the validated configuration.
import type { DecisionAnswer, DecisionService } from '../contracts.ts';
import type { PolicyEngine } from '../engine/index.ts';
import type { LeashMetrics } from '../metrics/index.ts';
import type { LeashConfig } from '../config/index.ts';

export interface LeashServices {
  readonly decisions: DecisionService;
  readonly engine: PolicyEngine;
  readonly metrics: LeashMetrics;
  readonly config: LeashConfig;
}

declare module 'fastify' {
  interface FastifyInstance {
    leash: LeashServices;
  }
}

/** The public view of an answer: no policy input, no raw claims beyond the identity. */
export function publicAnswer(answer: DecisionAnswer): Record<string, unknown> {
  const out: Record<string, unknown> = {
    decision_id: answer.decision_id,
    allow: answer.allow,
    status: answer.status,
    access: answer.access,
    rule: answer.rule,
    reasons: answer.reasons,
    limits: answer.limits,
    priority: answer.priority,
    class: answer.class,
    resources: answer.resources,
    headers: answer.headers,
  };
  if (answer.code !== undefined) out['code'] = answer.code;
  if (answer.reason_code !== undefined) out['reason_code'] = answer.reason_code;
  if (answer.agent) out['agent'] = { id: answer.agent.id, session: answer.agent.session, key: answer.agent.key, task: answer.agent.task };
  if (answer.revision !== undefined) out['revision'] = answer.revision;
  return out;
}

/** Any header map a client may send: values are strings or lists of strings. */
export const headerMapSchema = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
} as const;
