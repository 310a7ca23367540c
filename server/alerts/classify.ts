// Which decisions are anomalies, and of what kind, from the denial's class (docs/dsl.md,
// "Decision classes"): outside the task scope, a business rule, missing input, a limit hit, or
// a plain denial (store down, policy error). Write anomalies alert at once; read anomalies go
// to the digest. Only the classes the operator counts (default: scope) count toward quarantine.
// Bad tokens carry no identity to alert about.
import type { AccessKind, DecisionClass } from '../../compiler/index.ts';
import type { DecisionRecord } from '../contracts.ts';

export type AnomalyKind = `${AccessKind}_${'denied' | 'limit_hit' | 'out_of_scope' | 'business_rule' | 'input_missing'}`;

/** the classes that count toward quarantine when the configuration names none */
export const DEFAULT_QUARANTINE_CLASSES: readonly DecisionClass[] = ['scope'];

const KIND_OF_CLASS: Readonly<Record<DecisionClass, AnomalyKind extends `${string}_${infer K}` ? K : never>> = {
  scope: 'out_of_scope', business: 'business_rule', input: 'input_missing', limit: 'limit_hit', identity: 'denied', system: 'denied',
};

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly access: AccessKind;
  readonly class: DecisionClass;
  /** its class is one the operator counts toward quarantine */
  readonly countsTowardQuarantine: boolean;
  readonly decisionId: string;
  readonly agentId: string;
  readonly session: string;
  readonly keyId: string | null;
  readonly task: unknown;
  readonly method: string;
  readonly path: string;
  readonly rule: string | null;
  readonly reasons: readonly string[];
  /** when the session ends (ms), from the token's exp when known */
  readonly sessionEndsAtMs: number | null;
  readonly timestampMs: number;
}

export function classifyDecision(record: DecisionRecord, counted: readonly DecisionClass[] = DEFAULT_QUARANTINE_CLASSES): Anomaly | null {
  const { answer, request } = record;
  if (answer.allow || !answer.agent) return null;
  // a quarantined session was already reported when it was quarantined
  if (answer.code === 'quarantined' || answer.code === 'bad_token') return null;
  // A request refused before the policy for a non-canonical spelling carries class scope: it
  // is a probe for a parser difference. A denial without a class is counted as scope.
  const cls: DecisionClass = answer.class ?? 'scope';
  const what = answer.status === 429 ? 'limit_hit' : KIND_OF_CLASS[cls];
  const exp = answer.agent.claims['exp'];
  return {
    kind: `${answer.access}_${what}`,
    access: answer.access,
    class: cls,
    countsTowardQuarantine: counted.includes(cls),
    decisionId: answer.decision_id,
    agentId: answer.agent.id,
    session: answer.agent.session,
    keyId: answer.agent.key,
    task: answer.agent.task,
    method: answer.input?.request.method ?? request.method,
    path: answer.input?.request.path ?? request.path,
    rule: answer.rule,
    reasons: answer.reasons,
    sessionEndsAtMs: typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : null,
    timestampMs: record.timestampMs,
  };
}
