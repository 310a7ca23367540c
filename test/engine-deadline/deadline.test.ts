// The evaluation time bound stops a runaway evaluation instead of judging it afterwards: a
// bundle whose hand-written Rego module spins (for hours, unbounded) on one request is
// served by a real Fastify app with the real opa-wasm SDK; that decision is denied once the
// bound passes, a request sent beside it is answered, and decisions after it are correct.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { parseModule } from '../../compiler/rego/index.ts';
import { compileWasm } from '../../compiler/wasm/index.ts';
import { writeBundle } from '../../compiler/bundle/index.ts';
import { DEADLINE_BUILTIN } from '../../compiler/wasm/codegen/budget.ts';
import { createWasmEvaluator, type PolicyEvaluator } from '../../server/engine/index.ts';
import type { PolicyInput } from '../../compiler/index.ts';
import { makeKeys, postJson, startServer, supportClaims, type Running, type TestKeys } from '../server/helpers.ts';
import { writeFileSync } from 'node:fs';

const DECISION = `package leash

default decision := {"allow": false, "access": "read", "rule": null, "reasons": ["no rule"], "limits": [], "priority": "normal"}

decision := {"allow": true, "access": "read", "rule": "r", "reasons": ["ok"], "limits": [], "priority": "normal"} if {
	input.request.method == "GET"
	not data.leash.spin.heavy
	not data.leash.spin.pairs
}
`;

// Hand-written beside the decision module. /spin: 5000^3 iterations, far longer than any
// test run. /pairs: quadratic in an array the input carries.
const SPIN = `package leash.spin

heavy if {
	input.request.path == "/spin"
	count([1 | some a in numbers.range(1, 5000); some b in numbers.range(1, 5000); some c in numbers.range(1, 5000)]) > 0
}

pairs if {
	some a in input.request.items
	some b in input.request.items
	a + b < 0
}
`;

const BOUND_MS = 50;
let wasm: Uint8Array;
let keys: TestKeys;
let srv: Running;

function compile(): Uint8Array {
  const mods = [parseModule(DECISION, 'decision.rego'), parseModule(SPIN, 'spin.rego')].map((p) => {
    if (!p.module) throw new Error(`fixture does not parse: ${JSON.stringify(p.diagnostics)}`);
    return p.module;
  });
  const compiled = compileWasm(mods, ['leash/decision']);
  if (!compiled.wasm) throw new Error(`fixture does not compile: ${JSON.stringify(compiled.diagnostics)}`);
  return compiled.wasm;
}

function input(path: string, extra: Record<string, unknown> = {}): PolicyInput {
  return { agent: { session: 's-1' }, request: { method: 'GET', path, query: {}, ...extra }, upstream: null, now: 0 } as unknown as PolicyInput;
}

beforeAll(async () => {
  wasm = compile();
  keys = await makeKeys();
  const bundle = join(keys.dir, 'bundle.tar.gz');
  writeFileSync(bundle, await writeBundle({ modules: [{ path: 'leash/decision.rego', source: DECISION }, { path: 'leash/spin.rego', source: SPIN }], data: {}, roots: ['leash'], wasm }));
  srv = await startServer(keys, { bundle: { path: bundle, evalTimeoutMs: BOUND_MS, watch: false } });
});
afterAll(async () => srv?.close());

describe('a runaway evaluation behind a real server', () => {
  it('is denied with policy_error naming the bound, and a request sent beside it is answered', async () => {
    const token = await keys.sign(supportClaims());
    const [runaway, normal] = await Promise.all([
      postJson(`${srv.url}/decide`, { method: 'GET', path: '/spin', token }),
      postJson(`${srv.url}/decide`, { method: 'GET', path: '/customers/C-771', token }),
    ]);
    expect(runaway.body).toMatchObject({ allow: false, status: 403, code: 'policy_error' });
    expect(runaway.body.reasons[0]).toMatch(new RegExp(`^policy evaluation stopped after [0-9.]+ms, over the ${BOUND_MS}ms bound$`));
    expect(normal.body).toMatchObject({ allow: true, status: 200, rule: 'r' });
    expect(srv.logs.lines().some((l) => l['msg'] === 'policy evaluation over its time bound; denied')).toBe(true);
  });

  it('leaves the engine serving correct decisions afterwards, runaway after runaway', async () => {
    const token = await keys.sign(supportClaims());
    for (let round = 0; round < 3; round++) {
      const stopped = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/spin', token });
      expect(stopped.body).toMatchObject({ allow: false, code: 'policy_error' });
      const ok = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/customers/C-771', token });
      expect(ok.body).toMatchObject({ allow: true, status: 200, rule: 'r', reasons: ['ok'] });
      const write = await postJson(`${srv.url}/decide`, { method: 'DELETE', path: '/customers/C-771', token });
      expect(write.body).toMatchObject({ allow: false, status: 403, reasons: ['no rule'] });
    }
  });
});

describe('the evaluator', () => {
  let ev: PolicyEvaluator;
  beforeAll(async () => {
    ev = await createWasmEvaluator({ revision: 'r', wasm, data: {} });
  });

  it('stops a loop over a large input array and reports it as timed out', () => {
    const items = Array.from({ length: 30_000 }, (_, i) => i);
    const stopped = ev.evaluate(input('/x', { items }), BOUND_MS);
    expect(stopped).toEqual({ ok: false, problem: `evaluation stopped at its ${BOUND_MS}ms time bound`, timedOut: true });
    // small input: the same rule finishes and the decision is made
    expect(ev.evaluate(input('/x', { items: [1, 2, 3] }), BOUND_MS)).toMatchObject({ ok: true, decision: { allow: true, rule: 'r' } });
  });
});

describe('the bundle for other hosts', () => {
  it('declares the deadline builtin by name, and normal decisions never call it', async () => {
    // the plain SDK without Leash's host builtins: what an OPA host lacking it would do
    const plain = await loadPolicy(wasm as Uint8Array<ArrayBuffer>);
    plain.setData({});
    const rs = plain.evaluate(input('/customers/C-771'), 'leash/decision') as { result: { allow: boolean } }[];
    expect(rs[0]!.result.allow).toBe(true);
    let thrown: unknown;
    try {
      plain.evaluate(input('/spin'), 'leash/decision');
    } catch (err) {
      thrown = err;
    }
    expect(JSON.stringify(thrown)).toContain(`not implemented: built-in function`);
    expect(JSON.stringify(thrown)).toContain(DEADLINE_BUILTIN);
  });
});
