// The decision-log events a real Leash server ships, as the collector receives them: OPA's
// upload contract (POST {url}/logs/{partition}, gzip'd JSON array, Content-Encoding: gzip,
// Content-Type: application/json, the bearer credential), OPA's event fields plus Leash's
// under `leash`, masking by JSON pointer listed in `erased`, no credential in any event
// or log line; and the mask itself (copy on write, OPA's erase rules).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMask, parseMask } from '../../server/decision-logs/index.ts';
import { buildBundleFile, makeKeys, postJson, supportClaims, type TestKeys } from '../server/helpers.ts';
import { metricsText, startCollector, startLeash, tempDir, until, type Collector, type LeashUnderTest } from './helpers.ts';

const COLLECTOR_SECRET = 'dl-collector-secret-7f3a9c1e5b2d4680';

let keys: TestKeys;
let bundle: string;
let collector: Collector;
let leash: LeashUnderTest;

beforeAll(async () => {
  [keys, { path: bundle }] = await Promise.all([makeKeys(), buildBundleFile(['policies'])]);
  collector = await startCollector('up');
  const dir = tempDir('format');
  const tokenFile = join(dir, 'collector-token');
  writeFileSync(tokenFile, `${COLLECTOR_SECRET}\n`, { mode: 0o600 });
  leash = await startLeash(keys, bundle, dir, {
    url: collector.url,
    partitionName: 'leash-test',
    tokenFile,
    mask: ['/input/request/body/card', '/input/request/headers/x-customer-email', '/input/agent/claims/email', '/input/request/query/not-there', '/result/nothing/here'],
  });
}, 180_000);

afterAll(async () => {
  await leash?.close();
  await collector?.close();
});

