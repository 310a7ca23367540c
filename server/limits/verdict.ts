// Turns a limit-store outcome into the final verdict for an allowed request: admitted, 429
// with Retry-After, or denied because the store could not be reached. Writes always fail
// closed; reads follow `readsOnStoreFailure` (default 'deny').
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
  | { readonly kind: 'deny'; readonly status: 429 | 503; readonly code: 'rate_limited' | 'store_unavailable'; readonly reason: string; readonly buckets: readonly BucketState[]; readonly headers: Record<string, string> };

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
      if (access === 'read' && policy.readsOnStoreFailure === 'allow') {
        return { kind: 'admit', buckets: [], headers: {}, degraded: `${outcome.reason} (read allowed by configuration)` };
      }
      return { kind: 'deny', status: 503, code: 'store_unavailable', reason: outcome.reason, buckets: [], headers: {} };
    default:
      return assertNever(outcome);
  }
}
