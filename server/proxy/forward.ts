// Sends the request to the upstream with undici and maps what can go wrong to a proxy
// failure: no connection or a reset → 502, no connection or headers in time → 504. Redirects
// are never followed (undici's request does not follow them). Bodies stream both ways.
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { request, type Dispatcher } from 'undici';
import { RequestBodyError } from './body.ts';
import { proxyFailure, type ProxyFailure } from './errors.ts';
import type { HeaderMap } from './headers.ts';
import type { ProxyLimits } from './types.ts';

export interface ForwardCall {
  readonly upstream: string;
  readonly method: string;
  readonly url: URL;
  readonly headers: HeaderMap;
  readonly body: Buffer | Readable | null;
  readonly signal: AbortSignal;
}

export type ForwardResult =
  | { readonly ok: true; readonly status: number; readonly headers: Record<string, string | string[] | undefined>; readonly body: Readable }
  | { readonly ok: false; readonly failure: ProxyFailure };

export async function forwardCall(dispatcher: Dispatcher, call: ForwardCall, limits: ProxyLimits): Promise<ForwardResult> {
  try {
    const response = await request(call.url, {
      dispatcher,
      method: call.method as Dispatcher.HttpMethod,
      headers: call.headers,
      body: call.body,
      signal: call.signal,
      headersTimeout: limits.headersTimeoutMs,
      bodyTimeout: limits.bodyTimeoutMs,
    });
    return { ok: true, status: response.statusCode, headers: response.headers, body: response.body };
  } catch (error) {
    return { ok: false, failure: describeFailure(error, call.upstream, limits) };
  }
}

/** A failure for any error undici or the request body raised; never includes the URL. */
export function describeFailure(error: unknown, upstream: string, limits: ProxyLimits): ProxyFailure {
  const found = findCause(error);
  if (found instanceof RequestBodyError) return found.failure;
  const code = (found as { code?: unknown } | undefined)?.code;
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return proxyFailure('upstream_timeout', `${upstream} did not accept a connection within ${limits.connectTimeoutMs} ms`);
    case 'UND_ERR_HEADERS_TIMEOUT':
      return proxyFailure('upstream_timeout', `${upstream} did not answer within ${limits.headersTimeoutMs} ms`);
    case 'UND_ERR_BODY_TIMEOUT':
      return proxyFailure('upstream_timeout', `${upstream} stalled its response for more than ${limits.bodyTimeoutMs} ms`);
    case 'ECONNREFUSED':
      return proxyFailure('upstream_unreachable', `${upstream} refused the connection`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return proxyFailure('upstream_unreachable', `${upstream}'s host name does not resolve`);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return proxyFailure('upstream_unreachable', `${upstream} closed the connection before answering`);
    default:
      break;
  }
  if (typeof code === 'string' && /CERT|TLS|SSL/i.test(code)) return proxyFailure('upstream_unreachable', `${upstream}'s TLS certificate was refused (${code})`);
  // The code is a fixed identifier (never a message, which could hold the URL and a query credential).
  return proxyFailure('upstream_error', `the call to ${upstream} failed${typeof code === 'string' && /^[A-Z_]+$/.test(code) ? ` (${code})` : ''}`);
}

function findCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof RequestBodyError || typeof (current as { code?: unknown }).code === 'string') return current;
    current = (current as { cause?: unknown }).cause;
  }
  return current ?? error;
}

/** A decoder for the upstream's Content-Encoding (so it can be scrubbed), or a failure. */
export function decoderFor(encoding: string | string[] | undefined, upstream: string): { readonly decoder?: NodeJS.ReadWriteStream } | ProxyFailure {
  const value = (Array.isArray(encoding) ? encoding.join(',') : encoding ?? '').trim().toLowerCase();
  switch (value) {
    case '':
    case 'identity':
      return {};
    case 'gzip':
    case 'x-gzip':
      return { decoder: createGunzip() };
    case 'deflate':
      return { decoder: createInflate() };
    case 'br':
      return { decoder: createBrotliDecompress() };
    default:
      return proxyFailure('upstream_error', `${upstream} answered with content-encoding "${value.slice(0, 40)}", which the proxy cannot scrub`);
  }
}
