// Hot reload under concurrent load, with real .tar.gz bundles and the real opa-wasm SDK: the
// bundle file is replaced several times (and once with a broken bundle) while requests
// stream in; no request fails, and every decision is made wholly by one revision (the label
// its policy read from data.json belongs to the revision the answer names).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModule } from '../../compiler/rego/index.ts';
import { compileWasm, hostBuiltins } from '../../compiler/wasm/index.ts';
import { createWasmEvaluator } from '../../server/engine/index.ts';
import { compileRego, makeKeys, postJson, startServer, supportClaims, writeRegoBundle, type Running, type TestKeys } from './helpers.ts';

// The revision's name lives in data.json, so a decision's reason says which data it ran on.
const REGO = `package leash

default decision := {"allow": false, "access": "read", "rule": null, "reasons": ["no rule"], "limits": [], "priority": "normal"}

decision := {"allow": true, "access": "read", "rule": "r", "reasons": [data.rev], "limits": [{"id": "r/session", "scope": "session", "key": input.agent.session, "max": 100000, "window": "session", "cost": 1}], "priority": "normal"} if {
	input.request.method == "GET"
}
`;

let keys: TestKeys;
let srv: Running;
let bundlePath: string;
let wasm: Uint8Array;

/** label (what the policy reads from data.json) -> the bundle revision that carries it */
const revisionOf = new Map<string, string>();

async function publish(label: string): Promise<void> {
  revisionOf.set(label, await writeRegoBundle(bundlePath, REGO, wasm, { rev: label }));
}

function writeRaw(content: string): void {
  const tmp = `${bundlePath}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, bundlePath);
}

beforeAll(async () => {
  wasm = await compileRego(REGO);
  keys = await makeKeys();
  bundlePath = join(keys.dir, 'bundle.tar.gz');
  await publish('rev-1');
  srv = await startServer(keys, { bundle: { path: bundlePath } });
});
afterAll(async () => srv?.close());

async function waitForRevision(label: string): Promise<void> {
  const rev = revisionOf.get(label);
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${srv.url}/ready`);
    if (res.status === 200 && ((await res.json()) as { revision: string }).revision === rev) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`revision ${label} never became current`);
}

describe('hot reload', () => {
  it('serves every request under reloads, each decision from exactly one revision', async () => {
    await waitForRevision('rev-1');
    const token = await keys.sign(supportClaims());
    // at least this many requests, and requests until the last reload is served
    const total = 400;
    const concurrency = 16;
    let sent = 0;
    let reloadsDone = false;
    const failures: string[] = [];
    const revisions = new Map<string, number>();
    const worker = async () => {
      while (sent < total || !reloadsDone) {
        sent += 1;
        try {
          const res = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/customers/C-771/records/1', token });
          const b = res.body;
          if (res.status !== 200 || b.status !== 200 || b.allow !== true || revisionOf.get(b.reasons[0]) !== b.revision) failures.push(JSON.stringify({ http: res.status, b }));
          else revisions.set(b.revision, (revisions.get(b.revision) ?? 0) + 1);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const reloader = async () => {
      for (let r = 2; r <= 5; r++) {
        while (sent < (total / 5) * (r - 1)) await new Promise((res) => setTimeout(res, 2));
        if (r === 4) {
          writeRaw('this is not a gzip archive');
          while (!srv.logs.text.includes('policy bundle rejected')) await new Promise((res) => setTimeout(res, 5));
        }
        await publish(`rev-${r}`);
        await waitForRevision(`rev-${r}`);
      }
      reloadsDone = true;
    };
    await Promise.all([...Array.from({ length: concurrency }, worker), reloader()]);
    expect(failures).toEqual([]);
    expect([...revisions.values()].reduce((a, b) => a + b, 0)).toBe(sent);
    expect(sent).toBeGreaterThanOrEqual(total);
    expect(revisions.size).toBeGreaterThanOrEqual(3);
    await waitForRevision('rev-5');
    const rejected = srv.logs.lines().find((l) => l['msg'] === 'policy bundle rejected; the previous revision keeps serving');
    expect(rejected).toMatchObject({ level: 50, reason: expect.stringMatching(/leash_bundle_error: not a gzip archive/) });
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toContain(`leash_bundle_revision_info{revision="${revisionOf.get('rev-5')}"} 1`);
    expect(metrics).toMatch(/leash_bundle_reloads_total\{outcome="failed"\} 1/);
    expect(metrics).toContain(`leash_decisions_total{result="allow",rule="r",access="read",via="decide"} ${sent}`);
  });

  it('a policy that returns something other than a decision is a 403 policy_error, fail-closed', async () => {
    const bad = compileWasm([parseModule('package leash\n\ndecision := {"allow": "yes"}\n', 'bad.rego').module!], ['leash/decision']);
    const evaluator = await createWasmEvaluator({ revision: 'bad', wasm: bad.wasm!, data: {} }, hostBuiltins);
    const outcome = evaluator.evaluate({ agent: { id: 'a', session: 's', key: null, claims: {}, task: null }, request: { method: 'GET', path: '/', query: {}, headers: {}, body: null }, upstream: null, now: 0 });
    expect(outcome).toEqual({ ok: false, problem: 'decision.allow is not a boolean' });
  });
});
