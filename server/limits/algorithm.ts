// The limit arithmetic, as pure functions over one stored number per bucket. Lifetime
// ('session') buckets are exact counters; rolling windows use GCRA (the generic cell rate
// algorithm): the stored number is the theoretical arrival time (TAT) in ms. The Redis
// Lua script (redis-script.ts) mirrors these functions line for line; keep them in step.
import type { BucketState } from '../contracts.ts';
import type { BucketPlan } from './window.ts';

/** float slack so that e.g. 2.9999999999 counts as 3 remaining units */
const EPS = 1e-9;

export interface BucketStep {
  readonly fits: boolean;
  /** the stored value after consuming (only written when every bucket fits) */
  readonly next: number;
  /** absolute ms after which the stored value may be forgotten */
  readonly expiresAtMs: number;
  /** state if this request is admitted, and if it is not */
  readonly admitted: BucketState;
  readonly rejected: BucketState;
  /** ms until `cost` units fit (meaningful when !fits) */
  readonly retryAfterMs: number;
}

/**
 * `stored` is the current value (undefined when absent or expired); `counterExpiresAtMs` is
 * when a lifetime counter may be forgotten (the session's end, already capped).
 */
export function stepBucket(plan: BucketPlan, stored: number | undefined, nowMs: number, counterExpiresAtMs: number): BucketStep {
  const { bucket, window } = plan;
  const { max, cost, id } = bucket;
  switch (window.kind) {
    case 'session': {
      const used = stored ?? 0;
      const fits = used + cost <= max + EPS;
      const untilEnd = Math.max(0, counterExpiresAtMs - nowMs);
      const state = (u: number): BucketState => {
        const remaining = Math.max(0, Math.floor(max - u + EPS));
        return { id, limit: max, remaining, resetMs: remaining >= 1 ? 0 : untilEnd, fullMs: u > 0 ? untilEnd : 0 };
      };
      return { fits, next: used + cost, expiresAtMs: counterExpiresAtMs, admitted: state(used + cost), rejected: state(used), retryAfterMs: untilEnd };
    }
    case 'rolling': {
      const W = window.windowMs;
      if (max <= 0) {
        // nothing is ever admitted (except free requests); there is no rate to refill at
        const state: BucketState = { id, limit: max, remaining: 0, resetMs: W, fullMs: 0 };
        return { fits: cost === 0, next: stored ?? nowMs, expiresAtMs: nowMs, admitted: state, rejected: state, retryAfterMs: W };
      }
      const T = W / max; // ms one unit occupies
      const base = Math.max(stored ?? nowMs, nowMs);
      const next = base + cost * T;
      const fits = next - nowMs <= W + EPS;
      const state = (tat: number): BucketState => ({
        id,
        limit: max,
        remaining: Math.max(0, Math.floor((nowMs + W - tat) / T + EPS)),
        resetMs: Math.max(0, Math.ceil(tat + T - W - nowMs)),
        fullMs: Math.max(0, Math.ceil(tat - nowMs)),
      });
      const retryAfterMs = cost * T > W ? W : Math.max(0, Math.ceil(next - W - nowMs));
      return { fits, next, expiresAtMs: Math.ceil(next), admitted: state(next), rejected: state(base), retryAfterMs };
    }
    default:
      return assertNever(window);
  }
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
