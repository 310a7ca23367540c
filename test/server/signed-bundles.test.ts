// A real server on loopback with bundle signature verification (bundle.verificationKey):
// it refuses to start on an unsigned, badly signed or tampered bundle with the reason; on a
// hot reload of a tampered bundle it keeps answering with the old revision, logs why,
// counts the failure in /metrics and posts an alert to the configured webhook; a good,
// newly signed bundle then becomes the serving revision.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { archiveFiles, packBundleFiles, parseSigningKey, signBundle, writeBundle, readBundle, type SigningAlg } from '../../compiler/bundle/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { startServer as startLeash, StartError } from '../../server/server.ts';
import { startReceiver, type Receiver } from '../alerts/fixtures.ts';
import { AUDIENCE, ISSUER, LogCapture, compileRego, makeKeys, postJson, supportClaims, type TestKeys } from './helpers.ts';

const REGO = `package leash

decision := {"allow": true, "access": "read", "rule": "r", "reasons": [data.rev], "limits": [], "priority": "normal"}
`;

let keys: TestKeys;
let wasm: Uint8Array;
let receiver: Receiver;
const pem = new Map<string, { priv: string; pub: string }>();

function keyFiles(name: string, pair: ReturnType<typeof generateKeyPairSync>): void {
  const priv = join(keys.dir, `${name}.pem`);
  const pub = join(keys.dir, `${name}.pub.pem`);
  writeFileSync(priv, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  pem.set(name, { priv, pub });
}

async function bundle(rev: string): Promise<Uint8Array> {
  return writeBundle({ modules: [{ path: 'leash/fixture.rego', source: REGO }], data: { rev }, roots: ['leash', 'rev'], wasm });
}

async function signed(rev: string, name = 'ed', alg: SigningAlg = 'EdDSA', scope = 'prod'): Promise<Uint8Array> {
  const { readFileSync } = await import('node:fs');
  return signBundle(await bundle(rev), { key: parseSigningKey(readFileSync(pem.get(name)!.priv), alg, 'k1', 'test'), scope });
}

async function tampered(rev: string): Promise<Uint8Array> {
  const files = await archiveFiles(await signed(rev));
  return packBundleFiles(files.map((f) => (f.path === '/data.json' ? { ...f, bytes: Buffer.from(JSON.stringify({ rev: 'evil' })) } : f)));
}

function publish(path: string, bytes: Uint8Array): void {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

const flags = (path: string, extra: Record<string, unknown> = {}) => loadConfig({
  env: {},
  flags: {
    server: { port: 0, logLevel: 'info' },
    bundle: { path, verificationKey: pem.get('ed')!.pub, verificationKeyId: 'k1', signingAlg: 'EdDSA', scope: 'prod', ...extra },
    identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
    audit: { file: '' },
    alerts: { webhook: receiver.url },
  },
});

beforeAll(async () => {
  keys = await makeKeys();
  wasm = await compileRego(REGO);
  receiver = await startReceiver();
  keyFiles('ed', generateKeyPairSync('ed25519'));
  keyFiles('ed2', generateKeyPairSync('ed25519'));
}, 60_000);
afterAll(async () => receiver?.close());

describe('leash serve refuses to start on a bundle that does not verify', () => {
  it.each([
    ['unsigned', async () => bundle('r1'), /^cannot start: bundle .*b\.tar\.gz did not load: bundle signature rejected: \.signatures\.json: missing: the bundle is not signed$/],
    ['signed with another key', async () => signed('r1', 'ed2'), /bundle signature rejected: \.signatures\.json: the signature does not verify with key "k1" \(EdDSA\)/],
    ['another scope', async () => signed('r1', 'ed', 'EdDSA', 'dev'), /bundle signature rejected: \.signatures\.json: scope mismatch: the signature has scope "dev", expected scope "prod"$/],
    ['tampered data.json', async () => tampered('r1'), /bundle signature rejected: data\.json: digest mismatch: /],
  ])('%s', async (_name, make, message) => {
    const path = join(keys.dir, `start-${_name.replace(/\W/g, '')}`, 'b.tar.gz');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(path, '..'), { recursive: true });
    publish(path, await make());
    const err = await startLeash(flags(path), { logStream: new LogCapture() }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(StartError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('an unreadable or unfitting verification key stops the start in one line', async () => {
    const path = join(keys.dir, 'key-check.tar.gz');
    publish(path, await signed('r1'));
    await expect(buildApp(flags(path, { verificationKey: join(keys.dir, 'nope.pem') }))).rejects.toThrow(`bundle.verificationKey ${join(keys.dir, 'nope.pem')}: cannot be read (ENOENT)`);
    await expect(buildApp(flags(path, { signingAlg: 'RS256' }))).rejects.toThrow(/^bundle\.verificationKey .*ed\.pub\.pem: RS256 needs an RSA key of at least 2048 bits; this is an Ed25519 key/);
  });
});

describe('hot reload with verification', () => {
  let app: FastifyInstance;
  let url: string;
  let logs: LogCapture;
  let path: string;

  beforeAll(async () => {
    path = join(keys.dir, 'bundle.tar.gz');
    publish(path, await signed('rev-1'));
    logs = new LogCapture();
    app = await buildApp(flags(path), { logStream: logs });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => app?.close());

  async function answer(): Promise<{ reason: string; revision: string }> {
    const token = await keys.sign(supportClaims());
    const res = await postJson(`${url}/decide`, { method: 'GET', path: '/customers/C-771/records/1', token });
    expect(res.status).toBe(200);
    return { reason: res.body.reasons[0], revision: res.body.revision };
  }

  async function until(check: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('keeps the old revision on a tampered bundle (logged, counted, alerted), then takes a good one', async () => {
    const first = await answer();
    expect(first.reason).toBe('rev-1');
    const rev1 = (await readBundle(await signed('rev-1'))).manifest!.revision;
    expect(first.revision).toBe(rev1);

    publish(path, await tampered('rev-2'));
    await until(async () => logs.text.includes('policy bundle rejected'), 'the rejection to be logged');
    const line = logs.lines().find((l) => l['msg'] === 'policy bundle rejected; the previous revision keeps serving')!;
    expect(line['reason']).toMatch(/^bundle signature rejected: data\.json: digest mismatch: /);
    expect(line['serving']).toBe(rev1);
    // still answering, with the old revision and its data
    expect(await answer()).toEqual({ reason: 'rev-1', revision: rev1 });
    const [alert] = await receiver.waitFor(1);
    expect((alert!.body as { text: string }).text).toMatch(new RegExp(`^Leash: policy bundle rejected: .*bundle\\.tar\\.gz: bundle signature rejected: data\\.json: digest mismatch: .*; revision ${rev1} keeps serving$`));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/leash_bundle_reloads_total\{outcome="failed"\} 1/);
    expect(metrics).toMatch(/leash_errors_total\{kind="bundle_rejected"\} 1/);

    // a bundle signed with another key is refused the same way
    publish(path, await signed('rev-3', 'ed2'));
    await until(async () => logs.lines().filter((l) => l['msg'] === 'policy bundle rejected; the previous revision keeps serving').length >= 2, 'the second rejection');
    expect(await answer()).toEqual({ reason: 'rev-1', revision: rev1 });

    // a good, newly signed bundle becomes the serving revision
    const good = await signed('rev-4');
    const rev4 = (await readBundle(good)).manifest!.revision;
    publish(path, good);
    await until(async () => (await answer()).revision === rev4, 'rev-4 to serve');
    expect(await answer()).toEqual({ reason: 'rev-4', revision: rev4 });
    // the logs never carry key material
    expect(logs.text).not.toMatch(/BEGIN|PRIVATE KEY/);
  }, 30_000);
});

describe('key rotation', () => {
  it('with bundle.nextVerificationKey, bundles signed with either key id load; others are refused', async () => {
    const { readFileSync } = await import('node:fs');
    const path = join(keys.dir, 'rotation.tar.gz');
    const config = (_file: string) => flags(path, { nextVerificationKey: pem.get('ed2')!.pub, nextVerificationKeyId: 'k2' });
    for (const [name, keyId, ok] of [['ed', 'k1', true], ['ed2', 'k2', true], ['ed2', 'k1', false]] as const) {
      publish(path, await signBundle(await bundle(`rot-${name}-${keyId}`), { key: parseSigningKey(readFileSync(pem.get(name)!.priv), 'EdDSA', keyId, 'test'), scope: 'prod' }));
      const started = await startLeash(config(path), { logStream: new LogCapture() }).then((s) => s, (e: Error) => e);
      if (ok) {
        expect(started).not.toBeInstanceOf(Error);
        await (started as { close(): Promise<void> }).close();
      } else {
        expect((started as Error).message).toMatch(/the signature does not verify with key "k1"/);
      }
    }
    expect(() => loadConfig({ env: {}, flags: { server: { dev: true }, bundle: { path, verificationKey: 'a', nextVerificationKey: 'b' } } })).toThrow(/bundle\.nextVerificationKeyId: set together with bundle\.nextVerificationKey/);
  });
});
