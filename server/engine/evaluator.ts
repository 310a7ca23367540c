// One loaded policy revision: the bundle's policy.wasm instantiated by the OPA wasm SDK,
// its data.json set once, and `evaluate` running the `leash/decision` entrypoint. An
// evaluator is immutable once built; a reload builds a new one and swaps the reference.
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { DECISION_ENTRYPOINT, type Decision, type PolicyInput } from '../../compiler/index.ts';
import { DEADLINE_BUILTIN, deadlineClock } from '../../compiler/wasm/codegen/budget.ts';
import { toDecision } from './decision-shape.ts';

export type EvalOutcome =
  | { readonly ok: true; readonly decision: Decision }
  | { readonly ok: false; readonly problem: string; readonly timedOut?: boolean };

export interface PolicyEvaluator {
  /** the bundle's revision (its manifest revision) */
  readonly revision: string;
  /** the bundle's data.json as loaded (read-only; the credential proxy reads upstream metadata from it) */
  readonly data?: unknown;
  /**
   * `timeLimitMs` bounds the evaluation: the wasm's step budget asks the host for the time
   * every few thousand steps and aborts once it is past (`timedOut` in the outcome).
   */
  evaluate(input: PolicyInput, timeLimitMs?: number): EvalOutcome;
}

export interface WasmBundleParts {
  readonly revision: string;
  readonly wasm: Uint8Array;
  readonly data: unknown;
}

export type HostBuiltins = Record<string, (...args: unknown[]) => unknown>;

export async function createWasmEvaluator(parts: WasmBundleParts, hostBuiltins?: HostBuiltins): Promise<PolicyEvaluator> {
  // the generated code asks DEADLINE_BUILTIN only when its step budget runs out
  const clock = deadlineClock();
  const builtins = { ...hostBuiltins, [DEADLINE_BUILTIN]: clock.builtin };
  const policy = await loadPolicy(parts.wasm as Uint8Array<ArrayBuffer>, undefined, builtins as Record<string, Function>);
  if (!Object.prototype.hasOwnProperty.call(policy.entrypoints ?? {}, DECISION_ENTRYPOINT)) {
    throw new Error(`policy.wasm has no "${DECISION_ENTRYPOINT}" entrypoint (it has: ${Object.keys(policy.entrypoints ?? {}).join(', ') || 'none'})`);
  }
  policy.setData((parts.data ?? {}) as object);
  return {
    revision: parts.revision,
    data: parts.data,
    evaluate(input, timeLimitMs) {
      let resultSet: unknown;
      clock.start(timeLimitMs);
      try {
        resultSet = policy.evaluate(inputBytes(input), DECISION_ENTRYPOINT);
      } catch (err) {
        // The SDK throws strings as well as Errors (opa_abort messages). After an abort the
        // next evaluate starts clean: the SDK resets the heap pointer and leash_eval resets
        // the per-evaluation globals (budget, memo, clock).
        if (clock.timedOut()) return { ok: false, problem: `evaluation stopped at its ${timeLimitMs}ms time bound`, timedOut: true };
        return { ok: false, problem: `evaluation failed: ${err instanceof Error ? err.message : String(err)}` };
      } finally {
        clock.stop();
      }
      if (!Array.isArray(resultSet) || resultSet.length === 0) return { ok: false, problem: 'the decision is undefined for this input' };
      if (resultSet.length > 1) return { ok: false, problem: 'the decision has conflicting values' };
      return toDecision((resultSet[0] as { result?: unknown }).result);
    },
  };
}

// The SDK takes the input as JSON bytes as well as an object. Most of an input is the
// agent (claims, task), the same object for every decision of a token (the token cache
// hands it out), so its JSON is made once per token and the rest is joined around it.
const agentJson = new WeakMap<PolicyInput['agent'], string>();
const utf8 = new TextEncoder();
/** UTF-8 takes at most 3 bytes per UTF-16 unit, so any input up to a third of this fits */
const scratch = new Uint8Array(64 * 1024);

/** `input` as UTF-8 JSON in an ArrayBuffer of exactly its size */
export function inputBytes(input: PolicyInput): ArrayBuffer {
  let agent = agentJson.get(input.agent);
  if (agent === undefined) {
    agent = JSON.stringify(input.agent);
    agentJson.set(input.agent, agent);
  }
  const text = `{"agent":${agent},"request":${JSON.stringify(input.request)},"upstream":${JSON.stringify(input.upstream)},"now":${JSON.stringify(input.now)}}`;
  // encodeInto a buffer kept for it, then one copy of exactly the bytes: about half the
  // time of encode() on these joined strings (bench/RESULTS.md notes)
  if (text.length * 3 <= scratch.length) return scratch.buffer.slice(0, utf8.encodeInto(text, scratch).written);
  const bytes = utf8.encode(text);
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
}
