// Per-environment upstream settings from flags and the configuration file:
// `--upstream-url stripe=http://127.0.0.1:9999` and `proxy.upstreams.<name>`. Parsing only;
// the registry applies them.
import type { UpstreamOverride } from './registry.ts';
import type { StreamRoute } from './types.ts';

/** `name=url` pairs (repeatable flag, or a comma-separated env value) → name → url. */
export function parseUpstreamUrlFlags(values: readonly string[]): { readonly urls: Record<string, string>; readonly errors: readonly string[] } {
  const urls: Record<string, string> = {};
  const errors: string[] = [];
  for (const item of values.flatMap((v) => v.split(','))) {
    const text = item.trim();
    if (text === '') continue;
    const eq = text.indexOf('=');
    const name = eq === -1 ? '' : text.slice(0, eq).trim();
    const url = eq === -1 ? '' : text.slice(eq + 1).trim();
    if (!/^[a-z0-9][a-z0-9_-]*$/i.test(name) || url === '') {
      errors.push(`--upstream-url "${text}" must look like name=https://host`);
      continue;
    }
    urls[name] = url;
  }
  return { urls, errors };
}

/** Merges flag URLs over configuration-file overrides (flags win). */
export function mergeOverrides(
  fromFile: Readonly<Record<string, UpstreamOverride>> | undefined,
  urls: Readonly<Record<string, string>>,
): Record<string, UpstreamOverride> {
  const out: Record<string, UpstreamOverride> = { ...(fromFile ?? {}) };
  for (const [name, url] of Object.entries(urls)) out[name] = { ...(out[name] ?? {}), url };
  return out;
}

/** `["POST /v1/files", "* /v1/uploads"]` → stream routes; a string is the problem. */
export function readStreamRoutesList(raw: readonly string[], where: string): StreamRoute[] | string {
  const routes: StreamRoute[] = [];
  for (const [i, item] of raw.entries()) {
    const match = /^(\*|[A-Z]+)\s+(\/\S*)$/.exec(item.trim());
    if (!match) return `${where}[${i}] must look like "POST /v1/files" or "* /v1/uploads"`;
    routes.push({ method: match[1] ?? '*', pathPrefix: match[2] ?? '/' });
  }
  return routes;
}
