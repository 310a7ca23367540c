// Turns a limit-store outcome into the final verdict for an allowed request: admitted, 429
// with Retry-After, denied because the store could not be reached (writes always; reads
// per `readsOnStoreFailure`, default 'deny'), or denied as a policy error for a bad bucket.
import type { AccessKind } from '../../compiler/index.ts';
import type { BucketState, ConsumeOutcome } from '../contracts.ts';
import { assertNever } from './algorithm.ts';
import { rateLimitHeaders } from './headers.ts';

export interface StoreFailurePolicy {
  readonly readsOnStoreFailure: 'deny' | 'allow';
}

export const DEFAULT_STORE_FAILURE_POLICY: StoreFailurePolicy = { readsOnStoreFailure: 'deny' };

export type LimitVerdict =
  | { readonly kind: 'admit'; readonly buckets: readonly BucketState[]; readonly headers: Record<string, string>; readonly degraded?: string }
  | { readonly kind: 'deny'; readonly status: 403 | 429 | 503; readonly code: 'rate_limited' | 'store_unavailable' | 'policy_error'; readonly reason: string; readonly buckets: readonly BucketState[]; readonly headers: Record<string, string> };

export function limitVerdict(outcome: ConsumeOutcome, access: AccessKind, policy: StoreFailurePolicy = DEFAULT_STORE_FAILURE_POLICY): LimitVerdict {
  switch (outcome.kind) {
    case 'allowed':
      return { kind: 'admit', buckets: outcome.buckets, headers: rateLimitHeaders(outcome) };
    case 'limited':
      return {
        kind: 'deny',
        status: 429,
        code: 'rate_limited',
        reason: `limit ${outcome.exceeded} exceeded; retry in ${Math.ceil(outcome.retryAfterMs / 1000)} s`,
        buckets: outcome.buckets,
        headers: rateLimitHeaders(outcome),
      };
    case 'unavailable':
      // a malformed bucket is the policy's bug, not an outage: denied whatever the access
      if (outcome.cause === 'bucket') return { kind: 'deny', status: 403, code: 'policy_error', reason: outcome.reason, buckets: [], headers: {} };
      if (access === 'read' && policy.readsOnStoreFailure === 'allow') {
        return { kind: 'admit', buckets: [], headers: {}, degraded: `${outcome.reason} (read allowed by configuration)` };
      }
      return { kind: 'deny', status: 503, code: 'store_unavailable', reason: outcome.reason, buckets: [], headers: {} };
    default:
      return assertNever(outcome);
  }
}
