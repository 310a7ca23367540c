// The policy engine's sources and failure modes with real bundles: polling a bundle URL with
// ETag (a 304 keeps the revision, a new ETag swaps it), a JWKS served over HTTP, a policy
// that returns a malformed decision (403 policy_error, logged), and a bundle without
// policy.wasm refused at start with a message that names it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeBundle } from '../../compiler/bundle/index.ts';
import { createEngine, type ReloadOutcome } from '../../server/engine/index.ts';
import { loadBundleFile } from '../../server/engine/bundle-loader.ts';
import { loadConfig } from '../../server/config/index.ts';
import { startServer as startLeash, StartError } from '../../server/server.ts';
import { AUDIENCE, ISSUER, compileRego, makeKeys, postJson, startServer, supportClaims, writeRegoBundle, type TestKeys } from './helpers.ts';

const ALLOW = `package leash

decision := {"allow": true, "access": "read", "rule": "all", "reasons": [data.label], "limits": [{"id": "all/session", "scope": "session", "key": input.agent.session, "max": 1000, "window": "session", "cost": 1}], "priority": "normal"}
`;

let keys: TestKeys;
let wasm: Uint8Array;
let http: Server;
let base: string;
const served = { bundle: new Uint8Array() as Uint8Array, etag: '"v1"', requests: [] as { url: string; ifNoneMatch: string | undefined }[] };

beforeAll(async () => {
  keys = await makeKeys();
  wasm = await compileRego(ALLOW);
  served.bundle = await writeBundle({ modules: [{ path: 'leash/a.rego', source: ALLOW }], data: { label: 'one' }, roots: ['leash'], wasm });
  http = createServer((req, res) => {
    const inm = req.headers['if-none-match'];
    served.requests.push({ url: req.url ?? '', ifNoneMatch: typeof inm === 'string' ? inm : undefined });
    if (req.url === '/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(keys.jwksPath));
    } else if (inm === served.etag) {
      res.writeHead(304).end();
    } else {
      res.writeHead(200, { etag: served.etag, 'content-type': 'application/gzip' }).end(Buffer.from(served.bundle));
    }
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const a = http.address();
  base = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => http.close(() => r())));

const quietLog = { info: () => {}, error: () => {} };

describe('bundle URL polling', () => {
  it('loads, keeps the revision on 304, and swaps when the ETag changes', async () => {
    const outcomes: ReloadOutcome[] = [];
    const engine = await createEngine({ source: { kind: 'url', url: `${base}/bundle.tar.gz`, pollSeconds: 3600 }, load: loadBundleFile, log: quietLog, onChange: (o) => outcomes.push(o) });
    try {
      const first = engine.current()!.revision;
      expect(engine.firstLoad).toMatchObject({ kind: 'loaded', revision: first, previous: null });
      expect(await engine.reload()).toEqual({ kind: 'unchanged', revision: first });
      expect(served.requests.at(-1)).toEqual({ url: '/bundle.tar.gz', ifNoneMatch: '"v1"' });
      served.bundle = await writeBundle({ modules: [{ path: 'leash/a.rego', source: ALLOW }], data: { label: 'two' }, roots: ['leash'], wasm });
      served.etag = '"v2"';
      const next = await engine.reload();
      expect(next).toMatchObject({ kind: 'loaded', previous: first });
      expect(engine.current()!.revision).not.toBe(first);
      const decision = engine.current()!.evaluate({ agent: { id: 'a', session: 's', key: null, claims: {}, task: null }, request: { method: 'GET', path: '/', query: {}, headers: {}, body: null }, upstream: null, now: 0 });
      expect(decision).toMatchObject({ ok: true, decision: { reasons: ['two'] } });
      expect(outcomes.map((o) => o.kind)).toEqual(['loaded', 'unchanged', 'loaded']);
    } finally {
      engine.close();
    }
  });

  it('a server configured with a JWKS URL verifies tokens with the keys it fetched', async () => {
    const srv = await startServer(keys, { bundle: { url: `${base}/bundle.tar.gz` }, identity: { jwks: `${base}/jwks.json` } });
    try {
      const res = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/x', token: await keys.sign(supportClaims()) });
      expect(res.body).toMatchObject({ allow: true, status: 200 });
      expect(served.requests.some((r) => r.url === '/jwks.json')).toBe(true);
    } finally {
      await srv.close();
    }
  });
});

describe('policy failures fail closed', () => {
  it('a decision of the wrong shape is 403 policy_error, and the log says why', async () => {
    const bad = 'package leash\n\ndecision := {"allow": "yes", "access": "read"}\n';
    const path = join(keys.dir, 'bad.tar.gz');
    await writeRegoBundle(path, bad, await compileRego(bad), {});
    const srv = await startServer(keys, { bundle: { path } });
    try {
      const res = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/x', token: await keys.sign(supportClaims()) });
      expect(res.body).toMatchObject({ allow: false, status: 403, code: 'policy_error', reasons: ['policy error: decision.allow is not a boolean'] });
      expect(srv.logs.lines().find((l) => l['msg'] === 'policy evaluation failed; denied')).toMatchObject({ reason: 'decision.allow is not a boolean' });
    } finally {
      await srv.close();
    }
  });

  it('refuses to start on a bundle without policy.wasm, naming the file', async () => {
    const path = join(keys.dir, 'nowasm.tar.gz');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, await writeBundle({ modules: [{ path: 'leash/a.rego', source: ALLOW }], data: {}, roots: ['leash'] }));
    const config = loadConfig({ env: {}, flags: { server: { port: 0, logLevel: 'silent' }, bundle: { path }, identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] }, audit: { file: join(keys.dir, 'audit.jsonl') } } });
    const started = startLeash(config);
    await expect(started).rejects.toBeInstanceOf(StartError);
    await expect(started).rejects.toThrow(`cannot start: bundle ${path} did not load: ${path} holds no policy.wasm`);
  });
});
