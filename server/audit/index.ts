// The audit trail: one event per decision (OPA decision-log fields plus Leash identity and
// limit state), delivered in the background to file, stdout, webhook and Redis Stream sinks.
export { auditLine, buildAuditEvent, createEventBuilder } from './event.ts';
export type { AuditEvent, AdminActionFields, EventOptions } from './event.ts';
export { createAuditLog, DEFAULT_AUDIT_PATH } from './audit-log.ts';
export type { AuditLog, AuditSinkConfig } from './audit-log.ts';
export { runSink } from './runner.ts';
export type { RunnerOptions, SinkRunner, SinkStats } from './runner.ts';
export { stderrLogger } from './sink.ts';
export type { AuditLogger, AuditSink } from './sink.ts';
export { createFileSink } from './sinks/file.ts';
export { createStdoutSink } from './sinks/stdout.ts';
export { createWebhookSink, describeUrl } from './sinks/webhook.ts';
export { createRedisStreamSink } from './sinks/redis-stream.ts';
export { redactValue, REDACTED } from './redact.ts';
export { createDecisionObserver } from './observer.ts';
export type { LeashObserver, ObserverOptions } from './observer.ts';
export { auditSinksFromConfig, createObserverFromConfig } from './setup.ts';
export type { ObserverSetup } from './setup.ts';
export { registerObserverMetrics } from './metrics.ts';
