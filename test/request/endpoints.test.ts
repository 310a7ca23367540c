// Every hostile spelling (test/request/hostile-paths.ts, 400+ generated) against every entry
// point of one real server with the compiled example policies: /decide, /authz with
// X-Forwarded-Uri, X-Original-URI and Envoy's /authz/<path>, the data API in Kong and Envoy
// shapes, and the credential proxy. Each is refused with the exact status and code, audited
// once with the raw path, and never reaches the policy (the record carries no policy input).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../compiler/pipeline.ts';
import { formatDiagnostics } from '../../compiler/index.ts';
import { makeKeys, postJson, startServer, supportClaims, type Running, type TestKeys } from '../server/helpers.ts';
import * as proxy from '../proxy/helpers.ts';
import { rawRequest } from '../proxy/client.ts';
import { hostilePaths, sendableRaw } from './hostile-paths.ts';

let keys: TestKeys;
let srv: Running;
let proxyKeys: proxy.Keys;
let proxySrv: proxy.ProxyServer;
let fake: proxy.FakeUpstream;

beforeAll(async () => {
  const built = await compile(['policies']);
  if (!built.bundle) throw new Error(`the example policies do not build:\n${formatDiagnostics(built.diagnostics)}`);
  keys = await makeKeys();
  const bundle = join(mkdtempSync(join(tmpdir(), 'leash-hostile-')), 'bundle.tar.gz');
  writeFileSync(bundle, built.bundle);
  srv = await startServer(keys, { bundle: { path: bundle } });
  proxyKeys = await proxy.makeKeys();
  fake = await proxy.startFakeUpstream();
  proxySrv = await proxy.startProxyServer(proxyKeys, { upstreamUrl: fake.url });
}, 180_000);
afterAll(async () => {
  await srv?.close();
  await proxySrv?.close();
  await fake?.close();
});

const HOSTILE = hostilePaths();
// a fresh session per request: refusals count towards quarantine, which answers first
const token = () => keys.sign(supportClaims());

interface Seen {
  readonly status: number;
  readonly code: string | undefined;
  readonly decisionId: string | undefined;
}

type Entry = (path: string) => Promise<Seen>;

const ENTRIES: Record<string, { readonly send: Entry; readonly accepts: (path: string) => boolean }> = {
  '/decide': {
    accepts: () => true,
    send: async (path) => {
      const res = await postJson(`${srv.url}/decide`, { token: await token(), method: 'GET', path });
      // a decision carries the gateway's status; a field error is the HTTP status itself
      return { status: res.body.status ?? res.status, code: res.body.code, decisionId: res.body.decision_id };
    },
  },
  '/authz X-Forwarded-Uri': {
    accepts: sendableRaw,
    send: async (path) => {
      const res = await rawRequest(srv.url, '/authz', { headers: { authorization: `Bearer ${await token()}`, 'x-forwarded-method': 'GET', 'x-forwarded-uri': path } });
      return { status: res.status, code: res.json().code, decisionId: header(res.headers['x-leash-decision-id']) };
    },
  },
  '/authz X-Original-URI': {
    accepts: sendableRaw,
    send: async (path) => {
      const res = await rawRequest(srv.url, '/authz', { headers: { authorization: `Bearer ${await token()}`, 'x-original-method': 'GET', 'x-original-uri': path } });
      return { status: res.status, code: res.json().code, decisionId: header(res.headers['x-leash-decision-id']) };
    },
  },
  '/authz/<path> (Envoy path prefix)': {
    accepts: (p) => sendableRaw(p) && p.startsWith('/'),
    send: async (path) => {
      const res = await rawRequest(srv.url, `/authz${path}`, { headers: { authorization: `Bearer ${await token()}` } });
      return { status: res.status, code: res.json().code, decisionId: header(res.headers['x-leash-decision-id']) };
    },
  },
  '/v1/data Kong input': {
    accepts: () => true,
    send: async (path) => {
      const res = await postJson(`${srv.url}/v1/data/leash/decision`, { input: { request: { http: { method: 'GET', path, headers: { authorization: `Bearer ${await token()}` } } } } });
      return { status: res.body.result.status, code: res.body.result.code, decisionId: res.body.decision_id };
    },
  },
  '/v1/data Envoy input': {
    accepts: () => true,
    send: async (path) => {
      const res = await postJson(`${srv.url}/v1/data/leash/decision`, { input: { attributes: { request: { http: { method: 'GET', path, headers: { authorization: `Bearer ${await token()}` } } } } } });
      return { status: res.body.result.http_status, code: res.body.result.code, decisionId: res.body.decision_id };
    },
  },
};

