// The plugin probes of the status report and of /health?plugins, built from what app.ts
// already holds: `audit` (the audit sinks), `alerts` (the alert notifier), `decision_logs`
// (when decisionLogs.url is set: the decision-log uploader's sink) and `limits` (the Redis
// limit store's reachability, pushed by its state callback; memory is always OK). Messages
// name sinks without URL paths or credentials.
import type { SinkStats } from '../audit/runner.ts';
import type { NotifierStats } from '../alerts/index.ts';
import type { PluginStatus, StatusRecorder } from './recorder.ts';

export interface ProbeSources {
  /** the audit log's own sinks (not the decision-log uploader) */
  readonly auditSinks: () => readonly SinkStats[];
  /** every sink the observer feeds (audit sinks plus the decision-log uploader, when on) */
  readonly allSinks: () => readonly SinkStats[];
  readonly alerts: () => NotifierStats | null;
  readonly decisionLogsEnabled: boolean;
}

/** a sink's name for a report: `webhook:https://host` without the path, which may be a secret */
export function sinkLabel(name: string): string {
  return name.replace(/^([\w-]+:[a-z][a-z0-9+.-]*:\/\/[^/?#]+).*$/i, '$1');
}

function sinksStatus(sinks: readonly SinkStats[], what: string): PluginStatus {
  if (sinks.length === 0) return { state: 'OK', message: `no ${what} configured` };
  const failing = sinks.filter((s) => s.failing);
  const lost = sinks.reduce((n, s) => n + s.failed, 0);
  const dropped = sinks.reduce((n, s) => n + s.dropped, 0);
  const counts = `${lost} events lost after retries, ${dropped} dropped on a full buffer since start`;
  if (failing.length > 0) return { state: 'ERROR', message: `delivery failing: ${failing.map((s) => sinkLabel(s.sink)).join(', ')}; ${counts}` };
  return lost + dropped > 0 ? { state: 'OK', message: counts } : { state: 'OK' };
}

export function registerObserverProbes(status: StatusRecorder, sources: ProbeSources): void {
  status.registerPlugin('audit', () => sinksStatus(sources.auditSinks(), 'audit sinks'));
  status.registerPlugin('alerts', () => {
    const a = sources.alerts();
    if (!a) return { state: 'OK', message: 'no notifier' };
    if (a.failing) return { state: 'ERROR', message: `the latest alert webhook delivery failed after every retry (${a.failed} failed since start)` };
    return a.failed > 0 ? { state: 'OK', message: `${a.failed} alert deliveries failed since start` } : { state: 'OK' };
  });
  if (sources.decisionLogsEnabled) {
    status.registerPlugin('decision_logs', () => {
      const own = new Set(sources.auditSinks().map((s) => s.sink));
      const uploader = sources.allSinks().filter((s) => !own.has(s.sink));
      if (uploader.length === 0) return { state: 'NOT_READY', message: 'the decision-log uploader is not running' };
      return sinksStatus(uploader, 'decision-log uploader');
    });
  }
}

/** the `limits` plugin: memory is always OK; Redis starts NOT_READY and follows its state callback */
export function limitsStatusCallback(status: StatusRecorder, redisConfigured: boolean): ((state: 'up' | 'down', where: string) => void) {
  status.setPlugin('limits', redisConfigured ? { state: 'NOT_READY', message: 'connecting to the Redis limit store' } : { state: 'OK', message: 'in-process memory' });
  return (state, where) =>
    status.setPlugin('limits', state === 'up' ? { state: 'OK', message: `${where} reachable` } : { state: 'ERROR', message: `${where} unreachable: writes are denied until it answers` });
}
