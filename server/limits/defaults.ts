// Server-side default limits, applied when the policy's decision names no limit at all
// (hand-written Rego, or a DSL policy that turned its defaults off): per session, much
// tighter for writes than for reads. They are the DSL's own defaults, so a policy gets the
// same protection whether the compiler or the server supplies them.
import type { AccessKind, Decision, LimitRequest } from '../../compiler/contract.ts';
// the DSL module itself: compiler/index.ts would load the whole compiler into the server
import { DEFAULT_LIMITS as DSL_DEFAULT_LIMITS } from '../../compiler/dsl/define.ts';

export interface DefaultLimit {
  readonly max: number;
  /** 'session' or a rolling window such as '60s' */
  readonly window: string;
}

export interface DefaultLimits {
  readonly read: readonly DefaultLimit[];
  readonly write: readonly DefaultLimit[];
}

/** Documented in docs/limits.md: reads 1000 per session and 120 per minute, writes 100 and 20. */
export const DEFAULT_LIMITS: DefaultLimits = {
  read: DSL_DEFAULT_LIMITS.read.map((l) => ({ max: l.max, window: l.window })),
  write: DSL_DEFAULT_LIMITS.write.map((l) => ({ max: l.max, window: l.window })),
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
