// Remote bundles against a small bundle service on loopback (node:http): the first download
// with a bearer token, If-None-Match with the last ETag and 304, a new revision picked up,
// garbage, a service that does not answer in time, and a tampered signed bundle all keep
// the old revision (with the reason in the log and /metrics); a restart with the service
// down serves the persisted copy; the poller polls on its own and backs off after errors.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { archiveFiles, packBundleFiles, parseSigningKey, readBundle, signBundle, writeBundle } from '../../compiler/bundle/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { pollDelayMs } from '../../server/engine/remote.ts';
import { AUDIENCE, ISSUER, LogCapture, compileRego, makeKeys, postJson, supportClaims, type TestKeys } from './helpers.ts';

const REGO = `package leash

decision := {"allow": true, "access": "read", "rule": "r", "reasons": [data.rev], "limits": [], "priority": "normal"}
`;
const TOKEN = 'bundle-service-token-3f9c2a7d1e';

let keys: TestKeys;
let wasm: Uint8Array;
let dir: string;
let signingPem: Buffer;
let publicPath: string;

/** the bundle service: what it serves, how, and what it was asked */
const service = {
  body: Buffer.alloc(0) as Buffer,
  etag: '',
  mode: 'ok' as 'ok' | 'garbage' | 'hang' | 'down',
  requests: [] as IncomingHttpHeaders[],
};
let server: Server;
let serviceUrl: string;

async function bundle(rev: string): Promise<Uint8Array> {
  return writeBundle({ modules: [{ path: 'leash/fixture.rego', source: REGO }], data: { rev }, roots: ['leash', 'rev'], wasm });
}
async function signed(rev: string): Promise<Buffer> {
  return Buffer.from(await signBundle(await bundle(rev), { key: parseSigningKey(signingPem, 'EdDSA', 'svc', 'test') }));
}
async function serve(rev: string, etag: string): Promise<string> {
  service.body = await signed(rev);
  service.etag = etag;
  service.mode = 'ok';
  return (await readBundle(service.body)).manifest!.revision;
}

/** Where the last good bundle of the service is kept: a folder per service URL. */
const saved = (persistDir: string, file: string): string => join(persistDir, createHash('sha256').update(serviceUrl).digest('hex').slice(0, 16), file);

function config(persistDir: string, extra: Record<string, unknown> = {}) {
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  return loadConfig({
    env: {},
    flags: {
      server: { port: 0, logLevel: 'info' },
      bundle: { url: serviceUrl, tokenFile: join(dir, 'token'), minDelaySeconds: 3600, maxDelaySeconds: 3600, timeoutSeconds: 1, persistDir, verificationKey: publicPath, verificationKeyId: 'svc', signingAlg: 'EdDSA', ...extra },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
      audit: { file: '' },
    },
  });
}

async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const a = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${a.port}`;
}

async function answer(url: string): Promise<{ reason: string; revision: string }> {
  const res = await postJson(`${url}/decide`, { method: 'GET', path: '/customers/C-771/records/1', token: await keys.sign(supportClaims()) });
  return { reason: res.body.reasons?.[0], revision: res.body.revision };
}

beforeAll(async () => {
  keys = await makeKeys();
  wasm = await compileRego(REGO);
  dir = mkdtempSync(join(tmpdir(), 'leash-remote-'));
  const pair = generateKeyPairSync('ed25519');
  signingPem = Buffer.from(pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  publicPath = join(dir, 'verify.pem');
  writeFileSync(publicPath, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  server = createServer((req, res) => {
    service.requests.push(req.headers);
    if (service.mode === 'down') return void res.destroy();
    if (service.mode === 'hang') return; // never answers; the client's timeout ends it
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.statusCode = 401;
      return void res.end();
    }
    if (service.mode === 'garbage') {
      res.setHeader('etag', '"garbage"');
      return void res.end('this is not a bundle');
    }
    if (req.headers['if-none-match'] === service.etag) {
      res.statusCode = 304;
      return void res.end();
    }
    res.setHeader('etag', service.etag);
    res.setHeader('content-type', 'application/gzip');
    res.end(service.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serviceUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/leash.tar.gz`;
}, 60_000);
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
});