describe('decision-log format', () => {
  it('ships one OPA-format event per decision, gzip\'d with the bearer credential, masked, with no credential anywhere', async () => {
    const token = await keys.sign(supportClaims({ email: 'agent-7@example.com' }));
    const answers: Record<string, any>[] = [];
    const ask = async (req: Record<string, unknown>) => {
      const res = await postJson(`${leash.url}/decide`, req);
      expect(res.status).toBe(200);
      answers.push(res.body);
    };
    await ask({ method: 'GET', path: '/customers/C-771/records/42', headers: { authorization: `Bearer ${token}`, 'x-customer-email': 'c771@example.com' } });
    await ask({ method: 'GET', path: '/customers/C-332/records/7', token });
    await ask({ method: 'POST', path: '/tickets/T-4891/comments', headers: { 'content-type': 'application/json' }, body: { text: 'refund issued', card: '4111111111111111' }, token });
    await ask({ method: 'GET', path: '/customers/C-771/records/1', token: `${token.slice(0, -4)}AAAA`, body: { card: '4000000000000002' } });
    await collector.waitForEvents(answers.length);

    // the upload contract
    expect(collector.attempts.length).toBeGreaterThan(0);
    for (const post of collector.attempts) {
      expect(post.path).toBe('/logs/leash-test');
      expect(post.headers['content-encoding']).toBe('gzip');
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.headers['authorization']).toBe(`Bearer ${COLLECTOR_SECRET}`);
      expect([...post.body.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
      expect(post.body.length).toBeLessThanOrEqual(32_768);
    }

    // one event per decision, in OPA's shape
    const events = collector.stored;
    expect(events.map((e) => e['decision_id']).sort()).toEqual(answers.map((a) => a['decision_id']).sort());
    const byId = new Map(events.map((e) => [e['decision_id'] as string, e]));
    const [allowed, denied, write, badToken] = answers.map((a) => byId.get(a['decision_id'])!);
    for (const e of events) {
      expect(e['labels']).toMatchObject({ app: 'leash', version: '0.1.0', id: expect.stringMatching(/:\d+$/) });
      expect(e['path']).toBe('leash/decision');
      expect(e['timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      expect(e['requested_by']).toBe('');
      expect(typeof e['metrics']['timer_server_handler_ns']).toBe('number');
      expect(e['masked']).toBeUndefined();
    }
    expect(allowed!['bundles']).toEqual({ leash: { revision: answers[0]!['revision'] } });
    expect(allowed!['result']).toMatchObject({ allow: true, status: 200, class: null });
    expect(allowed!['leash']).toMatchObject({ agent: 'support-bot', key: 'key-17', task: { ticketId: 'T-4891', customerId: 'C-771' }, rule: 'customerRecords.read', access: 'read', priority: 'normal', class: null, via: 'decide' });
    expect(allowed!['leash']['session']).toMatch(/^s-/);
    expect(allowed!['leash']['limits'][0]).toMatchObject({ limit: 50, remaining: 49 });
    expect(allowed!['input']['request']).toMatchObject({ method: 'GET', path: '/customers/C-771/records/42' });
    expect(allowed!['input']['request']['headers']).not.toHaveProperty('x-customer-email');
    expect(allowed!['input']['agent']['claims']).not.toHaveProperty('email');
    expect(allowed!['input']['agent']['claims']).toMatchObject({ sub: 'support-bot', role: 'support' });
    expect(allowed!['erased']).toEqual(['/input/request/headers/x-customer-email', '/input/agent/claims/email']);
    expect(denied!['result']).toMatchObject({ allow: false, status: 403, class: 'scope', reasons: ['task scope is customer C-771, request is for C-332'] });
    expect(denied!['leash']).toMatchObject({ class: 'scope', access: 'read' });
    expect(write!['input']['request']['body']).toEqual({ text: 'refund issued' });
    expect(write!['erased']).toEqual(['/input/request/body/card', '/input/agent/claims/email']);
    expect(write!['leash']).toMatchObject({ access: 'write', priority: 'high', rule: 'ticketComments.write' });
    expect(badToken!['result']).toMatchObject({ allow: false, status: 401, code: 'bad_token', reason_code: 'bad_signature' });
    expect(badToken!['leash']).toMatchObject({ agent: null, session: null, class: 'identity' });
    expect(badToken!['input']['request']['body']).toEqual({});
    expect(badToken!['erased']).toEqual(['/input/request/body/card']);

    // no credential reaches an event or the server's log
    const shipped = JSON.stringify(events);
    expect(shipped).not.toContain(token.split('.')[2]!);
    expect(shipped).not.toContain(token.slice(0, 40));
    expect(shipped).not.toContain(COLLECTOR_SECRET);
    expect(shipped).not.toContain('4111111111111111');
    expect(shipped).not.toContain('agent-7@example.com');
    expect(leash.logs.text).not.toContain(COLLECTOR_SECRET);
    expect(leash.logs.text).not.toContain(token.split('.')[2]!);

    await until(async () => /leash_decision_logs_events_total\{outcome="uploaded"\} 4\b/.test(await metricsText(leash.url)), 'the uploaded counter');
    const metrics = await metricsText(leash.url);
    expect(metrics).toMatch(/leash_decision_logs_dropped_total\{reason="buffer_full"\} 0\b/);
    expect(metrics).toMatch(/leash_decision_logs_buffered_events 0\b/);
  });
});

describe('mask', () => {
  it('erases by RFC 6901 pointer, copying the path instead of changing the event, and lists only what was there', () => {
    const shared = { keep: 1, 'a/b': 2, list: [{ secret: 's', ok: true }], deep: { x: { y: 1 } } };
    const event: { input?: unknown; result?: unknown; erased?: string[] } = { input: { request: shared }, result: { allow: true } };
    const rules = parseMask(['/input/request/a~1b', '/input/request/list/0/secret', '/input/request/missing', '/input/request/list/7/secret', '/input/request/keep/deeper', '/result/allow']);
    applyMask(event, rules);
    expect(event.input).toEqual({ request: { keep: 1, list: [{ ok: true }], deep: { x: { y: 1 } } } });
    expect(event.result).toEqual({});
    expect(event.erased).toEqual(['/input/request/a~1b', '/input/request/list/0/secret', '/result/allow']);
    // the original objects are untouched, unchanged branches are shared
    expect(shared).toEqual({ keep: 1, 'a/b': 2, list: [{ secret: 's', ok: true }], deep: { x: { y: 1 } } });
    expect((event.input as { request: typeof shared }).request.deep).toBe(shared.deep);

    const whole: { input?: unknown; erased?: string[] } = { input: { a: 1 } };
    applyMask(whole, parseMask(['/input']));
    expect(whole).toEqual({ erased: ['/input'] });
    expect(() => parseMask(['/data/x'])).toThrow(/under \/input or \/result/);
  });
});
