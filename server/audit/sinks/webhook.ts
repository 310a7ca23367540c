// The HTTP webhook sink: POSTs a JSON array of events with undici. Batching (normal
// events) and retry with backoff are the runner's; this sink sends one request per batch
// and throws on a network error or a non-2xx answer so the runner retries.
import { request } from 'undici';
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
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(unparseable URL)';
  }
}

export function createWebhookSink(options: WebhookSinkOptions): AuditSink {
  const timeout = options.timeoutMs ?? 5_000;
  const where = describeUrl(options.url);
  return {
    name: `webhook:${where}`,
    async write(events) {
      const res = await request(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.headers ?? {}) },
        body: JSON.stringify(events),
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
      await res.body.dump();
      if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`${where} answered ${res.statusCode}`);
    },
    async close() {},
  };
}
