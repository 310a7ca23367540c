// `leash eval`: one decision without a server, from flags, a request file or a full policy
// input, through the compiled wasm and cross-checked with the plain-JS reference; the
// server's own refusals and body checks apply; bad input exits 2 with a message.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { runEval, type EvalOptions } from '../../cli/commands/eval.ts';
import { buildBundleFile } from '../server/helpers.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SUPPORT = JSON.stringify({ sub: 'support-bot', sid: 's-1', role: 'support', client_id: 'key-17', task: { ticketId: 'T-4891', customerId: 'C-771' } });
const REFUNDS = JSON.stringify({ sub: 'refund-bot', role: 'refunds', client_id: 'key-5', task: { customerId: 'C-771' } });

async function run(paths: string[], opts: EvalOptions) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runEval(paths, opts, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, answer: out.length > 0 ? JSON.parse(out.join('\n')) : undefined, err: err.join('\n') };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'leash-eval-'));
});

describe('leash eval', () => {
  it('decides from flags like /decide, and the JS reference agrees', async () => {
    const ok = await run([], { claims: SUPPORT, method: 'GET', path: '/customers/C-771/records/42', explain: true });
    expect(ok.code).toBe(0);
    expect(ok.answer).toMatchObject({ allow: true, status: 200, rule: 'customerRecords.read', class: null, resources: ['support-agent/customerRecords'] });
    expect(ok.answer.limits[0]).toMatchObject({ id: 'support-agent.read/session', key: 's-1', max: 50 });
    expect(ok.err).toContain('engines: the plain-JS reference gives the same decision');
    expect(ok.err).toContain('matched resource: support-agent/customerRecords /customers/:customerId/records/:recordId (reads params)');
    const no = await run([], { claims: SUPPORT, method: 'GET', path: '/customers/C-332/records/7' });
    expect(no.answer).toMatchObject({ allow: false, status: 403, class: 'scope', reasons: ['task scope is customer C-771, request is for C-332'] });
  }, 60_000);

  it('refuses a non-canonical spelling before the policy, as the server does', async () => {
    const r = await run([], { claims: SUPPORT, method: 'GET', path: '/customers/C-771/records/..%2f..%2fC-332%2frecords%2f1' });
    expect(r).toMatchObject({ code: 0, answer: { allow: false, status: 400, code: 'non_canonical_path', class: 'scope' } });
  });

  it('names the missing field of an undecided deny and denies a body-reading resource without a body', async () => {
    const paths = ['policies', 'test/fixtures/refunds'];
    const empty = await run(paths, { claims: REFUNDS, method: 'POST', path: '/customers/C-771/refunds', body: '{}' });
    expect(empty.answer).toMatchObject({ allow: false, class: 'input', rule: 'refunds.tooLarge' });
    expect(empty.answer.reasons).toContain('missing for rule refunds.tooLarge: body.amount');
    const none = await run(paths, { claims: REFUNDS, method: 'POST', path: '/customers/C-771/refunds' });
    expect(none.answer).toMatchObject({ allow: false, status: 403, code: 'body_unavailable', class: 'input' });
    const big = await run(paths, { claims: REFUNDS, method: 'POST', path: '/customers/C-771/refunds', body: '{"amount": 9000000}' });
    expect(big.answer).toMatchObject({ allow: false, class: 'business', reasons: ['refunds over 500.00 need a human'] });
  }, 60_000);

  it('takes a request file or a full policy input, and a built bundle', async () => {
    const req = path.join(dir, 'req.json');
    writeFileSync(req, JSON.stringify({ claims: JSON.parse(SUPPORT), method: 'PATCH', path: '/tickets/T-4891' }));
    expect((await run([], { input: req })).answer).toMatchObject({ allow: true, access: 'write', priority: 'high', rule: 'ticket.write' });
    const full = path.join(dir, 'input.json');
    writeFileSync(full, JSON.stringify({
      agent: { id: 'a', session: 's', key: 'k', claims: JSON.parse(SUPPORT), task: JSON.parse(SUPPORT).task },
      request: { method: 'PATCH', path: '/tickets/T-1', raw_path: '/tickets/T-1', host: null, query: {}, headers: {}, body: null },
      upstream: null, now: 0,
    }));
    const bundle = (await buildBundleFile()).path;
    const fromBundle = await run([], { input: full, bundle, explain: true });
    expect(fromBundle.answer).toMatchObject({ allow: false, rule: 'ticket.write', class: 'scope' });
    expect(fromBundle.err).toContain('engines: not checked (--bundle: no policy sources)');
  }, 60_000);

  it('says what is wrong and exits 2 on bad input', async () => {
    expect(await run([], { method: 'GET', path: '/x' })).toMatchObject({ code: 2, err: expect.stringContaining('give the token claims') });
    expect(await run([], { claims: '{not json', method: 'GET', path: '/x' })).toMatchObject({ code: 2, err: 'leash eval: --claims is not valid JSON' });
    expect(await run([], { claims: SUPPORT })).toMatchObject({ code: 2, err: expect.stringContaining('give the request') });
    expect(await run([], { input: path.join(dir, 'absent.json') })).toMatchObject({ code: 2, err: expect.stringContaining('no such file') });
    expect(await run(['test/fixtures/dsl/claim-typo.policy.ts'], { claims: SUPPORT, method: 'GET', path: '/x' })).toMatchObject({ code: 2, err: expect.stringMatching(/claim-typo\.policy\.ts:\d+:\d+: /) });
  }, 60_000);

  it('works as the real command', () => {
    const r = spawnSync(process.execPath, ['bin/leash.mjs', 'eval', '--claims', SUPPORT, '--method', 'GET', '--path', '/customers/C-771/records/42'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ allow: true, status: 200 });
  }, 60_000);
});
