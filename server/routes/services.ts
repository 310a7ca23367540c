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
  if (answer.agent) out['agent'] = publicAgent(answer.agent);
  if (answer.revision !== undefined) out['revision'] = answer.revision;
  return out;
}

/** Any header map a client may send: values are strings or lists of strings. */
export const headerMapSchema = {
  type: 'object',
  additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
} as const;

// One public view per agent object (the token cache hands out one per token); answers only read it.
const publicAgents = new WeakMap<object, Readonly<Record<string, unknown>>>();

function publicAgent(agent: NonNullable<DecisionAnswer['agent']>): Readonly<Record<string, unknown>> {
  let view = publicAgents.get(agent);
  if (view === undefined) {
    view = { id: agent.id, session: agent.session, key: agent.key, task: agent.task };
    publicAgents.set(agent, view);
  }
  return view;
}
