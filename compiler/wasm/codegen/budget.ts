// The evaluation step budget: every loop iteration (plan Scan) and every planned-function
// entry spends one step from a global counter. When it runs out, `leash:budget_tick` asks
// the host (builtin DEADLINE_BUILTIN through opa_builtin0) whether the evaluation's
// deadline has passed; if so it aborts through opa_abort with an `eval_timeout` error, else
// it refills the counter. A normal decision never spends a full budget, so it never pays a
// host call: its only cost is a decrement and a compare per step.
import binaryen from 'binaryen';
import type { Linker } from './linker.ts';

/** Host builtin: no arguments, true once the current evaluation's deadline has passed. */
export const DEADLINE_BUILTIN = 'leash.deadline_passed';

/** The host side of DEADLINE_BUILTIN for one loaded policy (its evaluations run one at a time). */
export interface DeadlineClock {
  /** the DEADLINE_BUILTIN implementation: true once the running evaluation is past its deadline */
  readonly builtin: () => boolean;
  /** before an evaluation: its time bound (undefined: none) */
  start(limitMs: number | undefined): void;
  /** after it, whatever the outcome */
  stop(): void;
  /** whether the last evaluation was stopped by its deadline */
  timedOut(): boolean;
}

export function deadlineClock(): DeadlineClock {
  let deadline = Infinity;
  let tripped = false;
  return {
    builtin: () => {
      if (performance.now() <= deadline) return false;
      tripped = true;
      return true;
    },
    start(limitMs) {
      tripped = false;
      deadline = limitMs === undefined ? Infinity : performance.now() + limitMs;
    },
    stop() {
      deadline = Infinity;
    },
    timedOut: () => tripped,
  };
}
/** The error code and message an aborted evaluation carries (the SDK throws this text). */
export const EVAL_TIMEOUT_CODE = 'eval_timeout';
export const EVAL_TIMEOUT_MESSAGE = 'policy evaluation ran past its time bound';
/**
 * Steps between clock readings: small enough that even steps costing a few µs re-check the
 * clock within milliseconds, large enough that ordinary decisions (tens to hundreds of
 * steps) never read it.
 */
export const BUDGET_STEPS = 4096;

const BUDGET_GLOBAL = 'leash:budget';
const TICK_FUNC = 'leash:budget_tick';
const i32 = binaryen.i32;

/** Declares the budget global; call while the host builtin ids are still being assigned. */
export function reserveBudget(m: binaryen.Module, link: Linker): void {
  if (!link.hostIds.has(DEADLINE_BUILTIN)) link.hostIds.set(DEADLINE_BUILTIN, link.hostIds.size);
  link.statics.cstring(EVAL_TIMEOUT_CODE);
  link.statics.cstring(EVAL_TIMEOUT_MESSAGE);
  m.addGlobal(BUDGET_GLOBAL, i32, true, m.i32.const(BUDGET_STEPS));
}

/** The tick function; call after static data is placed. */
export function addBudgetTick(m: binaryen.Module, link: Linker): void {
  const answer = m.call(link.rt('leash_host_builtin0'), [m.i32.const(link.hostIds.get(DEADLINE_BUILTIN)!)], i32);
  // a boolean value is tag 2 then its payload byte: `true` reads as the u16 0x0102
  const isTrue = m.i32.eq(m.i32.load16_u(0, 1, m.local.get(0, i32)), m.i32.const(0x0102));
  m.addFunction(TICK_FUNC, binaryen.none, binaryen.none, [i32], m.block(null, [
    m.global.set(BUDGET_GLOBAL, m.i32.const(BUDGET_STEPS)),
    m.local.set(0, answer),
    m.if(m.i32.and(m.i32.ne(m.local.get(0, i32), m.i32.const(0)), isTrue),
      m.call(link.rt('leash_error'), [m.i32.const(link.cstring(EVAL_TIMEOUT_CODE)), m.i32.const(link.cstring('')),
        m.i32.const(0), m.i32.const(link.cstring(EVAL_TIMEOUT_MESSAGE))], binaryen.none)),
  ], binaryen.none));
}

/** One step: decrement, and tick when the budget is spent. */
export function spendStep(m: binaryen.Module): binaryen.ExpressionRef {
  return m.block(null, [
    m.global.set(BUDGET_GLOBAL, m.i32.sub(m.global.get(BUDGET_GLOBAL, i32), m.i32.const(1))),
    m.if(m.i32.le_s(m.global.get(BUDGET_GLOBAL, i32), m.i32.const(0)), m.call(TICK_FUNC, [], binaryen.none)),
  ], binaryen.none);
}

/** Each evaluation starts with a full budget (an aborted one may have left it anywhere). */
export function resetBudget(m: binaryen.Module): binaryen.ExpressionRef {
  return m.global.set(BUDGET_GLOBAL, m.i32.const(BUDGET_STEPS));
}
