// Policy evaluations wait for the end of the event-loop turn and then run back to back.
//
// Under load one turn reads many requests, and deciding each as it arrives interleaves the
// wasm evaluation with the HTTP parsing, routing and socket work of the others. Each of them
// then starts from cold CPU caches: in the server an evaluation cost twice what it costs in a
// tight loop, and the HTTP work around it slowed as much. Run together in the turn's check
// phase (setImmediate), every evaluation after the first finds the module's code and memory
// warm, and the answers that follow leave in the same check phase. Each queued
// evaluation keeps its own evaluator (the revision its decision took) and its own time bound,
// and is timed on its own; at low load a turn holds one request and the wait is one setImmediate.
import type { PolicyInput } from '../../compiler/index.ts';
import { endOfTurn } from '../end-of-turn.ts';
import type { EvalOutcome, PolicyEvaluator } from './evaluator.ts';

export interface TimedOutcome {
  readonly outcome: EvalOutcome;
  /** the evaluation's own time, not the wait for the end of the turn */
  readonly evalMs: number;
}

export interface EvaluationQueue {
  evaluate(evaluator: PolicyEvaluator, input: PolicyInput, timeLimitMs?: number): Promise<TimedOutcome>;
}

interface Pending {
  readonly evaluator: PolicyEvaluator;
  readonly input: PolicyInput;
  readonly timeLimitMs: number | undefined;
  readonly resolve: (timed: TimedOutcome) => void;
}

export function createEvaluationQueue(): EvaluationQueue {
  let pending: Pending[] = [];

  function runAll(): void {
    const batch = pending;
    pending = [];
    for (const p of batch) {
      const started = performance.now();
      let outcome: EvalOutcome;
      try {
        outcome = p.evaluator.evaluate(p.input, p.timeLimitMs);
      } catch (err) {
        // an evaluator reports its failures as outcomes; one that throws fails its own decision only
        outcome = { ok: false, problem: `evaluation failed: ${err instanceof Error ? err.message : String(err)}` };
      }
      p.resolve({ outcome, evalMs: performance.now() - started });
    }
  }

  return {
    evaluate(evaluator, input, timeLimitMs) {
      return new Promise<TimedOutcome>((resolve) => {
        // the turn's end (server/end-of-turn.ts), which the turn's answers share
        if (pending.push({ evaluator, input, timeLimitMs, resolve }) === 1) void endOfTurn().then(runAll);
      });
    },
  };
}
