// Runs the all-or-nothing decision over every bucket of one request: step each bucket
// against its stored value (a later bucket with the same key sees the earlier one's
// tentative value), and only if all fit, return the writes. Used by the memory store; the
// Redis Lua script implements the same loop inside Redis.
import type { ConsumeOutcome } from '../contracts.ts';
import { stepBucket } from './algorithm.ts';
import type { BucketPlan } from './window.ts';

export interface PlannedWrite {
  readonly key: string;
  readonly value: number;
  readonly expiresAtMs: number;
}

export function evaluateBuckets(
  plans: readonly BucketPlan[],
  keys: readonly string[],
  read: (key: string) => number | undefined,
  nowMs: number,
  counterExpiresAtMs: number,
): { outcome: ConsumeOutcome; writes: PlannedWrite[] } {
  const pending = new Map<string, PlannedWrite>();
  const steps = plans.map((plan, i) => {
    const key = keys[i]!;
    const stored = pending.has(key) ? pending.get(key)!.value : read(key);
    const step = stepBucket(plan, stored, nowMs, counterExpiresAtMs);
    const prev = pending.get(key);
    pending.set(key, { key, value: step.next, expiresAtMs: Math.max(step.expiresAtMs, prev?.expiresAtMs ?? 0) });
    return step;
  });
  const firstMiss = steps.findIndex((s) => !s.fits);
  if (firstMiss >= 0) {
    return {
      outcome: {
        kind: 'limited',
        buckets: steps.map((s) => s.rejected),
        exceeded: plans[firstMiss]!.bucket.id,
        retryAfterMs: Math.max(...steps.filter((s) => !s.fits).map((s) => s.retryAfterMs)),
      },
      writes: [],
    };
  }
  return { outcome: { kind: 'allowed', buckets: steps.map((s) => s.admitted) }, writes: [...pending.values()] };
}

/** when a lifetime counter may be forgotten: the session's end, capped, never in the past */
export function counterExpiry(nowMs: number, sessionExpiresAtMs: number, maxSessionLifeMs: number): number {
  const end = Number.isFinite(sessionExpiresAtMs) ? sessionExpiresAtMs : nowMs + maxSessionLifeMs;
  return Math.max(nowMs + 1_000, Math.min(end, nowMs + maxSessionLifeMs));
}
