// The audit event: OPA's decision-log fields (decision_id, path, input, result, timestamp,
// labels, metrics, bundles) plus Leash's identity and limit fields, built from one
// DecisionRecord. Credentials never reach it: the input passes through redact.ts.
import type { AccessKind, DecisionClass, Priority } from '../../compiler/index.ts';
// the contract module directly: compiler/index.ts would load the whole compiler into the server
import { DECISION_ENTRYPOINT } from '../../compiler/contract.ts';
import type { BucketState, DecisionRecord } from '../contracts.ts';
import { redactBody, redactValue, type RedactOptions } from './redact.ts';

export interface AuditEvent {
  readonly decision_id: string;
  /**
   * 'upstream_call': the credential proxy's second event for an allowed call, once the upstream answered;
   * 'admin_action': an admin API action or a refused admin request (server/admin/audit.ts; `admin` says what)
   */
  readonly event_type: 'decision' | 'upstream_call' | 'admin_action';
  readonly path: string;
  readonly input: unknown;
  readonly result: {
    readonly allow: boolean;
    readonly status: number;
    readonly code?: string;
    readonly reason_code?: string;
    readonly reasons: readonly string[];
    readonly limits: readonly unknown[];
    /** what kind of denial (scope, business, input, limit, identity, system); null when allowed */
    readonly class: DecisionClass | null;
    /** the resources (`<policy>/<route>`) the request matched */
    readonly resources: readonly string[];
  };
  /** RFC 3339 with ms, UTC */
  readonly timestamp: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly metrics: Readonly<Record<string, number>>;
  readonly bundles?: Readonly<Record<string, { readonly revision: string }>>;
  readonly agent_id: string | null;
  readonly session: string | null;
  readonly key_id: string | null;
  readonly task: unknown;
  readonly access: AccessKind;
  readonly rule: string | null;
  readonly limit_state: readonly BucketState[];
  readonly priority: Priority;
  readonly via: string;
  readonly alerts?: readonly string[];
  readonly upstream_call?: DecisionRecord['upstreamCall'];
  /** for `admin_action` events: who did what to what, and how it went (never the admin token) */
  readonly admin?: AdminActionFields;
}

export interface AdminActionFields {
  readonly actor: 'admin';
  /** e.g. `session.block`, `session.release`, `auth.failed`, `auth.failed.suppressed` */
  readonly action: string;
  /** what the action was on (a session id), or the path of a refused request */
  readonly target: string | null;
  readonly outcome: 'ok' | 'rejected' | 'error' | 'unauthorized';
  readonly status: number;
  readonly remote_address: string;
  readonly method: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface EventOptions extends RedactOptions {
  /** OPA-style labels: who produced the event (id, version, ...) */
  readonly labels?: Readonly<Record<string, string>>;
  /** anomaly kinds that alerted for this decision; makes the event high priority */
  readonly alerts?: readonly string[];
}

export function buildAuditEvent(record: DecisionRecord, options: EventOptions = {}): AuditEvent {
  const { request, answer } = record;
  const agent = answer.agent;
  const alerts = options.alerts ?? [];
  // the decision's priority already makes writes high unless a rule said 'normal'
  const high = answer.priority === 'high' || alerts.length > 0;
  // Absent optional fields are `undefined` rather than spread in: JSON (what every sink
  // writes) leaves them out all the same, and no per-event copies are made.
  const event: AuditEvent = {
    decision_id: answer.decision_id,
    event_type: record.upstreamCall ? 'upstream_call' : 'decision',
    path: DECISION_ENTRYPOINT,
    input: buildInput(record, options),
    result: {
      allow: answer.allow,
      status: answer.status,
      code: answer.code || undefined,
      reason_code: answer.reason_code || undefined,
      reasons: answer.reasons,
      limits: answer.limits.map((l) => ({ id: l.id, scope: l.scope, max: l.max, window: l.window, cost: l.cost })),
      class: answer.class,
      resources: answer.resources,
    },
    timestamp: new Date(record.timestampMs).toISOString(),
    labels: { app: 'leash', ...(options.labels ?? {}) },
    metrics: { timer_server_handler_ns: record.durationNs },
    bundles: answer.revision ? { leash: { revision: answer.revision } } : undefined,
    agent_id: agent?.id ?? null,
    session: agent?.session ?? null,
    key_id: agent?.key ?? null,
    task: agent?.task ? redactedAgent(agent).task : null,
    access: answer.access,
    rule: answer.rule,
    limit_state: answer.bucketStates ?? [],
    priority: high ? 'high' : 'normal',
    via: request.via,
    alerts: alerts.length > 0 ? alerts : undefined,
    upstream_call: record.upstreamCall,
  };
  return event;
}

/** the policy input when there is one, else the raw request; either way without credentials */
function buildInput(record: DecisionRecord, options: RedactOptions): unknown {
  const input = record.answer.input;
  if (input) {
    return {
      agent: redactedAgent(input.agent).agent,
      request: {
        method: input.request.method,
        path: input.request.path,
        query: redactValue(input.request.query),
        headers: redactValue(input.request.headers),
        body: redactBody(input.request.body, options),
      },
      upstream: input.upstream,
      now: input.now,
    };
  }
  const r = record.request;
  const headers: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
  // never the token itself, nor the certificate thumbprint bound to it
  return { request: { method: r.method, path: r.path, query: redactValue(r.query ?? {}), headers: redactValue(headers), body: redactBody(r.body, options) }, upstream: r.upstream ?? null };
}

type Agent = NonNullable<DecisionRecord['answer']['agent']>;
interface RedactedAgent {
  readonly agent: unknown;
  readonly task: unknown;
}

// The verified-token cache hands out one agent object per token, so its redacted copy is
// made once per token, not once per decision (events only read it, never change it).
const redactedAgents = new WeakMap<Agent, RedactedAgent>();

function redactedAgent(agent: Agent): RedactedAgent {
  let hit = redactedAgents.get(agent);
  if (!hit) {
    const task = redactValue(agent.task);
    hit = { agent: { ...agent, claims: redactValue(agent.claims), task }, task };
    redactedAgents.set(agent, hit);
  }
  return hit;
}

/** Events as JSON Lines: one event per line, each ending in a newline. */
export function jsonLines(events: readonly AuditEvent[]): string {
  return `${events.map(auditLine).join('\n')}\n`;
}

/** The event as one line of JSON (no newline). */
export function auditLine(event: AuditEvent): string {
  return JSON.stringify(event);
}
