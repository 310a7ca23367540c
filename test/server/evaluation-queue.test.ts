// Evaluations of one event-loop turn run together at its end (server/engine/evaluation-queue.ts).
// What must not change: every decision gets the outcome of its own input under its own
// revision, a failure or a time-out stays with its own decision, and each is timed alone.
// On a real server, many concurrent decisions of distinct sessions each get their own answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import fc from 'fast-check';
import { hostBuiltins } from '../../compiler/index.ts';
import { createEvaluationQueue, createWasmEvaluator, type HostBuiltins, type PolicyEvaluator } from '../../server/engine/index.ts';
import type { PolicyInput } from '../../compiler/index.ts';
import { compileRego, makeKeys, postJson, startServer, supportClaims, writeRegoBundle, type Running, type TestKeys } from './helpers.ts';

// The decision names its input back (method, path, session), so an answer given to the wrong
// request cannot pass for the right one.
const echo = (rule: string) => `package leash

open if {
	input.request.method == "GET"
	startswith(input.request.path, "/open/")
}

# Deliberately heavy: counts through a few hundred thousand numbers.
slow if {
	input.request.path == "/slow"
	count([x | some x in numbers.range(1, 400000); x % 7 == 0]) > 0
}

decision := {"allow": true, "access": "read", "rule": "${rule}", "reasons": [concat(" ", [input.request.method, input.request.path, input.agent.session])], "limits": [{"id": "r/session", "scope": "session", "key": input.agent.session, "max": 1000, "window": "session", "cost": 1}], "priority": "normal"} if open

decision := {"allow": true, "access": "read", "rule": "slow", "reasons": [], "limits": [], "priority": "normal"} if slow

decision := {"allow": false, "access": "read", "rule": null, "reasons": [concat(" ", ["denied", input.request.method, input.request.path, input.agent.session])], "limits": [], "priority": "normal"} if {
	not open
	not slow
}
`;

let keys: TestKeys;
let first: PolicyEvaluator;
let second: PolicyEvaluator;
let bundle: string;
const servers: Running[] = [];

beforeAll(async () => {
  keys = await makeKeys();
  const a = echo('first.read');
  const b = echo('second.read');
  first = await createWasmEvaluator({ revision: 'first', wasm: await compileRego(a), data: {} }, hostBuiltins as HostBuiltins);
  second = await createWasmEvaluator({ revision: 'second', wasm: await compileRego(b), data: {} }, hostBuiltins as HostBuiltins);
  bundle = join(keys.dir, 'echo.tar.gz');
  await writeRegoBundle(bundle, a, await compileRego(a), {});
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function inputOf(method: string, path: string, session: string): PolicyInput {
  const task = { ticketId: 'T-1' };
  return {
    agent: { id: 'agent-1', session, key: null, claims: { sid: session, task }, task },
    request: { method, path, raw_path: path, host: null, query: {}, headers: {}, body: null },
    upstream: null,
    now: 1_700_000_000_000_000_000,
  };
}

describe('evaluation queue', () => {
  it('waits for the end of the turn, then gives each of a turn\'s evaluations its own outcome under its own revision', async () => {
    const queue = createEvaluationQueue();
    const inputs = Array.from({ length: 60 }, (_, i) => inputOf(i % 3 === 0 ? 'POST' : 'GET', i % 4 === 0 ? `/closed/${i}` : `/open/${i}`, `s-${i}`));
    const evaluators = inputs.map((_, i) => (i % 2 === 0 ? first : second));
    let settled = 0;
    const pending = inputs.map((input, i) => queue.evaluate(evaluators[i]!, input).then((timed) => { settled++; return timed; }));
    // nothing runs in the turn that queued them, not even in its microtasks
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(0);
    const timed = await Promise.all(pending);
    for (const [i, t] of timed.entries()) {
      expect(t.outcome).toEqual(evaluators[i]!.evaluate(inputs[i]!));
      expect(Number.isFinite(t.evalMs) && t.evalMs >= 0).toBe(true);
    }
    // both revisions and both verdicts were in the batch
    const rules = timed.map((t) => (t.outcome.ok ? t.outcome.decision.rule : 'failed'));
    expect(new Set(rules)).toEqual(new Set(['first.read', 'second.read', null]));
  });

  it('keeps a time-out and a thrown error with their own decisions, and times each evaluation alone', async () => {
    const queue = createEvaluationQueue();
    const throwing: PolicyEvaluator = { revision: 'broken', evaluate: () => { throw new Error('memory access out of bounds'); } };
    const before = queue.evaluate(first, inputOf('GET', '/open/a', 's-a'));
    const slow = queue.evaluate(first, inputOf('GET', '/slow', 's-slow'), 1);
    const broken = queue.evaluate(throwing, inputOf('GET', '/open/b', 's-b'));
    const after = queue.evaluate(second, inputOf('GET', '/open/c', 's-c'), 1000);
    const [b, s, x, a] = await Promise.all([before, slow, broken, after]);
    expect(s.outcome).toMatchObject({ ok: false, timedOut: true });
    expect(x.outcome).toEqual({ ok: false, problem: 'evaluation failed: memory access out of bounds' });
    expect(b.outcome).toMatchObject({ ok: true, decision: { rule: 'first.read', reasons: ['GET /open/a s-a'] } });
    expect(a.outcome).toMatchObject({ ok: true, decision: { rule: 'second.read', reasons: ['GET /open/c s-c'] } });
    // the evaluation after the slow one is not charged the slow one's time
    expect(s.evalMs).toBeGreaterThanOrEqual(1);
    expect(a.evalMs).toBeLessThan(s.evalMs);
  });

  it('serves evaluations queued while a batch is being answered in a later turn', async () => {
    const queue = createEvaluationQueue();
    const chained = await queue.evaluate(first, inputOf('GET', '/open/1', 's-1')).then(() => queue.evaluate(second, inputOf('GET', '/open/2', 's-2')));
    expect(chained.outcome).toMatchObject({ ok: true, decision: { rule: 'second.read', reasons: ['GET /open/2 s-2'] } });
  });
});

describe('concurrent decisions on a real server', () => {
  it('answers every one of many concurrent requests with its own decision (generated request sets)', async () => {
    const srv = await startServer(keys, { bundle: { path: bundle } });
    servers.push(srv);
    const tokens = await Promise.all(Array.from({ length: 24 }, (_, i) => keys.sign(supportClaims({ sid: `conc-${i}` }))));
    const request = fc.record({ session: fc.nat({ max: tokens.length - 1 }), method: fc.constantFrom('GET', 'POST'), open: fc.boolean(), n: fc.nat({ max: 99_999 }) });
    await fc.assert(fc.asyncProperty(fc.array(request, { minLength: 8, maxLength: 48 }), async (requests) => {
      const answers = await Promise.all(requests.map((r) => postJson(`${srv.url}/decide`, { method: r.method, path: `/${r.open ? 'open' : 'closed'}/${r.n}`, token: tokens[r.session] })));
      for (const [i, r] of requests.entries()) {
        const path = `/${r.open ? 'open' : 'closed'}/${r.n}`;
        const sid = `conc-${r.session}`;
        const body = answers[i]!.body;
        if (r.method === 'GET' && r.open) {
          expect(body).toMatchObject({ allow: true, status: 200, rule: 'first.read', reasons: [`GET ${path} ${sid}`] });
          expect(body.limits[0].key).toBe(sid);
        } else {
          expect(body).toMatchObject({ allow: false, status: 403, reasons: [`denied ${r.method} ${path} ${sid}`] });
        }
      }
    }), { numRuns: 12 });
  });
});
