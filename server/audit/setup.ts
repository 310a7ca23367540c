// Builds the decision observer from the configuration: the audit sinks (file by default,
// stdout, webhook, Redis Stream), the alert notifier and the quarantine store (Redis when
// `limits.redis` is set, so every server shares it; else memory).
import { LEASH_VERSION } from '../version.ts';
import type { DecisionClass } from '../../compiler/index.ts';
import { hostname } from 'node:os';
import type { LeashConfig } from '../config/index.ts';
import { createMemoryQuarantine, createNotifier, createRedisQuarantine, type AlertFleet, type Notifier, type QuarantineStore } from '../alerts/index.ts';
import { createAuditLog, type AuditLog, type AuditSinkConfig } from './audit-log.ts';
import { createDecisionObserver, type LeashObserver } from './observer.ts';
import type { AuditLogger } from './sink.ts';
import type { Registry } from 'prom-client';
import { decisionLogsFromConfig, withDecisionLogs } from '../decision-logs/setup.ts';

export interface ObserverSetup {
  readonly observer: LeashObserver;
  /** for the admin endpoints */
  readonly quarantine: QuarantineStore;
  /** the observer's audit log: admin actions are written to the same sinks (closed with the observer) */
  readonly audit: AuditLog;
  /** the labels the observer's events carry */
  readonly labels: Readonly<Record<string, string>>;
  /** the alert notifier (also used for bundle rejections); closed with the observer */
  readonly notifier: Notifier;
}

export function auditSinksFromConfig(config: LeashConfig): AuditSinkConfig[] {
  const a = config.audit;
  const runner = { capacity: a.bufferSize };
  const sinks: AuditSinkConfig[] = [];
  if (a.file !== '') sinks.push({ type: 'file', path: a.file, maxBytes: a.fileMaxBytes, maxFiles: a.fileMaxFiles, syncEveryMs: a.fileSyncMs, runner });
  if (a.stdout) sinks.push({ type: 'stdout', runner });
  if (a.webhook) sinks.push({ type: 'webhook', url: a.webhook, runner: { ...runner, batchSize: 100, batchDelayMs: 1_000, attempts: 6 } });
  if (a.redisStream && config.limits.redis) sinks.push({ type: 'redis-stream', url: config.limits.redis, stream: a.redisStream, maxLen: a.redisStreamMaxLen, runner: { ...runner, batchSize: 200, batchDelayMs: 50 } });
  return sinks;
}

/**
 * `registry`: where the decision-log uploader's metrics go (when decisionLogs.url is set);
 * `alertFleet`: the deployment's shared alert cap and digest (Redis), else this process's own
 */
export function createObserverFromConfig(config: LeashConfig, log: AuditLogger, now?: () => number, registry?: Registry, alertFleet?: AlertFleet): ObserverSetup {
  // decision logs to a remote service in OPA's format (docs/decision-logs.md), fed by the same events;
  // first, so that a spool it cannot open leaves nothing else running
  const decisionLogs = decisionLogsFromConfig(config, log, registry);
  const policy = { threshold: config.alerts.quarantineAfter, windowMs: config.alerts.quarantineWindowSeconds * 1000 };
  const quarantine = config.limits.redis ? createRedisQuarantine({ url: config.limits.redis, prefix: config.limits.redisPrefix, policy }) : createMemoryQuarantine(policy);
  const notifier = createNotifier({
    ...(config.alerts.webhook ? { webhookUrl: config.alerts.webhook } : {}),
    digestEveryMs: config.alerts.digestSeconds * 1000,
    ...(alertFleet ? { fleet: alertFleet } : {}),
    log,
    ...(now ? { now } : {}),
  });
  const audit = createAuditLog(auditSinksFromConfig(config), log);
  const labels = { id: `${hostname()}:${process.pid}`, version: LEASH_VERSION };
  const observer = createDecisionObserver({
    audit: decisionLogs ? withDecisionLogs(audit, decisionLogs) : audit,
    notifier,
    quarantine,
    quarantineClasses: config.alerts.quarantineClasses as DecisionClass[],
    labels,
    maxSessionLifeMs: config.identity.maxLifetimeSeconds * 1000,
    log,
    ...(now ? { now } : {}),
  });
  return { observer, quarantine, audit, labels, notifier };
}
