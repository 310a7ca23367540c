// The support-agent scenario end to end: the example policies compiled by Leash's own
// pipeline into a real OPA bundle (.tar.gz with policy.wasm), served by a real server with
// the default engine, memory limits and audit observer, asked through all three endpoints.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { compile } from '../../compiler/pipeline.ts';
import { formatDiagnostics } from '../../compiler/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, LogCapture, makeKeys, postJson, supportClaims, type TestKeys } from './helpers.ts';

let keys: TestKeys;
let app: FastifyInstance;
let url: string;
let auditFile: string;
const logs = new LogCapture();
const issued: string[] = [];

beforeAll(async () => {
  const built = await compile(['policies']);
  if (!built.bundle) throw new Error(`the example policies do not build:\n${formatDiagnostics(built.diagnostics)}`);
  keys = await makeKeys();
  const dir = mkdtempSync(join(tmpdir(), 'leash-scenario-'));
  const bundle = join(dir, 'bundle.tar.gz');
  writeFileSync(bundle, built.bundle);
  auditFile = join(dir, 'audit.jsonl');
  const config = loadConfig({
    env: {},
    flags: {
      bundle: { path: bundle },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
      audit: { file: auditFile },
    },
  });
  app = await buildApp(config, { logStream: logs });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}, 180_000);
afterAll(async () => app?.close());

async function supportToken(): Promise<string> {
  const token = await keys.sign(supportClaims());
  issued.push(token);
  return token;
}

interface Outcome {
  readonly status: number;
  readonly reasons: readonly string[];
  readonly headers: Record<string, string>;
}

/** One request through one endpoint, reduced to what every endpoint reports. */
const endpoints: Record<string, (token: string, method: string, path: string) => Promise<Outcome>> = {
  '/decide': async (token, method, path) => {
    const res = await postJson(`${url}/decide`, { method, path, headers: { authorization: `Bearer ${token}` } });
    return { status: res.body.status, reasons: res.body.reasons, headers: res.body.headers };
  },
  '/v1/data (Kong input)': async (token, method, path) => {
    const res = await postJson(`${url}/v1/data/leash/decision`, { input: { request: { http: { method, path, headers: { authorization: `Bearer ${token}` }, querystring: {} } } } });
    return { status: res.body.result.status, reasons: res.body.result.reasons, headers: res.body.result.headers };
  },
  '/authz (forward auth)': async (token, method, path) => {
    const res = await fetch(`${url}/authz`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-method': method, 'x-forwarded-uri': path } });
    const body = (await res.json()) as { reasons: string[] };
    return { status: res.status, reasons: body.reasons, headers: Object.fromEntries(res.headers) };
  },
};

describe.each(Object.entries(endpoints))('support agent on T-4891 for C-771 via %s', (_name, ask) => {
  it('reads any record of customer C-771', async () => {
    const token = await supportToken();
    for (const id of ['42', '1', 'abc']) expect((await ask(token, 'GET', `/customers/C-771/records/${id}`)).status).toBe(200);
  });

  it('is denied customer C-332 with a reason naming the task scope', async () => {
    const out = await ask(await supportToken(), 'GET', '/customers/C-332/records/7');
    expect(out.status).toBe(403);
    expect(out.reasons).toEqual(['task scope is customer C-771, request is for C-332']);
  });

  it('writes ticket T-4891 and its comments, and no other ticket', async () => {
    const token = await supportToken();
    expect((await ask(token, 'PATCH', '/tickets/T-4891')).status).toBe(200);
    expect((await ask(token, 'PUT', '/tickets/T-4891')).status).toBe(200);
    expect((await ask(token, 'POST', '/tickets/T-4891/comments')).status).toBe(200);
    const other = await ask(token, 'PATCH', '/tickets/T-1000');
    expect(other.status).toBe(403);
    expect(other.reasons.join(' ')).toMatch(/T-4891/);
    expect((await ask(token, 'DELETE', '/tickets/T-4891')).status).toBe(403);
  });

  it('allows 5 writes per session, then 429 with Retry-After; a new session starts afresh', async () => {
    const token = await supportToken();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await ask(token, 'POST', '/tickets/T-4891/comments')).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const limited = await ask(token, 'POST', '/tickets/T-4891/comments');
    expect(limited.status).toBe(429);
    const headers = Object.fromEntries(Object.entries(limited.headers).map(([k, v]) => [k.toLowerCase(), v]));
    expect(Number(headers['retry-after'])).toBeGreaterThan(0);
    expect(headers['ratelimit-remaining']).toBe('0');
    expect((await ask(await supportToken(), 'POST', '/tickets/T-4891/comments')).status).toBe(200);
  });
});

describe('the audit trail of the scenario', () => {
  it('has the decisions with the agent identity, and no token anywhere in audit or logs', async () => {
    const isScopeDenial = (e: Record<string, unknown>) => (e['result'] as { reasons?: string[] } | undefined)?.reasons?.[0] === 'task scope is customer C-771, request is for C-332';
    let events: Record<string, unknown>[] = [];
    // The file sink writes in the background; wait (bounded) until the denials are there.
    for (let i = 0; i < 100 && events.filter(isScopeDenial).length < 3; i++) {
      await new Promise((r) => setTimeout(r, 50));
      events = readFileSync(auditFile, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    }
    expect(events.filter(isScopeDenial)).toHaveLength(3);
    const denied = events.find(isScopeDenial);
    expect(denied).toMatchObject({ agent_id: 'support-bot', key_id: 'key-17', access: 'read' });
    const everything = readFileSync(auditFile, 'utf8') + logs.text;
    for (const token of issued) expect(everything).not.toContain(token.split('.')[2]);
  });
});
