// Prometheus metrics for the audit trail and alerts, read from the observer's counters at
// scrape time: events written, dropped on overflow and lost after retries per sink, queue
// depth per sink, and alerts sent or failed. Overflow is never silent: it shows up here too.
import { Gauge, type Registry } from 'prom-client';
import type { LeashObserver } from './observer.ts';

export function registerObserverMetrics(registry: Registry, observer: Pick<LeashObserver, 'stats'>): void {
  new Gauge({
    name: 'leash_audit_events',
    help: 'Audit events per sink since start, by outcome (written, dropped on a full buffer, failed after every retry)',
    labelNames: ['sink', 'outcome'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of observer.stats().sinks) {
        this.set({ sink: s.sink, outcome: 'written' }, s.written);
        this.set({ sink: s.sink, outcome: 'dropped' }, s.dropped);
        this.set({ sink: s.sink, outcome: 'failed' }, s.failed);
      }
    },
  });
  new Gauge({
    name: 'leash_audit_queue_depth',
    help: 'Audit events waiting in each sink buffer',
    labelNames: ['sink'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of observer.stats().sinks) this.set({ sink: s.sink }, s.queued);
    },
  });
  new Gauge({
    name: 'leash_alerts',
    help: 'Alerts since start, by outcome (sent, failed after retries, digested)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const a = observer.stats().alerts;
      if (!a) return;
      this.set({ outcome: 'sent' }, a.sent);
      this.set({ outcome: 'failed' }, a.failed);
      this.set({ outcome: 'digested' }, a.digested);
    },
  });
}
