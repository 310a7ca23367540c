// Builds the decision-log uploader from the `decisionLogs` configuration section (off
// unless decisionLogs.url is set) and joins it to the audit log, so the observer that
// writes audit events feeds it too, with no change to the decision path.
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import type { LeashConfig } from '../config/index.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { AuditLogger } from '../audit/sink.ts';
import { parseMask } from './mask.ts';
import { createDecisionLogUploader, type DecisionLogUploader } from './uploader.ts';

export function decisionLogsFromConfig(config: LeashConfig, log: AuditLogger, registry?: Registry): DecisionLogUploader | undefined {
  const c = config.decisionLogs;
  if (!c.url) return undefined;
  let token = c.token;
  if (c.tokenFile !== undefined) {
    try {
      token = readFileSync(c.tokenFile, 'utf8').trim();
    } catch (err) {
      throw new Error(`decisionLogs.tokenFile: ${c.tokenFile} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (token === '') throw new Error(`decisionLogs.tokenFile: ${c.tokenFile} is empty`);
  }
  return createDecisionLogUploader({
    url: c.url,
    resource: c.resource,
    ...(c.partitionName ? { partitionName: c.partitionName } : {}),
    ...(token ? { token } : {}),
    mask: parseMask(c.mask),
    maxEvents: c.bufferSizeLimitEvents,
    maxBytes: c.bufferSizeLimitBytes,
    uploadSizeLimitBytes: c.uploadSizeLimitBytes,
    minDelayMs: c.minDelayMs,
    maxDelayMs: c.maxDelayMs,
    retryMaxDelayMs: c.retryMaxDelayMs,
    timeoutMs: c.timeoutMs,
    spoolDir: c.spoolDir,
    spoolSyncMs: c.spoolSyncMs,
    flushOnCloseMs: c.flushOnCloseMs,
    log,
    ...(registry ? { registry } : {}),
  });
}

/** The audit log plus the decision-log uploader: every audit event goes to both. */
export function withDecisionLogs(audit: AuditLog, uploader: DecisionLogUploader): AuditLog {
  return {
    write(event) {
      audit.write(event);
      uploader.write(event);
    },
    stats: () => [...audit.stats(), uploader.sinkStats()],
    async flush() {
      await Promise.all([audit.flush(), uploader.flush()]);
    },
    async close() {
      await Promise.allSettled([audit.close(), uploader.close()]);
    },
  };
}