describe('a remote bundle service', () => {
  let app: FastifyInstance;
  let url: string;
  let logs: LogCapture;
  let persistDir: string;
  const revisions: Record<string, string> = {};

  beforeAll(async () => {
    persistDir = join(dir, 'persist');
    revisions['r1'] = await serve('r1', '"e1"');
    logs = new LogCapture();
    app = await buildApp(config(persistDir), { logStream: logs });
    url = await listen(app);
  });
  afterAll(async () => app?.close());

  it('downloads at start with the bearer token, serves it and persists it with its ETag', async () => {
    expect(await answer(url)).toEqual({ reason: 'r1', revision: revisions['r1'] });
    expect(service.requests[0]!.authorization).toBe(`Bearer ${TOKEN}`);
    expect(service.requests[0]!['if-none-match']).toBeUndefined();
    expect(readFileSync(saved(persistDir, 'bundle.etag'), 'utf8')).toBe('"e1"');
    expect(readFileSync(saved(persistDir, 'bundle.tar.gz')).equals(service.body)).toBe(true);
  });

  it('sends If-None-Match and keeps the revision on 304', async () => {
    const n = service.requests.length;
    expect(await app.leash.engine.reload()).toEqual({ kind: 'unchanged', revision: revisions['r1'] });
    expect(service.requests[n]!['if-none-match']).toBe('"e1"');
  });

  it('picks up a new revision', async () => {
    revisions['r2'] = await serve('r2', '"e2"');
    expect(await app.leash.engine.reload()).toEqual({ kind: 'loaded', revision: revisions['r2'], previous: revisions['r1'] });
    expect(await answer(url)).toEqual({ reason: 'r2', revision: revisions['r2'] });
    expect(readFileSync(saved(persistDir, 'bundle.etag'), 'utf8')).toBe('"e2"');
  });

  it('keeps the old revision when the service serves garbage, says why, and does not take its ETag', async () => {
    service.mode = 'garbage';
    const outcome = await app.leash.engine.reload();
    expect(outcome).toMatchObject({ kind: 'failed', serving: revisions['r2'] });
    expect(outcome.kind === 'failed' && outcome.reason).toMatch(/not a gzip archive/);
    expect(await answer(url)).toEqual({ reason: 'r2', revision: revisions['r2'] });
    const n = service.requests.length;
    await app.leash.engine.reload();
    expect(service.requests[n]!['if-none-match']).toBe('"e2"');
    expect(logs.lines().some((l) => l['msg'] === 'policy bundle rejected; the previous revision keeps serving' && /not a gzip archive/.test(String(l['reason'])))).toBe(true);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/leash_bundle_reloads_total\{outcome="failed"\} 2/);
  });

  it('keeps the old revision when the service does not answer in time', async () => {
    service.mode = 'hang';
    const t = Date.now();
    const outcome = await app.leash.engine.reload();
    expect(Date.now() - t).toBeLessThan(5_000);
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^GET http:\/\/127\.0\.0\.1:\d+\/bundles\/leash\.tar\.gz failed: timed out after 1000 ms$/), serving: revisions['r2'] });
    expect(await answer(url)).toEqual({ reason: 'r2', revision: revisions['r2'] });
  });

  it('refuses a tampered signed bundle and keeps the old one', async () => {
    await serve('r3', '"e3"');
    const files = await archiveFiles(service.body);
    service.body = Buffer.from(await packBundleFiles(files.map((f) => (f.path === '/data.json' ? { ...f, bytes: Buffer.from('{"rev":"evil"}') } : f))));
    const outcome = await app.leash.engine.reload();
    expect(outcome).toMatchObject({ kind: 'failed', reason: expect.stringMatching(/^bundle signature rejected: data\.json: digest mismatch/), serving: revisions['r2'] });
    expect(await answer(url)).toEqual({ reason: 'r2', revision: revisions['r2'] });
    // the refused bundle was not persisted
    expect(readFileSync(saved(persistDir, 'bundle.etag'), 'utf8')).toBe('"e2"');
  });

  it('after a restart with the service down, serves the persisted bundle', async () => {
    await app.close();
    service.mode = 'down';
    const restartLogs = new LogCapture();
    app = await buildApp(config(persistDir), { logStream: restartLogs });
    url = await listen(app);
    expect(app.leash.engine.firstLoad).toEqual({ kind: 'loaded', revision: revisions['r2'], previous: null });
    expect(await answer(url)).toEqual({ reason: 'r2', revision: revisions['r2'] });
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    expect(restartLogs.text).toContain('persisted copy of the remote bundle loaded');
    expect(restartLogs.text).toContain('policy bundle rejected');
    // the service comes back with the same ETag: 304, and the persisted revision keeps serving
    await serve('r2', '"e2"');
    expect(await app.leash.engine.reload()).toEqual({ kind: 'unchanged', revision: revisions['r2'] });
  });

  it('never writes the bearer token to the log', () => {
    expect(logs.text).not.toContain(TOKEN);
  });
});

describe('polling', () => {
  it('polls on its own after the delay, and backs off after failures', async () => {
    await serve('p1', '"p1"');
    const app = await buildApp(config(join(dir, 'persist-poll'), { minDelaySeconds: 1, maxDelaySeconds: 1 }), { logStream: new LogCapture() });
    try {
      const n = service.requests.length;
      await new Promise((r) => setTimeout(r, 2_400));
      // two polls after the first download, each answered 304
      expect(service.requests.length - n).toBeGreaterThanOrEqual(2);
      expect(service.requests.slice(n).every((h) => h['if-none-match'] === '"p1"')).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('the delay: uniform in [min, max]; after failures 1 s doubling, jittered, capped', () => {
    const o = { minDelayMs: 10_000, maxDelayMs: 20_000, maxBackoffMs: 60_000 };
    expect(pollDelayMs(0, o, () => 0)).toBe(10_000);
    expect(pollDelayMs(0, o, () => 1)).toBe(20_000);
    expect(pollDelayMs(1, o, () => 1)).toBe(1_000);
    expect(pollDelayMs(3, o, () => 1)).toBe(4_000);
    expect(pollDelayMs(3, o, () => 0)).toBe(2_000);
    expect(pollDelayMs(20, o, () => 1)).toBe(60_000);
    expect(pollDelayMs(1000, o, () => 1)).toBe(60_000);
  });

  it('a missing token file stops the start in one line', async () => {
    await expect(buildApp(config(join(dir, 'p3'), { tokenFile: join(dir, 'nope') }))).rejects.toThrow(`bundle.tokenFile ${join(dir, 'nope')}: cannot be read (ENOENT)`);
    expect(existsSync(join(dir, 'p3'))).toBe(false);
  });
});
