// The policy input goes to the SDK as JSON bytes Leash writes itself, with the agent's JSON
// made once per agent object: the policy must still see exactly the input, every field,
// any text, any size, and never one agent's JSON under another agent's decision.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PolicyInput } from '../../compiler/index.ts';
import { createWasmEvaluator } from '../../server/engine/index.ts';
import { inputBytes } from '../../server/engine/evaluator.ts';
import { compileRego } from './helpers.ts';

const agentA: PolicyInput['agent'] = { id: 'bot-a', session: 's-a', key: 'key-1', claims: { role: 'support', task: { ticketId: 'T-1' }, n: 1.5 }, task: { ticketId: 'T-1' } };
const agentB: PolicyInput['agent'] = { id: 'bot-b', session: 's-b', key: null, claims: { role: 'ops', 'ünï': 'ç✓' }, task: null };

function input(agent: PolicyInput['agent'], path: string, body: unknown = null): PolicyInput {
  return { agent, request: { method: 'PATCH', path, query: { q: ['1', '2'] }, headers: { 'x-trace': 'abc' }, body }, upstream: 'stripe', now: 1_795_763_138_748_000_000 };
}

const decode = (b: ArrayBuffer) => JSON.parse(new TextDecoder().decode(b)) as unknown;

describe('inputBytes', () => {
  it('is the input as JSON, whole, for each of several decisions of the same and other agents', () => {
    const cases = [input(agentA, '/t/1'), input(agentA, '/t/2', { note: 'line\n"quoted"' }), input(agentB, '/ü/✓'), input(agentA, '/t/3')];
    for (const c of cases) expect(decode(inputBytes(c))).toEqual(c);
  });

  it('is exact for generated bodies of any size, after larger and smaller ones (a reused buffer leaves nothing behind)', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.nat({ max: 40_000 }), fc.string({ unit: 'grapheme', maxLength: 40 }), (body, pad, text) => {
      const c = input(agentA, '/t/1', { body, pad: 'x'.repeat(pad), text });
      const bytes = inputBytes(c);
      expect(bytes.byteLength).toBe(Buffer.byteLength(JSON.stringify(c)));
      expect(decode(bytes)).toEqual(JSON.parse(JSON.stringify(c)));
    }), { numRuns: 150 });
  });

  it('writes each decision\'s own `now`, the text of the last one kept only while it repeats', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1_700_000_000_000, max: 2_100_000_000_000 }), { minLength: 2, maxLength: 20 }), (times) => {
      for (const ms of [...times, times[0]!, times[0]!]) {
        const c = { ...input(agentA, '/t/1'), now: ms * 1_000_000 };
        expect(new TextDecoder().decode(inputBytes(c))).toBe(JSON.stringify(c));
      }
    }), { numRuns: 50 });
  });

  it('gives an ArrayBuffer of exactly the encoded size (the SDK copies all of it)', () => {
    const c = input(agentB, '/ü');
    const bytes = inputBytes(c);
    expect(bytes.byteLength).toBe(Buffer.byteLength(JSON.stringify(c)));
  });
});

describe('the policy sees the input it is given', () => {
  it('reflects path, claims and body through the real SDK', async () => {
    const wasm = await compileRego(`package leash

decision := {"allow": true, "access": "write", "rule": "echo", "reasons": [input.request.path, input.agent.claims.role, sprintf("%v", [input.request.body]), input.agent.id], "limits": [], "priority": "high"}
`);
    const ev = await createWasmEvaluator({ revision: 'r', wasm, data: {} });
    const first = ev.evaluate(input(agentA, '/t/ü', { a: 1 }));
    const second = ev.evaluate(input(agentB, '/x'));
    expect(first).toMatchObject({ ok: true, decision: { reasons: ['/t/ü', 'support', '{"a": 1}', 'bot-a'] } });
    expect(second).toMatchObject({ ok: true, decision: { reasons: ['/x', 'ops', 'null', 'bot-b'] } });
  });
});
