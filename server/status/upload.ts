// Sends the status report to a status service, as OPA's status plugin does: POST
// <service>/status with the report as JSON (and `Authorization: Bearer <token>` when one is
// configured) once at start, after every change, and every `intervalMs` anyway. Uploads run
// in the background, one at a time; a failed one is retried with exponential backoff, and
// changes meanwhile are folded into the retry (the latest report is what is sent). Nothing
// waits for an upload. Logs name the service by scheme, host and path only, never the token.
import type { StatusRecorder, StatusReport, PluginStatus } from './recorder.ts';

export interface UploaderLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface UploaderOptions {
  /** the status service's base URL; the report goes to `<service>/status` */
  readonly service: string;
  readonly token?: string;
  readonly intervalMs: number;
  readonly status: StatusRecorder;
  readonly log: UploaderLog;
  /** first retry delay, doubling up to `maxBackoffMs` (defaults 1 s and the interval, at most 60 s) */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** how often plugin states (which are probed, not pushed) are compared for changes (default 5 s) */
  readonly watchMs?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export interface UploaderStats {
  readonly sent: number;
  readonly failed: number;
  readonly failing: boolean;
  readonly lastSuccess: string | null;
}

export interface StatusUploader {
  stats(): UploaderStats;
  /** the uploader's own plugin state, for the report (`status`) */
  plugin(): PluginStatus;
  close(): Promise<void>;
}

/** scheme, host and path: a URL's user info and query may carry credentials */
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

function fingerprint(report: StatusReport): string {
  // the uploader's own state is left out: it changes because of uploads, not of the server
  const plugins = Object.entries(report.plugins).filter(([n]) => n !== 'status').map(([n, p]) => `${n}=${p.state}:${p.message ?? ''}`).sort();
  return plugins.join('|');
}

export function startStatusUploader(options: UploaderOptions): StatusUploader {
  const target = `${options.service.replace(/\/+$/, '')}/status`;
  const where = describe(target);
  const doFetch = options.fetch ?? fetch;
  const backoffMs = options.backoffMs ?? 1_000;
  const maxBackoffMs = options.maxBackoffMs ?? Math.min(options.intervalMs, 60_000);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;

  let pending = false;
  let inFlight: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let sent = 0;
  let failed = 0;
  let lastSuccess: string | null = null;
  let lastPrint = '';
  let closed = false;
  const abort = new AbortController();

  async function upload(): Promise<void> {
    pending = false;
    const report = options.status.report();
    const print = fingerprint(report);
    try {
      const res = await doFetch(target, { method: 'POST', headers, body: JSON.stringify(report), signal: AbortSignal.any([abort.signal, AbortSignal.timeout(timeoutMs)]) });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`answered ${res.status}`);
      sent++;
      lastPrint = print;
      lastSuccess = new Date().toISOString();
      if (failures > 0) options.log.warn({ service: where, after_failures: failures }, 'status upload works again');
      failures = 0;
    } catch (err) {
      if (closed) return;
      failed++;
      failures++;
      pending = true;
      const delay = Math.min(maxBackoffMs, backoffMs * 2 ** (failures - 1));
      // the first failure, then every tenth: a long outage does not flood the log
      if (failures === 1 || failures % 10 === 0) {
        options.log.error({ service: where, failures, retry_in_ms: delay, error: (err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message }, 'status upload failed; retrying with backoff');
      }
      retry = setTimeout(() => {
        retry = undefined;
        kick();
      }, delay);
      retry.unref();
    }
  }

  function kick(): void {
    if (closed) return;
    pending = true;
    if (inFlight || retry) return; // the running upload or the scheduled retry sends the latest report
    inFlight = upload().finally(() => {
      inFlight = undefined;
      if (pending && !retry && !closed) kick();
    });
  }

  const unsubscribe = options.status.onChange(kick);
  const interval = setInterval(kick, options.intervalMs);
  interval.unref();
  // plugin states are read on demand, so compare them now and then and send when they moved
  const watch = setInterval(() => {
    if (fingerprint(options.status.report()) !== lastPrint) kick();
  }, options.watchMs ?? 5_000);
  watch.unref();
  kick();

  return {
    stats: () => ({ sent, failed, failing: failures > 0, lastSuccess }),
    plugin() {
      if (failures > 0) return { state: 'ERROR', message: `uploads to ${where} failing (${failures} in a row); retrying with backoff` };
      return sent === 0 ? { state: 'OK', message: `first report to ${where} under way` } : { state: 'OK' };
    },
    async close() {
      closed = true;
      unsubscribe();
      clearInterval(interval);
      clearInterval(watch);
      clearTimeout(retry);
      abort.abort();
      await inFlight?.catch(() => undefined);
    },
  };
}
