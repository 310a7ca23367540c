// Header hygiene in both directions. Upstream-bound: drop hop-by-hop headers, the agent's
// own credentials (Authorization, Cookie, Proxy-Authorization, the Leash token header) and
// anything that would change where or how the request goes; ask for an identity encoding
// so the response can be scrubbed. Agent-bound: drop hop-by-hop headers, Set-Cookie and
// the headers that describe the upstream's host (Alt-Svc, HSTS).
import type { IncomingHttpHeaders } from 'node:http';

/** RFC 9110 §7.6.1 connection-specific fields, plus the old proxy ones. */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'proxy-authorization',
]);

/** Never forwarded: the agent's identity, and fields the proxy sets itself. */
const AGENT_ONLY = new Set([
  'host', 'authorization', 'cookie', 'x-leash-token', 'expect', 'accept-encoding', 'content-length',
  'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-forwarded-port', 'x-real-ip',
]);

/** Response headers about the upstream's own host or session, never passed to the agent. */
const UPSTREAM_ONLY = new Set(['set-cookie', 'alt-svc', 'strict-transport-security']);

export type HeaderMap = Record<string, string | string[]>;

function connectionListed(value: string | string[] | undefined): Set<string> {
  const listed = new Set<string>();
  for (const part of ([] as string[]).concat(value ?? [])) {
    for (const name of part.split(',')) if (name.trim() !== '') listed.add(name.trim().toLowerCase());
  }
  return listed;
}

/**
 * The headers sent upstream. `drop` adds names to remove (the credential header about to
 * be injected, the gateway's client-certificate header). `keepLength` keeps the agent's Content-Length for a streamed body, so the
 * upstream sees the same framing; buffered bodies get theirs from undici.
 */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, options: { readonly drop: readonly string[]; readonly keepLength: boolean }): HeaderMap {
  const listed = connectionListed(incoming['connection']);
  for (const name of options.drop) listed.add(name.toLowerCase());
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || AGENT_ONLY.has(lower) || listed.has(lower)) continue;
    out[lower] = value;
  }
  if (options.keepLength && incoming['content-length'] !== undefined) out['content-length'] = incoming['content-length'];
  // The response body is scrubbed of the credential; that needs it uncompressed.
  out['accept-encoding'] = 'identity';
  return out;
}

/** The agent's headers as the policy and the audit see them: lower-cased, credentials removed. */
export function policyHeaders(incoming: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'authorization' || lower === 'cookie' || lower === 'proxy-authorization' || lower === 'x-leash-token') continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** The upstream's response headers minus hop-by-hop fields, Set-Cookie, Alt-Svc and HSTS. */
export function agentResponseHeaders(upstream: Record<string, string | string[] | undefined>): HeaderMap {
  const listed = connectionListed(upstream['connection']);
  const out: HeaderMap = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    // Set-Cookie would hand the agent a session with the upstream that bypasses the proxy;
    // Alt-Svc and HSTS describe the upstream's host and would be applied to Leash's.
    if (HOP_BY_HOP.has(lower) || listed.has(lower) || UPSTREAM_ONLY.has(lower)) continue;
    out[lower] = value;
  }
  return out;
}

/** The agent token: `Authorization: Bearer`, or Basic (password, else username), or `X-Leash-Token`. */
export function agentToken(incoming: IncomingHttpHeaders): string | undefined {
  const auth = incoming['authorization'];
  if (typeof auth === 'string') {
    const match = /^(\S+)\s+(\S+)\s*$/.exec(auth);
    const scheme = match?.[1]?.toLowerCase();
    const value = match?.[2];
    if (scheme === 'bearer' && value) return value;
    if (scheme === 'basic' && value) {
      // SDKs that speak Basic (Twilio, Stripe's curl form) put the key as user or password.
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon === -1 ? decoded : decoded.slice(0, colon);
      const password = colon === -1 ? '' : decoded.slice(colon + 1);
      return password !== '' ? password : user !== '' ? user : undefined;
    }
  }
  const header = incoming['x-leash-token'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}
