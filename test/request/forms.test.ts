// The rest of the canonical form end to end, on a real server with the compiled example
// policies: method case and overrides, repeated and malformed query, the forwarded host, the
// two path fields the policy reads, refusals counting towards quarantine, and each
// configuration option relaxing exactly its own refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../compiler/pipeline.ts';
import { formatDiagnostics } from '../../compiler/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, LogCapture, makeKeys, postJson, startServer, supportClaims, type Running, type TestKeys } from '../server/helpers.ts';

let keys: TestKeys;
let strict: Running;
let relaxed: Running;
let bundlePath: string;

beforeAll(async () => {
  const built = await compile(['policies']);
  if (!built.bundle) throw new Error(`the example policies do not build:\n${formatDiagnostics(built.diagnostics)}`);
  keys = await makeKeys();
  const bundle = join(mkdtempSync(join(tmpdir(), 'leash-forms-')), 'bundle.tar.gz');
  writeFileSync(bundle, built.bundle);
  bundlePath = bundle;
  strict = await startServer(keys, { bundle: { path: bundle } });
  relaxed = await startServer(keys, {
    bundle: { path: bundle },
    request: { allowEmptySegments: true, allowPathParams: true, honourMethodOverride: true, allowRepeatedQuery: true, maxPathBytes: 256 },
  });
}, 180_000);
afterAll(async () => {
  await strict?.close();
  await relaxed?.close();
});

const RECORD = '/customers/C-771/records/1';

async function decide(srv: Running, request: Record<string, unknown>, token?: string) {
  const res = await postJson(`${srv.url}/decide`, { token: token ?? (await keys.sign(supportClaims())), method: 'GET', path: RECORD, ...request });
  expect(res.status).toBe(200);
  const record = srv.observer.records.find((r) => r.answer.decision_id === res.body.decision_id);
  return { ...res.body, record } as { status: number; allow: boolean; code?: string; reasons: string[]; record: (typeof srv.observer.records)[number] | undefined };
}

describe('method', () => {
  it('is compared case-sensitively: get, Get and a non-token are refused, never read as GET', async () => {
    for (const method of ['get', 'Get', 'gEt']) {
      const a = await decide(strict, { method });
      expect([method, a.status, a.code]).toEqual([method, 400, 'non_canonical_method']);
      expect(a.record?.answer.input).toBeUndefined();
    }
    const authz = await fetch(`${strict.url}/authz`, { headers: { authorization: `Bearer ${await keys.sign(supportClaims())}`, 'x-forwarded-method': 'get', 'x-forwarded-uri': RECORD } });
    expect(authz.status).toBe(400);
    expect(((await authz.json()) as any).code).toBe('non_canonical_method');
  });

  it('refuses an override that names another method, from a header, the query or a form field', async () => {
    for (const header of ['X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override']) {
      const a = await decide(strict, { headers: { [header]: 'DELETE' } });
      expect([header, a.status, a.code]).toEqual([header, 400, 'method_override']);
      expect(a.reasons[0]).toContain(header.toLowerCase());
    }
    expect(await decide(strict, { path: `${RECORD}?_method=DELETE` })).toMatchObject({ status: 400, code: 'method_override' });
    expect(await decide(strict, { query: { _method: 'PUT' } })).toMatchObject({ status: 400, code: 'method_override' });
    expect(await decide(strict, { method: 'POST', path: '/tickets/T-4891', body: { _method: 'DELETE' } })).toMatchObject({ status: 400, code: 'method_override' });
    // an override naming the request's own method changes nothing
    expect(await decide(strict, { headers: { 'x-http-method-override': 'GET' } })).toMatchObject({ status: 200, allow: true });
  });

  it('honours the override when configured: the decision is made on the overridden method', async () => {
    const a = await decide(relaxed, { headers: { 'x-http-method-override': 'DELETE' } });
    expect(a.record?.answer.input?.request.method).toBe('DELETE');
    expect(a.allow).toBe(false);
    // two overrides that disagree are refused even then
    expect(await decide(relaxed, { headers: { 'x-http-method-override': 'DELETE', 'x-http-method': 'PUT' } })).toMatchObject({ status: 400, code: 'method_override' });
  });
});

describe('query', () => {
  it('refuses a repeated name, a malformed escape and ; as a separator; passes single names as strings', async () => {
    expect(await decide(strict, { path: `${RECORD}?fields=name&fields=ssn` })).toMatchObject({ status: 400, code: 'ambiguous_query' });
    // repeated across the path's query and the query object is the same ambiguity
    expect(await decide(strict, { path: `${RECORD}?fields=name`, query: { fields: 'ssn' } })).toMatchObject({ status: 400, code: 'ambiguous_query' });
    expect(await decide(strict, { path: `${RECORD}?fields=%zz` })).toMatchObject({ status: 400, code: 'ambiguous_query' });
    expect(await decide(strict, { path: `${RECORD}?fields=name;fields=ssn` })).toMatchObject({ status: 400, code: 'ambiguous_query' });
    const ok = await decide(strict, { path: `${RECORD}?fields=na%6De&page=2` });
    expect(ok.allow).toBe(true);
    expect(ok.record?.answer.input?.request.query).toEqual({ fields: 'name', page: '2' });
  });

  it('audits a refused query with its credentials scrubbed', async () => {
    const a = await decide(strict, { path: `${RECORD}?access_token=sekrit-value-123&x=1&x=2` });
    expect(a.code).toBe('ambiguous_query');
    expect(JSON.stringify(a.record)).not.toContain('sekrit-value-123');
    expect(a.record?.request.path).toContain('x=1');
  });

  it('passes repeated names as lists when configured', async () => {
    const a = await decide(relaxed, { path: `${RECORD}?fields=name&fields=email` });
    expect(a.allow).toBe(true);
    expect(a.record?.answer.input?.request.query).toEqual({ fields: ['name', 'email'] });
  });
});

