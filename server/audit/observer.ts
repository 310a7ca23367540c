// The DecisionObserver the decision service calls: for every finished decision it writes
// one audit event, raises write alerts at once and digests read anomalies, and counts scope
// violations towards quarantine. `record` returns at once; all I/O runs in the background.
import type { DecisionObserver, DecisionRecord } from '../contracts.ts';
import { classifyDecision, type Notifier, type NotifierStats, type QuarantineStore } from '../alerts/index.ts';
import { DEFAULT_MAX_SESSION_LIFE_MS } from '../limits/index.ts';
import type { AuditLog } from './audit-log.ts';
import { buildAuditEvent } from './event.ts';
import type { RedactOptions } from './redact.ts';
import type { SinkStats } from './runner.ts';
import { stderrLogger, type AuditLogger } from './sink.ts';

export interface ObserverOptions extends RedactOptions {
  readonly audit: AuditLog;
  readonly notifier?: Notifier;
  readonly quarantine?: QuarantineStore;
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

  return {
    record(record: DecisionRecord) {
      const anomaly = classifyDecision(record);
      const alerts: string[] = [];
      if (anomaly) {
        alerts.push(anomaly.kind);
        if (anomaly.access === 'write') options.notifier?.immediate(anomaly);
        else options.notifier?.digest(anomaly);
        const q = options.quarantine;
        if (anomaly.scopeViolation && q) {
          const t = now();
          const until = Math.min(anomaly.sessionEndsAtMs ?? t + maxLife, t + maxLife);
          const reason = `scope violations; last: ${anomaly.method} ${anomaly.path}`;
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
      }
      options.audit.write(buildAuditEvent(record, { labels: options.labels, alerts, maxBodyBytes: options.maxBodyBytes }));
    },
    async isQuarantined(session) {
      const q = options.quarantine;
      if (!q) return false;
      const t = now();
      try {
        const blocked = await q.isQuarantined(session, t);
        if (blocked) mirror.set(session, Math.max(mirror.get(session) ?? 0, t + MIRROR_MS));
        else mirror.delete(session);
        return blocked;
      } catch (err) {
        if (t - lastStoreWarnMs > 10_000) {
          lastStoreWarnMs = t;
          log.error({ error: (err as Error).message }, 'quarantine store unreachable: answering from sessions known to be quarantined');
        }
        return (mirror.get(session) ?? 0) > t;
      }
    },
    async flush() {
      await Promise.all([...pending]);
      await options.audit.flush();
    },
    stats: () => ({ sinks: options.audit.stats(), alerts: options.notifier?.stats() ?? null }),
    async close() {
      await Promise.all([...pending]);
      await options.notifier?.close();
      await options.audit.close();
      await options.quarantine?.close();
    },
  };
}