const RAW_TARGET = new Set(['/authz/<path> (Envoy path prefix)']);

/** A path that is not a path is a field error where the entry point reads it as a field; an
 * escape the router cannot decode in the request line itself is refused by the router (same
 * code, no decision: nothing read the token yet). */
function expectedRefusal(entry: string, path: string, cls: string): { code: string; audited: boolean } {
  if (cls === 'not a path' && (entry === '/decide' || entry.startsWith('/authz X-'))) return { code: 'invalid_request', audited: false };
  if (RAW_TARGET.has(entry) && !routerDecodes(path)) return { code: 'non_canonical_path', audited: false };
  return { code: 'non_canonical_path', audited: true };
}

/** What find-my-way can decode: every escape well-formed and the whole path valid UTF-8. */
function routerDecodes(path: string): boolean {
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

describe('hostile paths on every decision entry point', () => {
  it('the generated table is large and covers every class', () => {
    expect(HOSTILE.length).toBeGreaterThanOrEqual(200);
    expect(new Set(HOSTILE.map((h) => h.cls)).size).toBeGreaterThanOrEqual(10);
  });

  for (const [name, entry] of Object.entries(ENTRIES)) {
    it(`${name}: each is 400 non_canonical_path, audited once with the raw path, never evaluated`, async () => {
      const cases = HOSTILE.filter((h) => entry.accepts(h.path));
      expect(cases.length).toBeGreaterThanOrEqual(200);
      const wrong: string[] = [];
      for (const { path, cls } of cases) {
        const seen = await entry.send(path);
        const expected = expectedRefusal(name, path, cls);
        if (seen.status !== 400 || seen.code !== expected.code) {
          wrong.push(`${path} (${cls}): ${seen.status} ${seen.code}`);
          continue;
        }
        if (!expected.audited) continue;
        const records = srv.observer.records.filter((r) => r.answer.decision_id === seen.decisionId);
        if (records.length !== 1) wrong.push(`${path}: ${records.length} audit records`);
        const record = records[0];
        // the policy never saw it: no input was built and no rule answered
        if (record && (record.answer.input !== undefined || record.answer.rule !== null || !record.answer.agent)) wrong.push(`${path}: reached the policy or lost the session`);
        if (record && name !== '/authz/<path> (Envoy path prefix)' && record.request.path !== path) wrong.push(`${path}: audited as ${record.request.path}`);
      }
      expect(wrong).toEqual([]);
    }, 60_000);
  }

  it('the same record spelt plainly is allowed on every entry point (the refusals are about the spelling)', async () => {
    for (const [name, entry] of Object.entries(ENTRIES)) {
      const seen = await entry.send('/customers/C-771/records/1');
      expect([name, seen.status]).toEqual([name, 200]);
    }
  });
});

describe('hostile paths through the credential proxy', () => {
  it('each is 400 unsafe_path (the proxy\'s code, from the same module), and nothing reaches the upstream', async () => {
    const agent = await proxyKeys.sign(proxy.billingClaims('hostile-proxy', 'ch_1', 100));
    const cases = HOSTILE.filter((h) => sendableRaw(h.path) && h.path.startsWith('/') && !h.path.startsWith('//'));
    expect(cases.length).toBeGreaterThanOrEqual(200);
    const before = fake.received.length;
    const wrong: string[] = [];
    for (const { path, cls } of cases) {
      const res = await rawRequest(proxySrv.url, `/proxy/lab${path}`, { headers: { authorization: `Bearer ${agent}` } });
      const body = res.json();
      // the router refuses what it cannot decode before the proxy reads the target
      const code = routerDecodes(path) ? 'unsafe_path' : 'non_canonical_path';
      if (res.status !== 400 || body.code !== code) wrong.push(`${path} (${cls}): ${res.status} ${body.code}`);
    }
    expect(wrong).toEqual([]);
    expect(fake.received.length).toBe(before);
  }, 60_000);
});
