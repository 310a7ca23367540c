// Server-side default limits, applied when the policy's decision names no limit at all:
// per session, over the session's lifetime, and much tighter for writes than for reads.
// A policy that sets any limit for a rule gets exactly its own limits and no defaults.
import type { AccessKind, Decision, LimitRequest } from '../../compiler/index.ts';

export interface DefaultLimit {
  readonly max: number;
  /** 'session' or a rolling window such as '1m' */
  readonly window: string;
}

export interface DefaultLimits {
  readonly read: readonly DefaultLimit[];
  readonly write: readonly DefaultLimit[];
}

/** Documented in docs/limits.md; change both together. */
export const DEFAULT_LIMITS: DefaultLimits = {
  read: [{ max: 100, window: 'session' }],
  write: [{ max: 10, window: 'session' }],
};

export const DEFAULT_RULE = 'leash.default';

/** the buckets a decision consumes: its own, or the defaults for its access kind */
export function effectiveLimits(decision: Pick<Decision, 'limits' | 'access'>, session: string, defaults: DefaultLimits = DEFAULT_LIMITS): readonly LimitRequest[] {
  if (decision.limits.length > 0) return decision.limits;
  return defaultLimitsFor(decision.access, session, defaults);
}

export function defaultLimitsFor(access: AccessKind, session: string, defaults: DefaultLimits = DEFAULT_LIMITS): LimitRequest[] {
  return defaults[access].map((d) => ({
    id: d.window === 'session' ? `${DEFAULT_RULE}.${access}/session` : `${DEFAULT_RULE}.${access}/session/${d.window}`,
    scope: 'session',
    key: session,
    max: d.max,
    window: d.window,
    cost: 1,
  }));
}
