// The policy engine: loads bundles into opa-wasm evaluators and swaps them atomically on reload.
export { createEngine, type PolicyEngine, type BundleSource, type BundleLoader, type ReloadOutcome, type EngineLog } from './engine.ts';
export { createWasmEvaluator, type PolicyEvaluator, type EvalOutcome, type WasmBundleParts, type HostBuiltins } from './evaluator.ts';
export { toDecision } from './decision-shape.ts';
export { createEvaluationQueue, type EvaluationQueue, type TimedOutcome } from './evaluation-queue.ts';
