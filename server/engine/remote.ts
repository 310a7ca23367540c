// Remote bundles, like OPA's bundle plugin: GET the bundle from a bundle service with
// If-None-Match (the last activated ETag), 304 keeps the serving revision, 200 hands the
// bytes to the engine (read, signature check, activation). Polls after a delay drawn from
// [minDelay, maxDelay]; after a failure retries with capped exponential backoff and jitter.
// Credentials: a bearer token (file or environment; never logged) and/or a client
// certificate (mTLS) with an optional CA. The last activated bundle (bytes + ETag) is kept
// under persistDir, so a restart with the service down serves it. HTTP through undici.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request, type Dispatcher } from 'undici';

export interface RemoteOptions {
  readonly url: string;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** the backoff cap after failures */
  readonly maxBackoffMs: number;
  /** one download gives up after this long (headers and body) */
  readonly timeoutMs: number;
  readonly token?: string;
  readonly tls?: { readonly cert?: string; readonly key?: string; readonly ca?: string };
  /** where the last activated bundle is kept; undefined: not persisted */
  readonly persistDir?: string;
  readonly maxBytes?: number;
  readonly random?: () => number;
}

export type FetchResult = { readonly kind: 'not-modified' } | { readonly kind: 'bundle'; readonly bytes: Uint8Array; readonly etag: string | undefined };

export interface RemoteClient {
  /** the URL as it may be shown: no user info, no query string */
  readonly shownUrl: string;
  fetch(etag: string | undefined): Promise<FetchResult>;
  /** the persisted copy, if any */
  persisted(): { readonly bytes: Uint8Array; readonly etag: string | undefined } | undefined;
  persist(bytes: Uint8Array, etag: string | undefined): void;
  /** the wait before the next poll: a delay after a success, a backoff after `failures` failures in a row */
  nextDelayMs(failures: number): number;
  close(): Promise<void>;
}

export class RemoteBundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RemoteBundleError';
  }
}

/** The poll delay, pure: uniform in [min, max] after a success; min(cap, 1 s·2^(n-1)) scaled by a jitter in [0.5, 1] after n failures. */
export function pollDelayMs(failures: number, o: Pick<RemoteOptions, 'minDelayMs' | 'maxDelayMs' | 'maxBackoffMs'>, random: () => number = Math.random): number {
  if (failures <= 0) return Math.round(o.minDelayMs + (o.maxDelayMs - o.minDelayMs) * random());
  const exp = Math.min(o.maxBackoffMs, 1000 * 2 ** Math.min(30, failures - 1));
  return Math.max(1, Math.round(exp * (0.5 + 0.5 * random())));
}

export function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

export function createRemoteClient(options: RemoteOptions): RemoteClient {
  const shown = shownUrl(options.url);
  const maxBytes = options.maxBytes ?? 256 * 1024 * 1024;
  const tls = options.tls;
  const dispatcher: Dispatcher = new Agent({
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: Math.min(options.timeoutMs, 10_000),
    ...(tls && (tls.cert || tls.key || tls.ca) ? { connect: { ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}), ...(tls.ca ? { ca: tls.ca } : {}) } } : {}),
  });
  // one folder per service URL: a copy saved from one service is never served for another
  const folder = options.persistDir ? join(options.persistDir, createHash('sha256').update(options.url).digest('hex').slice(0, 16)) : undefined;
  const bundlePath = folder ? join(folder, 'bundle.tar.gz') : undefined;
  const etagPath = folder ? join(folder, 'bundle.etag') : undefined;

  return {
    shownUrl: shown,
    async fetch(etag) {
      const headers: Record<string, string> = { accept: 'application/gzip, application/octet-stream' };
      if (etag) headers['if-none-match'] = etag;
      if (options.token) headers['authorization'] = `Bearer ${options.token}`;
      let res: Dispatcher.ResponseData;
      try {
        res = await request(options.url, { method: 'GET', headers, dispatcher, signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (err) {
        throw new RemoteBundleError(`GET ${shown} failed: ${describe(err, options.timeoutMs)}`);
      }
      if (res.statusCode === 304) {
        await res.body.dump();
        return { kind: 'not-modified' };
      }
      if (res.statusCode !== 200) {
        await res.body.dump().catch(() => undefined);
        throw new RemoteBundleError(`GET ${shown} answered ${res.statusCode}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const c of res.body) {
          size += (c as Buffer).length;
          if (size > maxBytes) {
            res.body.destroy();
            throw new RemoteBundleError(`GET ${shown}: the bundle is larger than ${maxBytes} bytes`);
          }
          chunks.push(c as Buffer);
        }
      } catch (err) {
        if (err instanceof RemoteBundleError) throw err;
        throw new RemoteBundleError(`GET ${shown}: the download broke off: ${describe(err, options.timeoutMs)}`);
      }
      const tag = res.headers['etag'];
      return { kind: 'bundle', bytes: new Uint8Array(Buffer.concat(chunks)), etag: typeof tag === 'string' && tag !== '' ? tag : undefined };
    },
    persisted() {
      if (!bundlePath || !etagPath) return undefined;
      let bytes: Buffer;
      try {
        bytes = readFileSync(bundlePath);
      } catch {
        return undefined;
      }
      let etag: string | undefined;
      try {
        etag = readFileSync(etagPath, 'utf8').trim() || undefined;
      } catch {
        etag = undefined;
      }
      return { bytes: new Uint8Array(bytes), etag };
    },
    persist(bytes, etag) {
      if (!bundlePath || !etagPath || !folder) return;
      mkdirSync(folder, { recursive: true });
      // bundle first, then its ETag: a crash in between leaves an ETag-less copy (re-downloaded), never a wrong pair
      writeFileSync(`${etagPath}.tmp`, '');
      renameSync(`${etagPath}.tmp`, etagPath);
      writeFileSync(`${bundlePath}.tmp`, bytes);
      renameSync(`${bundlePath}.tmp`, bundlePath);
      writeFileSync(`${etagPath}.tmp`, etag ?? '');
      renameSync(`${etagPath}.tmp`, etagPath);
    },
    nextDelayMs: (failures) => pollDelayMs(failures, options, options.random),
    close: () => dispatcher.close(),
  };
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') return `timed out after ${timeoutMs} ms`;
  return e.code ?? e.cause?.code ?? e.name ?? 'error';
}
