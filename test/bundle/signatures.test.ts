// Bundle signatures in OPA's format, checked against the spec rather than against Leash
// itself: (a) bundles Leash signs are verified by an independent verifier written here with
// jose and node:crypto; (b) bundles signed here with jose directly are verified by Leash;
// (c) every tampering is refused with the right code and a message naming the file. Keys
// (RS256, ES256, EdDSA, HS256) are generated per run and written to PEM files.
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompactSign, compactVerify } from 'jose';
import {
  archiveFiles, canonicalForHash, packBundleFiles, parseSigningKey, parseVerificationKey, readBundle, sign, signBundle, verify, verifyBundle, writeBundle,
  type BundleFile, type BundleKey, type SigningAlg,
} from '../../compiler/bundle/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'leash-sig-'));

interface KeyPair { readonly alg: SigningAlg; readonly privatePath: string; readonly publicPath: string; readonly sign: KeyObject | Uint8Array; readonly verify: KeyObject | Uint8Array }

function makeKey(alg: SigningAlg): KeyPair {
  const privatePath = join(dir, `${alg}-${randomBytes(4).toString('hex')}.pem`);
  const publicPath = `${privatePath}.pub`;
  if (alg === 'HS256') {
    const secret = randomBytes(32).toString('hex');
    writeFileSync(privatePath, `${secret}\n`);
    writeFileSync(publicPath, `${secret}\n`);
    return { alg, privatePath, publicPath, sign: Buffer.from(secret), verify: Buffer.from(secret) };
  }
  const pair = alg === 'RS256' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  writeFileSync(privatePath, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(publicPath, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { alg, privatePath, publicPath, sign: pair.privateKey, verify: pair.publicKey };
}

const ALGS: readonly SigningAlg[] = ['RS256', 'ES256', 'EdDSA', 'HS256'];
const keys = new Map<SigningAlg, KeyPair>();
const signingKey = (alg: SigningAlg, keyId = 'default'): BundleKey => parseSigningKey(readFileSync(keys.get(alg)!.privatePath), alg, keyId, 'test key');
const verificationKey = (alg: SigningAlg, keyId = 'default', k = keys.get(alg)!): BundleKey => parseVerificationKey(readFileSync(k.publicPath), alg, keyId, 'test key');

const REGO = 'package leash\n\ndecision := {"allow": false}\n';
// data with what canonical hashing must get right: key order, non-ASCII keys, HTML characters, line separators
const DATA = { zeta: 1, alpha: { 'é': 'x', e: [3, 2, 1], 'z\u2028': '<a&b>' }, n: 1.5, t: true, nil: null };

let bundleBytes: Uint8Array;

beforeAll(async () => {
  for (const alg of ALGS) keys.set(alg, makeKey(alg));
  bundleBytes = await writeBundle({ modules: [{ path: 'leash/policy.rego', source: REGO }], data: DATA, roots: ['leash'], wasm: new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]) });
});

// ---- an independent verifier, from OPA's documentation and hash.go, not from Leash's code ----

