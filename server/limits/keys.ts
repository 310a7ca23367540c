// Redis key names for limit buckets: `<prefix>{<prefix without ':'>}:<id>:<window>:<scope>:<key>`.
// The hash tag is the deployment's prefix, so every limit key of one deployment is in one
// Redis Cluster slot. That is the only tag that keeps both promises at once: one decision
// may mix buckets of a route, its policy and an upstream, in any scopes, and one Lua
// script may only touch one slot; and a bucket's name must depend on the bucket alone, or
// two decisions would count one bucket under two names (docs/limits.md explains the
// alternatives and why they split shared buckets).
import type { LimitRequest } from '../../compiler/index.ts';

/** encodeURIComponent also escapes '{', '}' and ':', so no part can move the hash tag */
const enc = encodeURIComponent;

export function hashTag(prefix: string): string {
  return prefix.replace(/:+$/, '') || 'leash';
}

export function bucketKey(prefix: string, b: LimitRequest): string {
  return `${prefix}{${hashTag(prefix)}}:${enc(b.id)}:${enc(b.window)}:${b.scope}:${enc(b.key)}`;
}

export function checkPrefix(prefix: string): void {
  if (/[{}]/.test(prefix)) throw new Error(`limit store key prefix '${prefix}' must not contain '{' or '}' (it would move the Cluster hash tag)`);
}
