// The decision-log event in OPA's format (decision_logs plugin, EventV1): labels,
// decision_id, bundles, path, input, result, erased, requested_by, timestamp (RFC 3339
// with nanoseconds), metrics; Leash's agent fields under `leash`. Built from the audit
// event (server/audit/event.ts), whose input already has credentials removed
// (server/audit/redact.ts); then masked by the configured JSON pointers (mask.ts).
import type { AuditEvent } from '../audit/event.ts';
import { applyMask, type MaskRule } from './mask.ts';

export interface DecisionLogEvent {
  labels: Readonly<Record<string, string>>;
  decision_id: string;
  bundles?: Readonly<Record<string, { readonly revision: string }>>;
  path: string;
  input?: unknown;
  result?: unknown;
  /** pointers of the fields removed by the mask */
  erased?: string[];
  /** OPA: pointers of fields replaced by an upsert mask (never set: Leash only erases) */
  masked?: string[];
  /** OPA: the client's address; Leash's decision record does not carry it, so '' */
  requested_by: string;
  /** RFC 3339, UTC, 9 fractional digits (the clock gives ms: the last 6 are 0) */
  timestamp: string;
  metrics: Readonly<Record<string, number>>;
  /** Leash's own fields (not in OPA's format) */
  leash: {
    readonly agent: string | null;
    readonly session: string | null;
    readonly key: string | null;
    readonly task: unknown;
    readonly rule: string | null;
    readonly priority: string;
    readonly class: string | null;
    readonly access: string;
    /** every bucket's state after the decision */
    readonly limits: AuditEvent['limit_state'];
    readonly via: string;
    readonly alerts?: readonly string[];
  };
}

/** "2026-12-06T22:52:02.123Z" → "2026-12-06T22:52:02.123000000Z" */
export function nanoTimestamp(iso: string): string {
  return iso.endsWith('Z') && iso.length === 24 ? `${iso.slice(0, 23)}000000Z` : iso;
}

/** null for events that are not decisions (the proxy's second, upstream_call event) */
export function toDecisionLogEvent(audit: AuditEvent, mask: readonly MaskRule[]): DecisionLogEvent | null {
  if (audit.event_type !== 'decision') return null;
  const event: DecisionLogEvent = {
    labels: audit.labels,
    decision_id: audit.decision_id,
    bundles: audit.bundles,
    path: audit.path,
    input: audit.input,
    result: audit.result,
    requested_by: '',
    timestamp: nanoTimestamp(audit.timestamp),
    metrics: audit.metrics,
    leash: {
      agent: audit.agent_id,
      session: audit.session,
      key: audit.key_id,
      task: audit.task,
      rule: audit.rule,
      priority: audit.priority,
      class: audit.result.class,
      access: audit.access,
      limits: audit.limit_state,
      via: audit.via,
      alerts: audit.alerts,
    },
  };
  return mask.length > 0 ? applyMask(event, mask) : event;
}
