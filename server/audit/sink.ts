// What an audit sink is, and the logger the audit and alert code reports problems to.
import type { AuditEvent } from './event.ts';

export interface AuditSink {
  readonly name: string;
  /** deliver a batch; throw to have it retried with backoff */
  write(events: readonly AuditEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** a pino-compatible subset (Fastify's `app.log` fits) */
export interface AuditLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const stderrLogger: AuditLogger = {
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg, ...obj })}\n`),
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 'error', msg, ...obj })}\n`),
};
