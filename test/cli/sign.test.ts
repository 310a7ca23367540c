// `leash build --signing-key`, `leash sign`, `leash verify` and `leash inspect
// --verification-key` on the example policies: exit codes, the one-line summary, and a
// one-line error naming the file for each refusal; bad keys and flags are clear errors.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBuild } from '../../cli/commands/build.ts';
import { runSign, runVerify } from '../../cli/commands/sign.ts';
import { runInspect } from '../../cli/commands/inspect.ts';
import { archiveFiles, packBundleFiles } from '../../compiler/bundle/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'leash-sign-cli-'));
const path = (name: string) => join(dir, name);

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

function writePair(name: string, pair: ReturnType<typeof generateKeyPairSync>): void {
  writeFileSync(path(`${name}.pem`), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(path(`${name}.pub.pem`), pair.publicKey.export({ type: 'spki', format: 'pem' }));
}

let unsigned: string;

beforeAll(async () => {
  writePair('rsa', generateKeyPairSync('rsa', { modulusLength: 2048 }));
  writePair('rsa2', generateKeyPairSync('rsa', { modulusLength: 2048 }));
  writePair('ed', generateKeyPairSync('ed25519'));
  writeFileSync(path('hs.secret'), 'a-secret-of-at-least-32-bytes-for-hs256\n');
  writeFileSync(path('claims.json'), JSON.stringify({ iss: 'ci', iat: 1764214800 }));
  unsigned = path('unsigned.tar.gz');
  const r = io();
  expect(await runBuild(['policies'], { output: unsigned }, r.io)).toBe(0);
}, 120_000);

describe('leash build --signing-key', () => {
  it('writes a signed bundle that verifies; same sources and key give the same bytes', async () => {
    const a = io();
    expect(await runBuild(['policies'], { output: path('a.tar.gz'), signingKey: path('rsa.pem'), signingKeyId: 'ci-1', scope: 'prod', claimsFile: path('claims.json') }, a.io)).toBe(0);
    expect(a.out[0]).toMatch(/^wrote .*a\.tar\.gz \(\d+ bytes, revision [0-9a-f]{12}, signed with keyid ci-1 \(RS256, scope prod\)\)$/);
    expect(a.out).toContain('  .signatures.json');
    // signing an unsigned build of the same sources gives the same bytes
    const s = io();
    expect(await runSign(unsigned, { signingKey: path('rsa.pem'), signingKeyId: 'ci-1', scope: 'prod', claimsFile: path('claims.json'), output: path('b.tar.gz') }, s.io)).toBe(0);
    expect(readFileSync(path('a.tar.gz')).equals(readFileSync(path('b.tar.gz')))).toBe(true);
    const v = io();
    expect(await runVerify(path('a.tar.gz'), { verificationKey: path('rsa.pub.pem'), verificationKeyId: 'ci-1', scope: 'prod' }, v.io)).toBe(0);
    expect(v.out).toEqual([`${path('a.tar.gz')}: verified (keyid ci-1, scope prod, 8 files, RS256)`]);
  }, 60_000);

  it('fails fast on a bad key, before compiling, in one line', async () => {
    const r = io();
    expect(await runBuild(['policies'], { output: path('x.tar.gz'), signingKey: path('ed.pem') }, r.io)).toBe(1);
    expect(r.err).toEqual([`leash build: --signing-key ${path('ed.pem')}: RS256 needs an RSA key of at least 2048 bits; this is an Ed25519 key (set --signing-alg to match the key)`]);
    const m = io();
    expect(await runBuild(['policies'], { output: path('x.tar.gz'), signingKey: path('missing.pem') }, m.io)).toBe(1);
    expect(m.err).toEqual([`leash build: --signing-key ${path('missing.pem')}: cannot be read (ENOENT)`]);
    const s = io();
    expect(await runBuild(['policies'], { output: path('x.tar.gz'), scope: 'prod' }, s.io)).toBe(1);
    expect(s.err[0]).toMatch(/need --signing-key/);
  });
});

describe('leash sign / verify', () => {
  it('signs in place with EdDSA and HS256, and verifies', async () => {
    for (const [alg, key, pub] of [['EdDSA', 'ed.pem', 'ed.pub.pem'], ['HS256', 'hs.secret', 'hs.secret']] as const) {
      const file = path(`${alg}.tar.gz`);
      writeFileSync(file, readFileSync(unsigned));
      const s = io();
      expect(await runSign(file, { signingKey: path(key), signingAlg: alg }, s.io)).toBe(0);
      expect(s.out).toEqual([`signed ${file} (keyid default, ${alg})`]);
      const v = io();
      expect(await runVerify(file, { verificationKey: path(pub), signingAlg: alg }, v.io)).toBe(0);
      expect(v.out[0]).toMatch(/: verified \(keyid default, scope \(none\), 8 files, /);
    }
  });

  it('exits 1 with one line naming the file for each refusal', async () => {
    const signed = path('ref.tar.gz');
    expect(await runSign(unsigned, { signingKey: path('rsa.pem'), output: signed }, io().io)).toBe(0);
    const files = await archiveFiles(readFileSync(signed));
    const variant = async (name: string, change: (fs: typeof files) => typeof files) => {
      const p = path(name);
      writeFileSync(p, await packBundleFiles(change(files)));
      return p;
    };
    const cases: [string, Record<string, string>, RegExp][] = [
      [unsigned, {}, /: \.signatures\.json: missing: the bundle is not signed$/],
      [signed, { verificationKey: path('rsa2.pub.pem') }, /: \.signatures\.json: the signature does not verify with key "default" \(RS256\)/],
      [signed, { verificationKeyId: 'next' }, /: \.signatures\.json: signed with key id "default", but the verification key id is "next"$/],
      [signed, { scope: 'prod' }, /: \.signatures\.json: scope mismatch: the signature has no scope, expected scope "prod"$/],
      [await variant('data.tar.gz', (fs) => fs.map((f) => (f.path === '/data.json' ? { ...f, bytes: Buffer.from('{"leash":{}}') } : f))), {}, /: data\.json: digest mismatch: /],
      [await variant('rego.tar.gz', (fs) => fs.map((f) => (f.path.endsWith('support_agent.rego') ? { ...f, bytes: Buffer.concat([f.bytes, Buffer.from('\n')]) } : f))), {}, /: leash\/policies\/support_agent\.rego: digest mismatch: /],
      [await variant('extra.tar.gz', (fs) => [...fs, { path: '/leash/extra.rego', bytes: Buffer.from('package leash.extra\n') }]), {}, /: leash\/extra\.rego: not included in the bundle signature$/],
      [await variant('gone.tar.gz', (fs) => fs.filter((f) => f.path !== '/policy.wasm')), {}, /: policy\.wasm: listed in the bundle signature but not in the bundle$/],
      [await variant('junk.tar.gz', (fs) => fs.map((f) => (f.path === '/.signatures.json' ? { ...f, bytes: Buffer.from('{"signatures":["garbage"]}') } : f))), {}, /: \.signatures\.json: the signature is not a JWS in compact form$/],
    ];
    for (const [file, flags, message] of cases) {
      const r = io();
      expect(await runVerify(file, { verificationKey: path('rsa.pub.pem'), ...flags }, r.io), `${file} ${JSON.stringify(flags)}`).toBe(1);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(/^leash verify: /);
      expect(r.err[0]).toMatch(message);
      expect(r.out).toEqual([]);
    }
  });

  it('a missing --verification-key or a key of the wrong kind is a one-line error', async () => {
    const r = io();
    expect(await runVerify(unsigned, {}, r.io)).toBe(1);
    expect(r.err).toEqual(['leash verify: --verification-key is required']);
    const w = io();
    expect(await runVerify(unsigned, { verificationKey: path('ed.pub.pem'), signingAlg: 'ES256' }, w.io)).toBe(1);
    expect(w.err).toEqual([`leash verify: --verification-key ${path('ed.pub.pem')}: ES256 needs an EC P-256 key; this is an Ed25519 key (set --signing-alg to match the key)`]);
  });
});

describe('leash inspect --verification-key', () => {
  it('says verified with the key id and scope, or why not (exit 1)', async () => {
    const signed = path('insp.tar.gz');
    expect(await runSign(unsigned, { signingKey: path('rsa.pem'), signingKeyId: 'k7', scope: 'prod', output: signed }, io().io)).toBe(0);
    const plain = io();
    expect(await runInspect(signed, {}, plain.io)).toBe(0);
    expect(plain.out).toContain('signature:    signed (.signatures.json present; not verified by this command)');
    const ok = io();
    expect(await runInspect(signed, { verificationKey: path('rsa.pub.pem'), verificationKeyId: 'k7', scope: 'prod' }, ok.io)).toBe(0);
    expect(ok.out).toContain('signature:    verified (keyid k7, scope prod, 8 files, RS256)');
    const bad = io();
    expect(await runInspect(signed, { verificationKey: path('rsa.pub.pem'), verificationKeyId: 'k7', scope: 'dev', format: 'json' }, bad.io)).toBe(1);
    expect(JSON.parse(bad.out.join('\n')).signature).toBe('NOT VERIFIED: .signatures.json: scope mismatch: the signature has scope "prod", expected scope "dev"');
  });
});
