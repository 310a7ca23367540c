// The planner's one internal failure: a construct it cannot plan. Thrown inside the
// planner and turned into a `leash_plan_unsupported` diagnostic at its entry point.
import type { Loc } from '../../diagnostics/index.ts';

export class PlanError extends Error {
  constructor(message: string, readonly loc: Loc | undefined) {
    super(message);
    this.name = 'PlanError';
  }
}
