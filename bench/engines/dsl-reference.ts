// The DSL's own reference semantics (compiler `evaluateReference`: the policy's predicates
// run as the arrow functions they are) on policies/support-agent.policy.ts: the voter
// every encoding, Leash's wasm included, must agree with.
import type { PolicyInput } from '../../compiler/index.ts';
import type { EngineSetup } from './engine.ts';

export async function createDslReferenceEngine(): Promise<EngineSetup> {
  try {
    const compiler = (await import('../../compiler/index.ts')) as {
      evaluateReference?: (policies: readonly unknown[], input: PolicyInput) => { allow: boolean };
    };
    const policy = ((await import('../../policies/support-agent.policy.ts')) as { default: unknown }).default;
    const evaluate = compiler.evaluateReference;
    if (!evaluate) return { ok: false, missing: { name: 'dsl-reference', reason: 'compiler evaluateReference is not available yet' } };
    return {
      ok: true,
      engine: {
        name: 'dsl-reference',
        label: 'the DSL reference evaluator on policies/support-agent.policy.ts',
        decide: (input) => evaluate([policy], input).allow === true,
      },
    };
  } catch (err) {
    return { ok: false, missing: { name: 'dsl-reference', reason: `not available yet (${(err as Error).message.split('\n')[0]})` } };
  }
}