describe('host', () => {
  it('is normalised from X-Forwarded-Host or Host, null when not forwarded, refused when invalid', async () => {
    const cases: [Record<string, string>, string | null][] = [
      [{ host: 'API.Example.COM.' }, 'api.example.com'],
      [{ host: 'api.example.com:443', 'x-forwarded-proto': 'https' }, 'api.example.com'],
      [{ host: 'api.example.com:80', 'x-forwarded-proto': 'http' }, 'api.example.com'],
      [{ host: 'api.example.com:8443' }, 'api.example.com:8443'],
      [{ host: '[::1]:443', 'x-forwarded-proto': 'https' }, '[::1]'],
      [{ host: 'internal:8080', 'x-forwarded-host': 'Shop.Example' }, 'shop.example'],
      [{}, null],
    ];
    for (const [headers, host] of cases) {
      const a = await decide(strict, { headers });
      expect([headers, a.record?.answer.input?.request.host]).toEqual([headers, host]);
    }
    for (const host of ['exa mple.com', 'a/b', 'example.com:99999', 'user@example.com', '', 'api.\u212Aey.example', 'api.example.com\u00A0']) {
      const a = await decide(strict, { headers: { host } });
      expect([host, a.status, a.code]).toEqual([host, 400, 'invalid_host']);
    }
  });
});

describe('the two path fields', () => {
  it('path is decoded segments, raw_path the path exactly as received (no query)', async () => {
    const a = await decide(strict, { path: '/customers/C%2D771/records/r%C3%A9cord%201?page=2' });
    expect(a.allow).toBe(true);
    expect(a.record?.answer.input?.request).toMatchObject({ path: '/customers/C-771/records/récord 1', raw_path: '/customers/C%2D771/records/r%C3%A9cord%201' });
  });
});

describe('refusals and quarantine', () => {
  it('are audited once with the raw path and count as scope violations: three refusals quarantine the session', async () => {
    // the real audit observer and in-memory quarantine (startServer's recorder has neither)
    const auditFile = join(mkdtempSync(join(tmpdir(), 'leash-forms-audit-')), 'audit.jsonl');
    const config = loadConfig({ env: {}, flags: { bundle: { path: bundlePath }, identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] }, audit: { file: auditFile }, alerts: { quarantineAfter: 3 } } });
    const app = await buildApp(config, { logStream: new LogCapture() });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const address = app.server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
      const token = await keys.sign(supportClaims());
      const ask = async (path: string) => (await postJson(`${url}/decide`, { token, method: 'GET', path })).body;
      const hostile = ['/customers/C-771/records/..%2fC-332?access_token=sekrit-value-123', '/customers/C-771/records/%2e%2e', '/customers/C-771/records/1%00'];
      for (const path of hostile) expect(await ask(path)).toMatchObject({ status: 400, code: 'non_canonical_path' });
      expect(await ask(RECORD)).toMatchObject({ status: 403, code: 'quarantined' });
      await app.close(); // flushes the audit sink
      const text = readFileSync(auditFile, 'utf8');
      expect(text).not.toContain('sekrit-value-123');
      const events = text.trim().split('\n').map((l) => JSON.parse(l));
      const refused = events.filter((e) => JSON.stringify(e).includes('non_canonical_path'));
      expect(refused).toHaveLength(3);
      expect(JSON.stringify(refused[1])).toContain('/customers/C-771/records/%2e%2e');
    } finally {
      await app.close();
    }
  });

  it('a bad token with a bad path is refused for the token, never evaluated', async () => {
    const a = await decide(strict, { path: '/customers/C-771/records/..%2fC-332' }, 'not-a-jwt');
    expect(a).toMatchObject({ status: 401, code: 'bad_token' });
    expect(a.record?.answer.input).toBeUndefined();
  });
});

describe('configuration relaxes exactly its own refusal', () => {
  it('// and ; params pass when configured, dot segments and encoded slashes never do', async () => {
    expect((await decide(relaxed, { path: '/customers/C-771//records/1' })).status).not.toBe(400);
    expect((await decide(relaxed, { path: '/customers/C-771/records/1;v=2' })).status).not.toBe(400);
    for (const path of ['/customers/C-771/records/%2e%2e', '/customers/C-771/records/..%2fC-332', '/customers/C-771/records/%252e', '/customers/C-771/records/..;x/C-332/records/1']) {
      expect(await decide(relaxed, { path })).toMatchObject({ status: 400, code: 'non_canonical_path' });
    }
  });

  it('refuses a path over maxPathBytes', async () => {
    expect(await decide(relaxed, { path: `/customers/C-771/records/${'1'.repeat(300)}` })).toMatchObject({ status: 400, code: 'non_canonical_path' });
    expect((await decide(strict, { path: `/customers/C-771/records/${'1'.repeat(300)}` })).status).not.toBe(400);
  });
});