function goString(s: string): string {
  return JSON.stringify(s).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return `{${keys.map((k) => `${goString(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return typeof v === 'string' ? goString(v) : JSON.stringify(v);
}
function specHash(name: string, bytes: Uint8Array): string {
  const base = name.split('/').pop();
  const structured = base === 'data.json' || base === '.manifest';
  return createHash('sha256').update(structured ? canon(JSON.parse(Buffer.from(bytes).toString('utf8'))) : bytes).digest('hex');
}
async function independentVerify(files: readonly BundleFile[], key: KeyObject | Uint8Array, alg: string, scope?: string): Promise<{ kid: unknown; payload: Record<string, unknown> }> {
  const sigs = JSON.parse(Buffer.from(files.find((f) => f.path === '/.signatures.json')!.bytes).toString('utf8')) as { signatures: string[] };
  expect(sigs.signatures).toHaveLength(1);
  const { payload, protectedHeader } = await compactVerify(sigs.signatures[0]!, key, { algorithms: [alg] });
  const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown> & { files: { name: string; hash: string; algorithm: string }[] };
  expect(claims['scope']).toBe(scope);
  const listed = new Map(claims.files.map((f) => [f.name, f]));
  const others = files.filter((f) => f.path !== '/.signatures.json');
  expect([...listed.keys()].sort()).toEqual(others.map((f) => f.path.slice(1)).sort());
  for (const f of others) {
    const entry = listed.get(f.path.slice(1))!;
    expect(entry.algorithm).toBe('SHA-256');
    expect(entry.hash).toBe(specHash(f.path.slice(1), f.bytes));
  }
  return { kid: protectedHeader.kid, payload: claims };
}

// ---- a signer written here with jose directly ----

async function joseSign(files: readonly BundleFile[], key: KeyObject | Uint8Array, alg: string, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<BundleFile[]> {
  const list = files.map((f) => ({ name: f.path.replace(/^\//, ''), hash: specHash(f.path, f.bytes), algorithm: 'SHA-256' }));
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify({ files: list, ...claims }))).setProtectedHeader({ alg, ...header }).sign(key);
  return [...files, { path: '/.signatures.json', bytes: Buffer.from(JSON.stringify({ signatures: [jws] }, null, 1)) }];
}

describe('canonical hashing (OPA hash.go)', () => {
  it('sorts keys by bytes, drops whitespace, keeps number literals and escapes as Go does', () => {
    const text = ' { "b" : 1.0, "a":[ 1e3 , -0, 2E-2 ], "\u00e9":"\u2028<&>", "Z": "\\ud800", "ctl": "\\u0001\\b\\f\\n\\t\\r\\"\\\\\\/" }\n';
    expect(canonicalForHash('data.json', Buffer.from(text))).toBe('{"Z":"\ufffd","a":[1e3,-0,2E-2],"b":1.0,"ctl":"\\u0001\\b\\f\\n\\t\\r\\"\\\\/","\u00e9":"\\u2028<&>"}');
  });
  it('strips a UTF-8 byte order mark; the last of duplicate keys wins', () => {
    expect(canonicalForHash('x/data.json', Buffer.from('\ufeff{"a":1,"a":2}'))).toBe('{"a":2}');
  });
  it('refuses a structured file that is not JSON, or not UTF-8', () => {
    expect(() => canonicalForHash('data.json', Buffer.from('{"a":}'))).toThrow(/^data\.json: not valid JSON/);
    expect(() => canonicalForHash('.manifest', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]))).toThrow(/^\.manifest: not valid UTF-8/);
  });
});

describe.each(ALGS)('%s', (alg) => {
  it('(a) Leash signs; an independent verifier (jose + node:crypto, from the spec) accepts it', async () => {
    const signed = await signBundle(bundleBytes, { key: signingKey(alg, `${alg}-key`), scope: 'prod' });
    const files = await archiveFiles(signed);
    const { kid, payload } = await independentVerify(files, keys.get(alg)!.verify, alg, 'prod');
    expect(kid).toBe(`${alg}-key`);
    expect(payload['keyid']).toBe(`${alg}-key`);
    expect(payload['iat']).toBeUndefined();
    // and Leash's own verifier agrees
    expect(await verifyBundle(signed, { keys: [verificationKey(alg, `${alg}-key`)], scope: 'prod' })).toMatchObject({ ok: true, keyId: `${alg}-key`, scope: 'prod', files: 4 });
    // the signed bundle still reads as the same bundle (same revision)
    expect((await readBundle(signed)).manifest!.revision).toBe((await readBundle(bundleBytes)).manifest!.revision);
  });

  it('(b) a bundle signed here with jose directly verifies with Leash', async () => {
    const plain = await archiveFiles(bundleBytes);
    const k = keys.get(alg)!;
    // OPA puts the key id in the header; iss and iat are informational claims
    const files = await joseSign(plain, k.sign, alg, { scope: 'write', iss: 'ci', iat: 1592248027 }, { kid: 'ci-2026' });
    const packed = await packBundleFiles(files);
    const r = await verifyBundle(packed, { keys: [verificationKey(alg, 'ci-2026')], scope: 'write' });
    expect(r).toMatchObject({ ok: true, keyId: 'ci-2026', scope: 'write', claims: { iss: 'ci', iat: 1592248027 } });
    // the deprecated payload keyid works when the header names none
    const legacy = await joseSign(plain, k.sign, alg, { keyid: 'old-id' });
    expect(await verify(legacy, { keys: [verificationKey(alg, 'old-id')] })).toMatchObject({ ok: true, keyId: 'old-id', scope: null });
  });

  it('(c) refuses another key of the same kind, and a wrong key id', async () => {
    const signed = await signBundle(bundleBytes, { key: signingKey(alg) });
    const other = makeKey(alg);
    const r = await verifyBundle(signed, { keys: [verificationKey(alg, 'default', other)] });
    expect(r).toMatchObject({ ok: false, code: 'bad_signature', file: '.signatures.json' });
    expect(!r.ok && r.problem).toMatch(/^\.signatures\.json: the signature does not verify with key "default" \(/);
    const wrongKid = await verifyBundle(signed, { keys: [verificationKey(alg, 'prod-2027')] });
    expect(wrongKid).toMatchObject({ ok: false, code: 'wrong_key_id', problem: '.signatures.json: signed with key id "default", but the verification key id is "prod-2027"' });
  });

  it('signing is reproducible where the algorithm is deterministic', async () => {
    const a = await signBundle(bundleBytes, { key: signingKey(alg) });
    const b = await signBundle(bundleBytes, { key: signingKey(alg) });
    if (alg === 'ES256') expect(await verifyBundle(b, { keys: [verificationKey(alg)] })).toMatchObject({ ok: true });
    else expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  });
});

describe('(c) tampering and bad signatures are refused, naming the file', () => {
  let signed: BundleFile[];
  const opts = () => ({ keys: [verificationKey('RS256')], scope: 'prod' });
  const replace = (path: string, bytes: Uint8Array | string) => signed.map((f) => (f.path === path ? { path, bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes } : f));

  beforeAll(async () => {
    signed = await archiveFiles(await signBundle(bundleBytes, { key: signingKey('RS256'), scope: 'prod' }));
  });

  it('accepts the untouched bundle, and data.json re-formatted without changing its value', async () => {
    expect(await verify(signed, opts())).toMatchObject({ ok: true });
    const data = signed.find((f) => f.path === '/data.json')!;
    const pretty = JSON.stringify(JSON.parse(Buffer.from(data.bytes).toString('utf8')), null, 4);
    expect(await verify(replace('/data.json', pretty), opts())).toMatchObject({ ok: true });
  });

  it.each([
    ['data.json changed', () => replace('/data.json', JSON.stringify({ ...DATA, zeta: 2 })), 'hash_mismatch', 'data.json'],
    ['a .rego changed', () => replace('/leash/policy.rego', `${REGO}# more\n`), 'hash_mismatch', 'leash/policy.rego'],
    ['the manifest changed', () => replace('/.manifest', '{"revision":"evil","roots":[""]}'), 'hash_mismatch', '.manifest'],
    ['policy.wasm changed', () => replace('/policy.wasm', new Uint8Array([0, 97, 115, 109, 1, 0, 0, 1])), 'hash_mismatch', 'policy.wasm'],
    ['a file added', () => [...signed, { path: '/leash/backdoor.rego', bytes: Buffer.from('package leash.x\n') }], 'unlisted_file', 'leash/backdoor.rego'],
    ['a listed file removed', () => signed.filter((f) => f.path !== '/leash/policy.rego'), 'missing_file', 'leash/policy.rego'],
    ['the signature removed (unsigned)', () => signed.filter((f) => f.path !== '/.signatures.json'), 'unsigned', '.signatures.json'],
    ['garbage instead of a JWS', () => replace('/.signatures.json', '{"signatures":["not.a-jws"]}'), 'malformed_signatures', '.signatures.json'],
    ['.signatures.json not JSON', () => replace('/.signatures.json', 'garbage'), 'malformed_signatures', '.signatures.json'],
    ['two signatures', () => replace('/.signatures.json', '{"signatures":["a.b.c","d.e.f"]}'), 'malformed_signatures', '.signatures.json'],
  ] as const)('%s', async (_name, files, code, file) => {
    const r = await verify(files(), opts());
    expect(r).toMatchObject({ ok: false, code, file });
    expect(!r.ok && r.problem.startsWith(`${file}: `)).toBe(true);
    expect(!r.ok && r.problem).not.toContain('\n');
  });

  it('names the file in a hash mismatch', async () => {
    const r = await verify(replace('/leash/policy.rego', 'package leash\n'), opts());
    expect(!r.ok && r.problem).toMatch(/^leash\/policy\.rego: digest mismatch: signed SHA-256 [0-9a-f]{16}…, the bundle has [0-9a-f]{16}… \(changed after signing\)$/);
  });

  it('refuses a wrong or missing scope', async () => {
    expect(await verify(signed, { keys: [verificationKey('RS256')], scope: 'staging' })).toMatchObject({
      ok: false, code: 'scope_mismatch', problem: '.signatures.json: scope mismatch: the signature has scope "prod", expected scope "staging"',
    });
    expect(await verify(signed, { keys: [verificationKey('RS256')] })).toMatchObject({ ok: false, code: 'scope_mismatch' });
  });

  it('refuses alg none and algorithm confusion (an HS256 token made with the public key)', async () => {
    const plain = signed.filter((f) => f.path !== '/.signatures.json');
    const none = `${Buffer.from('{"alg":"none","kid":"default"}').toString('base64url')}.${Buffer.from('{"files":[]}').toString('base64url')}.`;
    const r1 = await verify([...plain, { path: '/.signatures.json', bytes: Buffer.from(JSON.stringify({ signatures: [none] })) }], opts());
    expect(r1).toMatchObject({ ok: false, file: '.signatures.json' });
    const pub = readFileSync(keys.get('RS256')!.publicPath);
    const confused = await joseSign(plain, new Uint8Array(pub), 'HS256', { scope: 'prod' }, { kid: 'default' });
    expect(await verify(confused, opts())).toMatchObject({ ok: false, code: 'wrong_algorithm', problem: '.signatures.json: signed with "HS256", but key "default" verifies RS256' });
  });

  it('refuses a payload hashed with MD5 or SHA-1', async () => {
    const plain = signed.filter((f) => f.path !== '/.signatures.json');
    const k = keys.get('RS256')!;
    const list = plain.map((f) => ({ name: f.path.slice(1), hash: createHash('sha1').update(f.bytes).digest('hex'), algorithm: 'SHA-1' }));
    const jws = await new CompactSign(Buffer.from(JSON.stringify({ files: list, scope: 'prod' }))).setProtectedHeader({ alg: 'RS256', kid: 'default' }).sign(k.sign);
    const r = await verify([...plain, { path: '/.signatures.json', bytes: Buffer.from(JSON.stringify({ signatures: [jws] })) }], opts());
    expect(r).toMatchObject({ ok: false, code: 'unsupported_hash' });
  });
});

describe('keys', () => {
  it('says which key the algorithm needs, without printing the key', () => {
    const ec = keys.get('ES256')!;
    expect(() => parseSigningKey(readFileSync(ec.privatePath), 'RS256', 'default', '--signing-key k.pem')).toThrow('--signing-key k.pem: RS256 needs an RSA key of at least 2048 bits; this is an EC P-256 key (set --signing-alg to match the key)');
    expect(() => parseSigningKey(readFileSync(ec.publicPath), 'ES256', 'default', '--signing-key k.pem')).toThrow('--signing-key k.pem: holds a public key; signing needs the private key');
    expect(() => parseSigningKey(Buffer.from('short\n'), 'HS256', 'default', '--signing-key s')).toThrow('--signing-key s: an HMAC secret must be at least 32 bytes (this one has 5)');
    expect(() => parseVerificationKey(Buffer.from('nonsense'), 'EdDSA', 'default', '--verification-key v')).toThrow('--verification-key v: not a PEM public key or certificate');
    expect(() => parseSigningKey(readFileSync(ec.privatePath), 'XS999', 'default', '--signing-key k.pem')).toThrow(/unsupported signing algorithm "XS999"/);
    try {
      parseSigningKey(readFileSync(ec.privatePath), 'EdDSA', 'default', 'k');
    } catch (err) {
      expect((err as Error).message).not.toMatch(/BEGIN|PRIVATE/);
    }
  });

  it('sign() refuses claims that set files', async () => {
    await expect(sign([], { key: signingKey('EdDSA'), claims: { files: [] } })).rejects.toThrow(/must not set "files"/);
  });
});
