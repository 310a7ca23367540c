// Which decisions are anomalies, and of what kind. A policy denial of a verified agent is a
// scope violation (the request is outside what its session may do); a 429 is a limit hit;
// any other denial (store down, policy error...) is a plain denial. Write anomalies alert
// at once; read anomalies go to the digest. Bad tokens carry no identity to alert about.
import type { AccessKind } from '../../compiler/index.ts';
import type { DecisionRecord } from '../contracts.ts';
import { isRefusalCode } from '../request/options.ts';

export type AnomalyKind = `${AccessKind}_${'denied' | 'limit_hit' | 'out_of_scope'}`;

export interface Anomaly {
  readonly kind: AnomalyKind;
  readonly access: AccessKind;
  /** a policy denial of a verified agent: counts towards quarantine */
  readonly scopeViolation: boolean;
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

export function classifyDecision(record: DecisionRecord): Anomaly | null {
  const { answer, request } = record;
  if (answer.allow || !answer.agent) return null;
  // a quarantined session was already reported when it was quarantined
  if (answer.code === 'quarantined' || answer.code === 'bad_token') return null;
  // A request refused before the policy for a non-canonical spelling is a probe for a parser
  // difference: it counts toward quarantine like a scope violation.
  const scopeViolation = (answer.status === 403 && answer.code === undefined) || isRefusalCode(answer.code);
  const what = answer.code === 'rate_limited' || answer.status === 429 ? 'limit_hit' : scopeViolation ? 'out_of_scope' : 'denied';
  const exp = answer.agent.claims['exp'];
  return {
    kind: `${answer.access}_${what}`,
    access: answer.access,
    scopeViolation,
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
