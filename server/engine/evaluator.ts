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

// The SDK takes the input as JSON bytes in an ArrayBuffer and copies all of its byteLength
// into wasm memory. Most of an input is the agent (claims, task), the same object for every
// decision of a token (the token cache hands it out), so the UTF-8 of the input's opening and
// agent is made once per agent object and only the rest is encoded per decision, after it in
// a kept buffer. The bytes then go out in one resizable ArrayBuffer set to their length: no
// buffer is allocated per decision (bench/RESULTS.md notes: about half the time of slicing a
// fresh one).
const agentOpening = new WeakMap<PolicyInput['agent'], Uint8Array>();
const utf8 = new TextEncoder();
const compose = new Uint8Array(64 * 1024);
/** ES2024 resizable buffers (Node 20's V8 has them; the project's TypeScript lib is ES2022) */
type ResizableArrayBuffer = ArrayBuffer & { resize(byteLength: number): void };
const handoff = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ResizableArrayBuffer)(0, { maxByteLength: compose.length });
const handoffView = new Uint8Array(handoff);

// `now` is in nanoseconds, past 2^53, where writing a number takes V8's slow exact path; the
// decisions of one millisecond share it, so the text of the latest one is kept.
let lastNow = Number.NaN;
let lastNowJson = 'null';

function nowJson(now: number): string {
  if (now !== lastNow) {
    lastNowJson = JSON.stringify(now);
    lastNow = now;
  }
  return lastNowJson;
}

/**
 * `input` as UTF-8 JSON in an ArrayBuffer of exactly its size. The buffer is reused: it holds
 * this input until the next call, which is all the SDK's synchronous evaluate needs.
 */
export function inputBytes(input: PolicyInput): ArrayBuffer {
  let opening = agentOpening.get(input.agent);
  if (opening === undefined) {
    opening = utf8.encode(`{"agent":${JSON.stringify(input.agent)},"request":`);
    agentOpening.set(input.agent, opening);
  }
  const rest = `${JSON.stringify(input.request)},"upstream":${JSON.stringify(input.upstream)},"now":${nowJson(input.now)}}`;
  // UTF-8 takes at most 3 bytes per UTF-16 unit
  if (opening.length + rest.length * 3 > compose.length) {
    const tail = utf8.encode(rest);
    const whole = new Uint8Array(opening.length + tail.length);
    whole.set(opening, 0);
    whole.set(tail, opening.length);
    return whole.buffer;
  }
  compose.set(opening, 0);
  const length = opening.length + utf8.encodeInto(rest, compose.subarray(opening.length)).written;
  handoff.resize(length);
  handoffView.set(compose.subarray(0, length));
  return handoff;
}
