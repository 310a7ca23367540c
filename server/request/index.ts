// Request canonicalisation: the one reading of a gateway request that every entry point
// (/decide, /authz and its header variants, the data API, the credential proxy) hands to the
// policy. A request an upstream could read differently is refused here, before the policy
// sees anything (docs/requests.md).
import type { DecisionRequest } from '../contracts.ts';
import { asciiLower, trimOws } from './ascii.ts';
import { canonicalHost } from './host.ts';
import { canonicalMethod } from './method.ts';
import { DEFAULT_REQUEST_OPTIONS, type Refusal, type RequestOptions } from './options.ts';
import { canonicalPath } from './path.ts';
import { canonicalQuery, type QueryMap } from './query.ts';

export { canonicalPath } from './path.ts';
export { canonicalQuery } from './query.ts';
export { canonicalMethod, OVERRIDE_HEADERS } from './method.ts';
export { canonicalHost } from './host.ts';
export { asciiLower, asciiUpper, trimOws } from './ascii.ts';
export { DEFAULT_REQUEST_OPTIONS, type Refusal, type RefusalCode, type RequestOptions } from './options.ts';

export interface CanonicalRequest {
  readonly method: string;
  /** decoded segments joined by `/` */
  readonly path: string;
  /** the path exactly as received, without the query */
  readonly rawPath: string;
  readonly query: QueryMap;
  /** the normalised original host, or null when the gateway did not forward one */
  readonly host: string | null;
}

export type CanonicalResult = { readonly ok: true; readonly request: CanonicalRequest } | { readonly ok: false; readonly refusal: Refusal };

type Headers = DecisionRequest['headers'];

function lowerHeaders(headers: Headers): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const key = asciiLower(k);
    const text = typeof v === 'string' ? v : v.join(',');
    out[key] = key in out ? `${out[key]},${text}` : text;
  }
  return out;
}

export function canonicalRequest(request: DecisionRequest, options: RequestOptions = DEFAULT_REQUEST_OPTIONS): CanonicalResult {
  const q = request.path.indexOf('?');
  const rawPath = q < 0 ? request.path : request.path.slice(0, q);
  const rawQuery = q < 0 ? '' : request.path.slice(q + 1);
  const path = canonicalPath(rawPath === '' ? '/' : rawPath, options);
  if (!path.ok) return path;
  const query = canonicalQuery(rawQuery, request.query, options);
  if (!query.ok) return query;
  const headers = lowerHeaders(request.headers);
  const queryMethod = query.query['_method'];
  const body = request.body;
  const bodyMethod = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['_method'] : undefined;
  const method = canonicalMethod(request.method, {
    headers,
    queryMethod: queryMethod === undefined ? undefined : typeof queryMethod === 'string' ? queryMethod : queryMethod.join(','),
    bodyMethod: bodyMethod === undefined ? undefined : typeof bodyMethod === 'string' ? bodyMethod : JSON.stringify(bodyMethod),
  }, options);
  if (!method.ok) return method;
  // The proxy's host is the upstream's; elsewhere the gateway's forwarded host, if any.
  const forwardedHost = request.via === 'proxy' ? undefined : headers['x-forwarded-host'] ?? headers['host'] ?? headers[':authority'];
  const host = canonicalHost(forwardedHost, headers['x-forwarded-proto'] === undefined ? undefined : asciiLower(trimOws(headers['x-forwarded-proto'])));
  if (!host.ok) return host;
  return { ok: true, request: { method: method.method, path: path.path, rawPath: rawPath === '' ? '/' : rawPath, query: query.query, host: host.host } };
}
