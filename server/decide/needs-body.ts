// A decision about a request without a body, on a resource whose rules read the body, would
// be made on absent data. Forward-auth gateways (/authz) never send the body, and an agent can
// leave it out anywhere; such a request is denied (body_unavailable) before limits are spent,
// whatever the policy would have said about the empty body.
import type { ResourceInfo } from '../../compiler/extract/reads.ts';

type Resources = Readonly<Record<string, Pick<ResourceInfo, 'reads'>>>;

const cache = new WeakMap<object, Resources | null>();

/** data.leash.resources of a bundle's data.json, or null when the bundle has none. */
function resourcesOf(data: unknown): Resources | null {
  if (typeof data !== 'object' || data === null) return null;
  const hit = cache.get(data);
  if (hit !== undefined) return hit;
  const leash = (data as { leash?: unknown }).leash;
  const resources = typeof leash === 'object' && leash !== null ? (leash as { resources?: unknown }).resources : undefined;
  const out = typeof resources === 'object' && resources !== null && !Array.isArray(resources) ? (resources as Resources) : null;
  cache.set(data, out);
  return out;
}

/** The first matched resource that reads the body, or null. */
export function bodyReadingResource(data: unknown, matched: readonly string[]): string | null {
  if (matched.length === 0) return null;
  const resources = resourcesOf(data);
  if (!resources) return null;
  for (const key of matched) {
    const reads = Object.prototype.hasOwnProperty.call(resources, key) ? resources[key]?.reads : undefined;
    if (Array.isArray(reads) && reads.includes('body')) return key;
  }
  return null;
}
