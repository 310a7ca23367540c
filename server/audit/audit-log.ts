// The audit log: fans each event out to every configured sink, each behind its own
// runner (runner.ts) so one slow sink cannot hold up another or any decision. Sinks are
// described as plain data (AuditSinkConfig) and built here.
import { assertNever } from '../limits/algorithm.ts';
import type { AuditEvent } from './event.ts';
import { runSink, type RunnerOptions, type SinkRunner, type SinkStats } from './runner.ts';
import { stderrLogger, type AuditLogger, type AuditSink } from './sink.ts';
import { createFileSink, type FileSinkOptions } from './sinks/file.ts';
import { createRedisStreamSink, type RedisStreamSinkOptions } from './sinks/redis-stream.ts';
import { createStdoutSink } from './sinks/stdout.ts';
import { createWebhookSink, type WebhookSinkOptions } from './sinks/webhook.ts';

export type AuditSinkConfig =
  | ({ readonly type: 'file' } & FileSinkOptions & { readonly runner?: RunnerOptions })
  | { readonly type: 'stdout'; readonly runner?: RunnerOptions }
  | ({ readonly type: 'webhook' } & WebhookSinkOptions & { readonly runner?: RunnerOptions })
  | ({ readonly type: 'redis-stream' } & RedisStreamSinkOptions & { readonly runner?: RunnerOptions })
  | { readonly type: 'custom'; readonly sink: AuditSink; readonly runner?: RunnerOptions };

export const DEFAULT_AUDIT_PATH = '.leash/audit/audit.jsonl';

export interface AuditLog {
  write(event: AuditEvent): void;
  stats(): SinkStats[];
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** defaults per sink type: webhooks batch normal events for a second */
function runnerDefaults(config: AuditSinkConfig): RunnerOptions {
  switch (config.type) {
    case 'webhook':
      return { batchSize: 100, batchDelayMs: 1_000, attempts: 6 };
    case 'redis-stream':
      return { batchSize: 200, batchDelayMs: 50 };
    case 'file':
    case 'stdout':
    case 'custom':
      return {};
    default:
      return assertNever(config);
  }
}

function buildSink(config: AuditSinkConfig): AuditSink {
  switch (config.type) {
    case 'file':
      return createFileSink(config);
    case 'stdout':
      return createStdoutSink();
    case 'webhook':
      return createWebhookSink(config);
    case 'redis-stream':
      return createRedisStreamSink(config);
    case 'custom':
      return config.sink;
    default:
      return assertNever(config);
  }
}

export function createAuditLog(sinks: readonly AuditSinkConfig[] = [{ type: 'file', path: DEFAULT_AUDIT_PATH }], log: AuditLogger = stderrLogger): AuditLog {
  const runners: SinkRunner[] = sinks.map((c) => runSink(buildSink(c), log, { ...runnerDefaults(c), ...(c.runner ?? {}) }));
  return {
    write(event) {
      for (const r of runners) r.push(event);
    },
    stats: () => runners.map((r) => r.stats()),
    async flush() {
      await Promise.all(runners.map((r) => r.flush()));
    },
    async close() {
      await Promise.all(runners.map((r) => r.close()));
    },
  };
}
