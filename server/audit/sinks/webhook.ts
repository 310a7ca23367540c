// The HTTP webhook sink: POSTs a JSON array of events with undici. Batching (normal
// events) and retry with backoff are the runner's; this sink sends one request per batch
// and throws on a network error or a non-2xx answer so the runner retries.
import { request } from 'undici';
import { auditLine } from '../event.ts';
import type { AuditSink } from '../sink.ts';

export interface WebhookSinkOptions {
  readonly url: string;
  /** e.g. an authorization header the receiver expects; never logged */
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** scheme, host and path only: a URL may carry credentials or a secret query */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    // Webhook URLs often carry their secret in the path (Slack's /services/T…/B…/<token>):
    // a long segment mixing letters and digits is shown as '…'.
    const path = u.pathname.split('/').map((seg) => (seg.length >= 16 && /[0-9]/.test(seg) && /[A-Za-z]/.test(seg) ? '…' : seg)).join('/');
    return `${u.protocol}//${u.host}${path}`;
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * POST `payload` as JSON; throws on a network error, a timeout or a non-2xx answer. The
 * error names the URL by `describeUrl` only. Shared by this sink and the alert notifier.
 */
export async function postJson(
  url: string,
  payload: unknown,
  options: { readonly headers?: Readonly<Record<string, string>>; readonly timeoutMs: number },
): Promise<void> {
  await postJsonText(url, JSON.stringify(payload), options);
}

/** `postJson` with the payload already as JSON text */
async function postJsonText(
  url: string,
  body: string,
  options: { readonly headers?: Readonly<Record<string, string>>; readonly timeoutMs: number },
): Promise<void> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
    body,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  await res.body.dump();
  if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`${describeUrl(url)} answered ${res.statusCode}`);
}

export function createWebhookSink(options: WebhookSinkOptions): AuditSink {
  const post = { timeoutMs: options.timeoutMs ?? 5_000, ...(options.headers ? { headers: options.headers } : {}) };
  return {
    name: `webhook:${describeUrl(options.url)}`,
    // JSON.stringify(events), from each event's line (made once per event, event.ts)
    write: async (events) => postJsonText(options.url, `[${events.map(auditLine).join(',')}]`, post),
    async close() {},
  };
}
