// Admin actions in the audit trail: every mutating admin request (block, release, ...)
// becomes one `admin_action` event in the same sinks as decisions, with the actor, the
// action, its target, the outcome and the caller's address, never the admin token. Refused
// admin requests (no or a wrong token) are audited too, at most `maxAuthFailuresPerMinute`
// events a minute: beyond that they are counted, and the count is written as one
// `auth.failed.suppressed` event when the minute is over (or at shutdown).
import { randomUUID } from 'node:crypto';
import type { AdminActionFields, AuditEvent } from '../audit/event.ts';
import { redactValue } from '../audit/redact.ts';

export interface AdminAuditWriter {
  write(event: AuditEvent): void;
}

export interface AdminAuditOptions {
  readonly audit: AdminAuditWriter;
  readonly labels?: Readonly<Record<string, string>>;
  /** default 10 */
  readonly maxAuthFailuresPerMinute?: number;
  readonly now?: () => number;
}

export interface AdminAuditor {
  action(fields: Omit<AdminActionFields, 'actor'>): void;
  /** a refused admin request; rate-limited as described above */
  authFailed(fields: { readonly method: string; readonly path: string; readonly remote_address: string; readonly reason: 'missing_token' | 'wrong_token' | 'rate_limited' }): void;
  /** refused requests since start (all of them, audited or not) */
  authFailures(): number;
  /** writes the pending suppressed-count event, if any */
  close(): void;
}

export const DEFAULT_MAX_AUTH_FAILURES_PER_MINUTE = 10;
const WINDOW_MS = 60_000;

/** a request path for the trail: no query string, bounded, JWT/bearer-shaped parts redacted */
export function auditPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  const short = path.length > 256 ? `${path.slice(0, 256)}…` : path;
  return short.split('/').map((seg) => redactValue(seg) as string).join('/');
}

export function createAdminAuditor(options: AdminAuditOptions): AdminAuditor {
  const now = options.now ?? Date.now;
  const max = options.maxAuthFailuresPerMinute ?? DEFAULT_MAX_AUTH_FAILURES_PER_MINUTE;
  let total = 0;
  let windowStart = -Infinity;
  let inWindow = 0;
  let suppressed = 0;
  let suppressedFrom = 0;
  let timer: NodeJS.Timeout | undefined;

  function write(fields: AdminActionFields, atMs: number): void {
    const event: AuditEvent = {
      decision_id: randomUUID(),
      event_type: 'admin_action',
      path: 'leash/admin',
      input: { method: fields.method, target: fields.target },
      result: { allow: fields.outcome === 'ok', status: fields.status, reasons: [], limits: [], class: null, resources: [] },
      timestamp: new Date(atMs).toISOString(),
      labels: { app: 'leash', ...(options.labels ?? {}) },
      metrics: {},
      agent_id: null,
      session: null,
      key_id: null,
      task: null,
      access: 'write',
      rule: null,
      limit_state: [],
      // written (and fsync'ed by the file sink) at once, like write decisions
      priority: 'high',
      via: 'admin',
      admin: fields,
    };
    options.audit.write(event);
  }

  function flushSuppressed(atMs: number): void {
    if (suppressed === 0) return;
    write({
      actor: 'admin', action: 'auth.failed.suppressed', target: null, outcome: 'unauthorized', status: 401, remote_address: '', method: '',
      details: { suppressed, from: new Date(suppressedFrom).toISOString(), until: new Date(windowStart + WINDOW_MS).toISOString(), max_events_per_minute: max },
    }, atMs);
    suppressed = 0;
    clearTimeout(timer);
    timer = undefined;
  }

  return {
    action(fields) {
      write({ actor: 'admin', ...fields, target: fields.target === null ? null : String(redactValue(fields.target)) }, now());
    },
    authFailed(f) {
      total++;
      const t = now();
      if (t - windowStart >= WINDOW_MS) {
        flushSuppressed(t);
        windowStart = t;
        inWindow = 0;
      }
      inWindow++;
      if (inWindow > max) {
        if (suppressed === 0) {
          suppressedFrom = t;
          // the count is written when the minute is over, even if no refused request follows
          timer = setTimeout(() => flushSuppressed(now()), Math.max(0, windowStart + WINDOW_MS - t));
          timer.unref();
        }
        suppressed++;
        return;
      }
      write({ actor: 'admin', action: 'auth.failed', target: auditPath(f.path), outcome: 'unauthorized', status: f.reason === 'rate_limited' ? 429 : 401, remote_address: f.remote_address, method: f.method, details: { reason: f.reason } }, t);
    },
    authFailures: () => total,
    close() {
      flushSuppressed(now());
    },
  };
}
