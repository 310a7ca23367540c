// Builds the policy input from a gateway request and a verified agent: header names
// lower-cased, credential headers and credential query parameters removed (the policy, the
// audit trail and the logs never see them), and `now` in nanoseconds.
import type { PolicyInput } from '../../compiler/index.ts';
import type { DecisionRequest } from '../contracts.ts';
import { asciiLower, type CanonicalRequest } from '../request/index.ts';

/** Header names that always carry credentials. */
const CREDENTIAL_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key', 'api-key', 'apikey',
  'x-auth-token', 'x-access-token', 'x-amz-security-token', 'x-csrf-token', 'x-xsrf-token', 'x-goog-api-key',
  'ocp-apim-subscription-key', 'x-forwarded-authorization', 'x-original-authorization',
]);
/** Any other name that looks like it carries a secret. */
const CREDENTIAL_NAME = /token|secret|passw|api[-_]?key|credential|authoriz|session-key|signature/i;
const CREDENTIAL_QUERY = /^(access_token|id_token|refresh_token|token|api[-_]?key|apikey|client_secret|password|passwd|secret|sig|signature|x-amz-signature|x-amz-security-token|code)$/i;

export function isCredentialHeader(name: string): boolean {
  // JavaScript's wider lower-casing on purpose: a name it folds onto a credential header's
  // (X-Api-\u212Aey, with the Kelvin sign) is scrubbed too, never passed on
  const n = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(n) || CREDENTIAL_NAME.test(n);
}

export function scrubHeaders(headers: DecisionRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined || isCredentialHeader(name)) continue;
    const lower = asciiLower(name);
    const text = typeof value === 'string' ? value : value.join(', ');
    out[lower] = lower in out ? `${out[lower]}, ${text}` : text;
  }
  return out;
}

export function scrubQuery(query: DecisionRequest['query']): Record<string, string | readonly string[]> {
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    if (!CREDENTIAL_QUERY.test(name)) out[name] = value;
  }
  return out;
}

/** Splits `/a/b?x=1&y=2&y=3` into a path and a query map (repeated names become lists). */
export function splitPathAndQuery(raw: string): { path: string; query: Record<string, string | string[]> } {
  const q = raw.indexOf('?');
  if (q < 0) return { path: raw === '' ? '/' : raw, query: {} };
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(raw.slice(q + 1))) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return { path: raw.slice(0, q) || '/', query };
}

/** The path with credential query parameters removed (other parameters kept, in order). */
export function scrubPath(raw: string): string {
  const q = raw.indexOf('?');
  if (q < 0) return raw;
  const params = new URLSearchParams(raw.slice(q + 1));
  const kept = new URLSearchParams();
  for (const [k, v] of params) if (!CREDENTIAL_QUERY.test(k)) kept.append(k, v);
  const rest = kept.toString();
  return rest === '' ? raw.slice(0, q) : `${raw.slice(0, q)}?${rest}`;
}

/** The bearer token in an Authorization header, if any (any header-name case). */
export function bearerToken(headers: DecisionRequest['headers']): string | undefined {
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (asciiLower(name) !== 'authorization' || value === undefined) continue;
    const text = typeof value === 'string' ? value : value[0];
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(text ?? '');
    return m?.[1];
  }
  return undefined;
}

export function headerValue(headers: DecisionRequest['headers'], wanted: string): string | undefined {
  const w = asciiLower(wanted);
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (asciiLower(name) !== w || value === undefined) continue;
    return typeof value === 'string' ? value : value[0];
  }
  return undefined;
}

/** The policy input from the canonical reading of the request (server/request). */
export function buildPolicyInput(request: DecisionRequest, canonical: CanonicalRequest, agent: PolicyInput['agent'], nowMs: number): PolicyInput {
  return {
    agent,
    request: {
      method: canonical.method,
      path: canonical.path,
      raw_path: canonical.rawPath,
      host: canonical.host,
      query: scrubQuery(canonical.query),
      headers: scrubHeaders(request.headers),
      body: request.body ?? null,
    },
    upstream: request.upstream ?? null,
    now: nowMs * 1_000_000,
  };
}

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The access kind a request would have, for denials made before the policy ran. */
export function accessOf(method: string): 'read' | 'write' {
  return READ_METHODS.has(method.toUpperCase()) ? 'read' : 'write';
}
