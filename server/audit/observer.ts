// The DecisionObserver the decision service calls: for every finished decision it writes
// one audit event, raises write alerts at once and digests read anomalies, and counts scope
// violations towards quarantine. `record` returns at once; all I/O runs in the background.
import type { DecisionClass } from '../../compiler/index.ts';
import type { DecisionObserver, DecisionRecord } from '../contracts.ts';
import { classifyDecision, type Notifier, type NotifierStats, type QuarantineStore } from '../alerts/index.ts';
import { DEFAULT_MAX_SESSION_LIFE_MS } from '../limits/index.ts';
import type { AuditLog } from './audit-log.ts';
import { createEventBuilder } from './event.ts';
import type { RedactOptions } from './redact.ts';
import type { SinkStats } from './runner.ts';
import { stderrLogger, type AuditLogger } from './sink.ts';

export interface ObserverOptions extends RedactOptions {
  readonly audit: AuditLog;
  readonly notifier?: Notifier;
  readonly quarantine?: QuarantineStore;
  /** the denial classes that count toward quarantine (default: scope) */
  readonly quarantineClasses?: readonly DecisionClass[];
  readonly labels?: Readonly<Record<string, string>>;
  /** how long a quarantine lasts when the token's expiry is unknown (default 7 days) */
  readonly maxSessionLifeMs?: number;
  readonly log?: AuditLogger;
  readonly now?: () => number;
}

export interface LeashObserver extends DecisionObserver {
  /** waits for pending quarantine updates and audit deliveries (tests, shutdown) */
  flush(): Promise<void>;
  /** per-sink delivery counters and alert counters, for metrics */
  stats(): { readonly sinks: readonly SinkStats[]; readonly alerts: NotifierStats | null };
}

const NO_ALERTS: readonly string[] = [];

/** how long a positive quarantine answer is trusted when the shared store cannot be reached */
const MIRROR_MS = 600_000;

export function createDecisionObserver(options: ObserverOptions): LeashObserver {
  const log = options.log ?? stderrLogger;
  const now = options.now ?? Date.now;
  const maxLife = options.maxSessionLifeMs ?? DEFAULT_MAX_SESSION_LIFE_MS;
  const pending = new Set<Promise<void>>();
  // sessions known to be quarantined, used only while the quarantine store is unreachable
  const mirror = new Map<string, number>();
  let lastStoreWarnMs = -Infinity;

  function track(p: Promise<void>): void {
    const q = p.finally(() => pending.delete(q));
    pending.add(q);
  }

  function remember(session: string, t: number, blocked: boolean): boolean {
    if (blocked) mirror.set(session, Math.max(mirror.get(session) ?? 0, t + MIRROR_MS));
    else mirror.delete(session);
    return blocked;
  }

  function fromMirror(session: string, t: number, err: Error): boolean {
    if (t - lastStoreWarnMs > 10_000) {
      lastStoreWarnMs = t;
      log.error({ error: err.message }, 'quarantine store unreachable: answering from sessions known to be quarantined');
    }
    return (mirror.get(session) ?? 0) > t;
  }

  /** Alerts and quarantine counting, at once: a session's block applies to its next request. */
  function noteAnomaly(record: DecisionRecord): readonly string[] {
    const anomaly = classifyDecision(record, options.quarantineClasses);
    if (!anomaly) return NO_ALERTS;
    if (anomaly.access === 'write') options.notifier?.immediate(anomaly);
    else options.notifier?.digest(anomaly);
    const q = options.quarantine;
    if (anomaly.countsTowardQuarantine && q) {
      const t = now();
      const until = Math.min(anomaly.sessionEndsAtMs ?? t + maxLife, t + maxLife);
      const reason = `${anomaly.class} violations; last: ${anomaly.method} ${anomaly.path}`;
      track(
        q.noteViolation(anomaly.session, anomaly.decisionId, t, until, reason).then(
          (r) => {
            if (!r.newly) return;
            mirror.set(anomaly.session, until);
            log.warn({ session: anomaly.session, agent_id: anomaly.agentId, violations: r.count, until: new Date(until).toISOString() }, 'session quarantined');
            options.notifier?.quarantined(anomaly, r.count, until);
          },
          (err: Error) => log.error({ session: anomaly.session, error: err.message }, 'quarantine store unreachable: violation not counted'),
        ),
      );
    }
    return [anomaly.kind];
  }

  // Audit events wait here for the end of the current turn of the event loop, then are built
  // together: the answers go out first, and building events back to back is cheaper than
  // interleaving each with the HTTP work around it.
  let backlog: { readonly record: DecisionRecord; readonly alerts: readonly string[] }[] = [];
  let drainScheduled = false;
  // the labels object and its JSON, made once for every event of this observer
  const buildEvent = createEventBuilder({ labels: options.labels, maxBodyBytes: options.maxBodyBytes });

  function drain(): void {
    drainScheduled = false;
    const batch = backlog;
    backlog = [];
    for (const { record, alerts } of batch) {
      try {
        options.audit.write(buildEvent(record, alerts));
      } catch (err) {
        log.error({ decision_id: record.answer.decision_id, error: (err as Error).message }, 'audit event could not be built');
      }
    }
  }

  return {
    record(record: DecisionRecord) {
      backlog.push({ record, alerts: noteAnomaly(record) });
      if (!drainScheduled) {
        drainScheduled = true;
        setImmediate(drain);
      }
    },
    isQuarantined(session) {
      const q = options.quarantine;
      if (!q) return false;
      const t = now();
      let answer: boolean | Promise<boolean>;
      try {
        answer = q.isQuarantined(session, t);
      } catch (err) {
        return fromMirror(session, t, err as Error);
      }
      if (typeof answer === 'boolean') return remember(session, t, answer);
      return answer.then((blocked) => remember(session, t, blocked), (err: Error) => fromMirror(session, t, err));
    },
    async flush() {
      drain();
      await Promise.all([...pending]);
      await options.audit.flush();
    },
    stats: () => ({ sinks: options.audit.stats(), alerts: options.notifier?.stats() ?? null }),
    async close() {
      drain();
      await Promise.all([...pending]);
      await options.notifier?.close();
      await options.audit.close();
      await options.quarantine?.close();
    },
  };
}
