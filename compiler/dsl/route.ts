// Route templates such as '/customers/:customerId/records/:recordId': the type that turns a
// template string into its typed `params`, and the one runtime matcher the reference
// evaluator uses (the Rego lowering emits the same segment comparisons).

type ParamOf<S extends string> = S extends `:${infer P}` ? P : never;
type ParamNames<T extends string> = T extends `${infer A}/${infer B}` ? ParamOf<A> | ParamNames<B> : ParamOf<T>;

/** `RouteParams<'/a/:x/b/:y'>` is `{ readonly x: string; readonly y: string }`. */
export type RouteParams<T extends string> = string extends T
  ? { readonly [name: string]: string | undefined }
  : { readonly [K in ParamNames<T>]: string };

/** One segment of a parsed template: a literal to compare or a parameter to bind. */
export type RouteSegment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string };

const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parse a template into segments, or say what is wrong with it. Templates start with '/',
 * have no empty segments (except a lone '/'), no query string, and unique parameter names.
 */
export function parseRoute(template: string): { segments: RouteSegment[] } | { error: string } {
  if (!template.startsWith('/')) return { error: `route '${template}' must start with '/'` };
  if (template.includes('?') || template.includes('#')) return { error: `route '${template}' must not hold a query or fragment; match query parameters in a predicate` };
  // '/' is the one template with an empty segment: the path '/' splits into ['', ''].
  if (template === '/') return { segments: [{ kind: 'literal', value: '' }] };
  const parts = template.slice(1).split('/');
  const seen = new Set<string>();
  const segments: RouteSegment[] = [];
  for (const part of parts) {
    if (part === '') return { error: `route '${template}' has an empty segment (remove the doubled or trailing '/')` };
    if (part === '.' || part === '..') return { error: `route '${template}' has a dot segment` };
    // OpenAPI writes parameters '{name}'; here that would be a literal segment, silently.
    const braced = /^\{([^{}]*)\}$/.exec(part);
    if (braced) return { error: `route segment '${part}' in '${template}' is not a parameter: parameters are written ':name' (write :${braced[1] || 'name'})` };
    if (part.includes('{') || part.includes('}')) {
      const inner = /\{([^{}]*)\}/.exec(part)?.[1];
      return { error: `route segment '${part}' in '${template}': a parameter is a whole segment written ':name'${inner ? ` (write :${inner} as its own segment)` : ''}` };
    }
    if (part === '*' || part === '**') return { error: `route segment '${part}' in '${template}': wildcards are not supported; name the segment (write :name) and match it in a predicate` };
    if (part === ':') return { error: `route segment ':' in '${template}' has no parameter name (write :name)` };
    if (part.startsWith(':')) {
      const name = part.slice(1);
      if (!PARAM_NAME.test(name)) return { error: `route parameter ':${name}' in '${template}' must be an identifier (a letter or _ first, then letters, digits or _)` };
      if (seen.has(name)) return { error: `route parameter ':${name}' appears twice in '${template}'` };
      seen.add(name);
      segments.push({ kind: 'param', name });
    } else {
      if (part.includes(':') || part.includes('*')) return { error: `route segment '${part}' in '${template}': parameters are whole segments written ':name'; wildcards are not supported` };
      segments.push({ kind: 'literal', value: part });
    }
  }
  return { segments };
}

/**
 * Match a request path against parsed segments: split on '/', same segment count, literals
 * equal, parameters non-empty and not '.' or '..'. Returns the bound params or null.
 */
export function matchRoute(segments: readonly RouteSegment[], path: string): Record<string, string> | null {
  const parts = path.split('/');
  if (parts.length !== segments.length + 1 || parts[0] !== '') return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const part = parts[i + 1]!;
    if (seg.kind === 'literal') {
      if (part !== seg.value) return null;
    } else {
      if (part === '' || part === '.' || part === '..') return null;
      params[seg.name] = part;
    }
  }
  return params;
}
