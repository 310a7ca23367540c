// Redis key names for limit buckets: `<prefix>{<tag>}:<id>:<window>` where the hash tag is
// the bucket's subject, `<prefix without ':'>:<scope>:<key>` (`leash:{leash:session:s-8c1f}:
// customerRecords.read%2Fsession:session`). A name depends on the bucket alone, so every
// decision counts one bucket under one name; and the tag spreads a deployment's buckets
// over Redis Cluster slots by subject (sessions, agents, keys, tasks, upstreams), so all
// buckets of one subject share a slot and one Lua script. A decision whose buckets span
// several subjects runs one script per subject group and refunds on refusal
// (redis-store.ts; docs/limits.md "Redis Cluster" gives the exactness argument).
import type { LimitRequest } from '../../compiler/index.ts';

/** encodeURIComponent also escapes '{', '}' and ':', so no part can move the hash tag */
const enc = encodeURIComponent;

const bases = new Map<string, string>();

/** the prefix without its trailing ':' (a deployment has one prefix; asked once per bucket) */
function base(prefix: string): string {
  let b = bases.get(prefix);
  if (b === undefined) {
    b = prefix.replace(/:+$/, '') || 'leash';
    if (bases.size < 64) bases.set(prefix, b);
  }
  return b;
}

/** the Cluster hash tag of a bucket: its subject (scope and identity), within the deployment's prefix */
export function hashTag(prefix: string, b: Pick<LimitRequest, 'scope' | 'key'>): string {
  return `${base(prefix)}:${b.scope}:${enc(b.key)}`;
}

export function bucketKey(prefix: string, b: LimitRequest): string {
  return `${prefix}{${hashTag(prefix, b)}}:${enc(b.id)}:${enc(b.window)}`;
}

/** a key of the deployment's own (not a bucket): reset markers */
export function storeKey(prefix: string, name: string): string {
  return `${prefix}{${base(prefix)}:${name}}`;
}

export function checkPrefix(prefix: string): void {
  if (/[{}]/.test(prefix)) throw new Error(`limit store key prefix '${prefix}' must not contain '{' or '}' (it would move the Cluster hash tag)`);
}
