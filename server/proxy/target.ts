// Path safety: turns the raw request target `/proxy/{upstream}/{path}?{query}` into the
// upstream-relative path the policy sees and the URL the proxy forwards to, which is always
// under the upstream's base URL. Anything that could step outside it (dot segments, encoded
// slashes or backslashes, double encoding, empty segments such as `//host`, absolute-form
// targets) is refused with a reason rather than normalised, so the policy and the upstream
// never disagree on which resource is meant.
import { proxyFailure, type ProxyFailure } from './errors.ts';
import { canonicalPath, DEFAULT_REQUEST_OPTIONS } from '../request/index.ts';

export interface ParsedTarget {
  readonly upstream: string;
  /** upstream-relative, percent-encoding as sent, always starting with `/` */
  readonly path: string;
  /** the raw query string without `?`, '' when none */
  readonly rawQuery: string;
}

const UPSTREAM_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;
// RFC 3986 pchar plus '/': unreserved, sub-delims, ':', '@', and '%' (checked separately).
const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
// The query cannot move the target, so it only has to be printable ASCII (brackets are common: expand[]=x).
const QUERY_CHARS = /^[\x21-\x22\x24-\x7e]*$/;

type Parse = { readonly ok: true; readonly target: ParsedTarget } | { readonly ok: false; readonly failure: ProxyFailure };

/** Splits the raw URL (`request.raw.url`) below `prefix` (such as `/proxy`). */
export function parseProxyTarget(rawUrl: string, prefix: string): Parse {
  if (!rawUrl.startsWith(`${prefix}/`)) return unsafe('the request target must be a path starting with ' + prefix + '/ (absolute-form targets are refused)');
  const rest = rawUrl.slice(prefix.length + 1);
  const q = rest.indexOf('?');
  const pathPart = q === -1 ? rest : rest.slice(0, q);
  const rawQuery = q === -1 ? '' : rest.slice(q + 1);
  const slash = pathPart.indexOf('/');
  const upstream = slash === -1 ? pathPart : pathPart.slice(0, slash);
  const path = slash === -1 ? '/' : pathPart.slice(slash);
  if (!UPSTREAM_NAME.test(upstream)) return unsafe('the upstream name must be letters, digits, - and _ (no encoding)');
  const pathProblem = checkPath(path);
  if (pathProblem !== undefined) return unsafe(pathProblem);
  const queryProblem = checkQuery(rawQuery);
  if (queryProblem !== undefined) return unsafe(queryProblem);
  return { ok: true, target: { upstream, path, rawQuery } };
}

function unsafe(message: string): { readonly ok: false; readonly failure: ProxyFailure } {
  return { ok: false, failure: proxyFailure('unsafe_path', message) };
}

/** Why an upstream-relative path is refused, or undefined when it is safe: the one reading
 * of paths every entry point shares (server/request), so the proxy refuses what /decide does. */
export function checkPath(path: string): string | undefined {
  const read = canonicalPath(path, DEFAULT_REQUEST_OPTIONS);
  return read.ok ? undefined : read.refusal.reason;
}

function checkQuery(query: string): string | undefined {
  if (!QUERY_CHARS.test(query)) return 'the query has characters that must be percent-encoded';
  return checkEscapes(query, true);
}

function checkEscapes(text: string, inQuery = false): string | undefined {
  for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 1)) {
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9a-f]{2}$/i.test(hex)) return 'a % must be followed by two hex digits';
    const byte = parseInt(hex, 16);
    if (byte < 0x20 || byte === 0x7f) return 'encoded control characters are not allowed';
    if (inQuery) continue;
    if (byte === 0x2f) return 'encoded slashes (%2F) are not allowed in proxied paths';
    if (byte === 0x5c) return 'encoded backslashes (%5C) are not allowed in proxied paths';
    if (byte === 0x25) return 'double encoding (%25) is not allowed in proxied paths';
  }
  return undefined;
}

/** The URL to forward to: base URL + relative path + query, verified to stay under the base. */
export function buildTargetUrl(base: URL, path: string, query: string): { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly failure: ProxyFailure } {
  const basePath = base.pathname.replace(/\/+$/, '');
  const expectedPath = `${basePath}${path}`;
  const url = new URL(`${base.origin}${expectedPath}${query === '' ? '' : `?${query}`}`);
  // Defence in depth: after WHATWG parsing the URL must still be on the base origin and
  // path, byte for byte. The checks above make this hold; this catches what they miss.
  if (url.origin !== base.origin || url.pathname !== expectedPath) return unsafe('the path would leave the upstream base URL');
  return { ok: true, url };
}

/** Query parameters for the policy: repeated names become lists. `omit` drops a name. */
export function queryForPolicy(rawQuery: string, omit?: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (name === omit) continue;
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/** The raw query without parameters named `name` (used before injecting a query credential). */
export function dropQueryParam(rawQuery: string, name: string): string {
  if (rawQuery === '') return '';
  return rawQuery
    .split('&')
    .filter((pair) => {
      const raw = pair.split('=')[0] ?? '';
      try {
        return decodeURIComponent(raw.replace(/\+/g, ' ')) !== name;
      } catch {
        return true;
      }
    })
    .join('&');
}

/**
 * A Location the upstream answered with, as the agent should see it: under the base URL it
 * becomes the matching `/proxy/{upstream}/...` path (so the next call goes through Leash
 * again, without the injected query credential); anywhere else it is passed back unchanged
 * (and never followed).
 */
export function rewriteLocation(location: string, target: URL, base: URL, proxyBase: string, dropParam?: string): string {
  let resolved: URL;
  try {
    resolved = new URL(location, target);
  } catch {
    return location;
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  if (resolved.origin !== base.origin) return location;
  if (resolved.pathname !== basePath && !resolved.pathname.startsWith(`${basePath}/`)) return location;
  const rel = resolved.pathname.slice(basePath.length) || '/';
  const query = dropParam === undefined ? resolved.search.slice(1) : dropQueryParam(resolved.search.slice(1), dropParam);
  return `${proxyBase}${rel}${query === '' ? '' : `?${query}`}${resolved.hash}`;
}
