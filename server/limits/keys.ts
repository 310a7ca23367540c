// Redis key names for limit buckets. The hash tag is the bucket's rule (the id up to its
// first '/'): every bucket one decision consumes comes from the rule that matched, so all
// keys of one Lua call share a Cluster slot, and a bucket's name depends on nothing but the
// bucket itself, so two decisions never count the same bucket under two names.
import type { LimitRequest } from '../../compiler/index.ts';

export function ruleTag(bucketId: string): string {
  const slash = bucketId.indexOf('/');
  return slash < 0 ? bucketId : bucketId.slice(0, slash);
}

/** encodeURIComponent also escapes '{', '}' and ':', so no part can move the hash tag */
const enc = encodeURIComponent;

export function bucketKey(prefix: string, b: LimitRequest): string {
  return `${prefix}{${enc(ruleTag(b.id))}}:${enc(b.id)}:${enc(b.window)}:${b.scope}:${enc(b.key)}`;
}

export function checkPrefix(prefix: string): void {
  if (/[{}]/.test(prefix)) throw new Error(`limit store key prefix '${prefix}' must not contain '{' or '}' (it would move the Cluster hash tag)`);
}
