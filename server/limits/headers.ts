// Rate-limit answer headers from the bucket states of one decision: RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset describe the most restrictive bucket (fewest
// units left; on a tie the one that takes longer to refill); Retry-After is added on 429.
import type { BucketState, ConsumeOutcome } from '../contracts.ts';

export function mostRestrictive(buckets: readonly BucketState[]): BucketState | undefined {
  let best: BucketState | undefined;
  for (const b of buckets) {
    if (!best || b.remaining < best.remaining || (b.remaining === best.remaining && reset(b) > reset(best))) best = b;
  }
  return best;
}

/** seconds until the quota is back: time to full allowance when known, else time to room */
function reset(b: BucketState): number {
  return b.remaining > 0 ? (b.fullMs ?? b.resetMs) : b.resetMs;
}

const seconds = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

export function rateLimitHeaders(outcome: ConsumeOutcome): Record<string, string> {
  if (outcome.kind === 'unavailable') return {};
  const exceeded = outcome.kind === 'limited' ? outcome.buckets.find((b) => b.id === outcome.exceeded) : undefined;
  const b = exceeded ?? mostRestrictive(outcome.buckets);
  if (!b) return {};
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(b.limit),
    'RateLimit-Remaining': String(Math.max(0, Math.floor(b.remaining))),
    'RateLimit-Reset': String(seconds(reset(b))),
  };
  if (outcome.kind === 'limited') headers['Retry-After'] = String(Math.max(1, seconds(outcome.retryAfterMs)));
  return headers;
}
