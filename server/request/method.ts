// The method, compared case-sensitively as RFC 9110 says: `get` is not GET, and an upstream
// that upper-cases it would run a GET the policy never saw, so anything but an upper-case
// token is refused. Method-override hints (headers, `_method` in the query or body) are
// refused when they name another method, unless the deployment decides on them instead.
import { asciiUpper, trimOws } from './ascii.ts';
import { refuse, type Refusal, type RequestOptions } from './options.ts';

const METHOD = /^[A-Z][A-Z0-9_-]{0,31}$/;
export const OVERRIDE_HEADERS = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

export type MethodResult = { readonly ok: true; readonly method: string } | { readonly ok: false; readonly refusal: Refusal };

export interface OverrideHints {
  /** header name (lower-case) → value */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly queryMethod: string | undefined;
  readonly bodyMethod: string | undefined;
}

export function canonicalMethod(method: string, hints: OverrideHints, options: RequestOptions): MethodResult {
  if (!METHOD.test(method)) {
    return refuse('non_canonical_method', `method ${JSON.stringify(method.slice(0, 32))} is not an upper-case token; methods are case-sensitive (RFC 9110)`);
  }
  const named: [string, string][] = [];
  for (const h of OVERRIDE_HEADERS) {
    const v = hints.headers[h];
    if (v !== undefined) named.push([`header ${h}`, v]);
  }
  if (hints.queryMethod !== undefined) named.push(['query parameter _method', hints.queryMethod]);
  if (hints.bodyMethod !== undefined) named.push(['body field _method', hints.bodyMethod]);
  if (named.length === 0) return { ok: true, method };
  // a hint's spelling is the upstream's to read: only ASCII letters change case here
  const spelled = (v: string) => asciiUpper(trimOws(v));
  const wanted = new Set(named.map(([, v]) => spelled(v)));
  wanted.delete(method);
  if (wanted.size === 0) return { ok: true, method };
  if (!options.honourMethodOverride || wanted.size > 1) {
    const where = named.filter(([, v]) => spelled(v) !== method).map(([w]) => w).join(', ');
    return refuse('method_override', `${where} asks for another method than ${method}; upstreams that honour it would run a request the decision did not cover`);
  }
  const override = [...wanted][0]!;
  if (!METHOD.test(override)) return refuse('method_override', 'the method override is not an HTTP method');
  return { ok: true, method: override };
}
