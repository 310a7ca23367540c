// The bad-token matrix through a real server on loopback with real keys: every kind of bad
// token is a 401 with its own reason code, nothing of the token leaks into the answer or the
// logs, and verification details (cache, rotation, certificate binding) hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, base64url, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { createKeySource, createVerifier, type KeySource } from '../../server/identity/index.ts';
import { AUDIENCE, ISSUER, makeKeys, postJson, startServer, supportClaims, type Running, type TestKeys } from './helpers.ts';

let keys: TestKeys;
let srv: Running;

beforeAll(async () => {
  keys = await makeKeys();
  srv = await startServer(keys, { bundle: { path: join(keys.dir, 'no-bundle.tar.gz') }, identity: { maxLifetimeSeconds: 3600 } });
});
afterAll(async () => srv?.close());

async function decide(token: string | undefined) {
  return postJson(`${srv.url}/decide`, { method: 'GET', path: '/customers/C-771/records/1', ...(token !== undefined ? { token } : {}) });
}

describe('bad-token matrix', () => {
  it('answers 401 with a distinct reason for each kind of bad token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const good = await keys.sign(supportClaims());
    const [h, p, s] = good.split('.') as [string, string, string];
    const payload = JSON.parse(new TextDecoder().decode(base64url.decode(p)));
    const tampered = `${h}.${base64url.encode(JSON.stringify({ ...payload, task: { ticketId: 'T-4891', customerId: 'C-332' } }))}.${s}`;
    const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`;
    // Algorithm confusion: an HMAC token keyed with the server's PUBLIC key material.
    const publicPem = await exportSPKI(await importPublic(keys));
    const confused = await new SignJWT(supportClaims()).setProtectedHeader({ alg: 'HS256', kid: keys.kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode(publicPem));

    const cases: Record<string, string | undefined> = {
      missing_token: undefined,
      token_expired: await keys.sign(supportClaims(), { iat: now - 1000, ttlSeconds: 600 }),
      token_not_yet_valid: await keys.sign(supportClaims(), { nbf: now + 600, ttlSeconds: 1200 }),
      wrong_issuer: await keys.sign(supportClaims(), { iss: 'https://evil.test' }),
      wrong_audience: await keys.sign(supportClaims(), { aud: 'someone-else' }),
      alg_none: none,
      algorithm_confusion: confused,
      unknown_kid: await keys.sign(supportClaims(), { kid: 'not-a-known-kid', key: other.privateKey }),
      bad_signature: tampered,
      missing_session: await keys.sign({ sub: 'support-bot', role: 'support' }),
      token_too_large: await keys.sign(supportClaims({ padding: 'x'.repeat(9000) })),
      lifetime_too_long: await keys.sign(supportClaims(), { ttlSeconds: 2 * 86_400 }),
      malformed_token: 'not-a-jwt',
    };
    const seen = new Set<string>();
    for (const [expected, token] of Object.entries(cases)) {
      const res = await decide(token);
      expect(res.status, expected).toBe(200);
      expect(res.body.status, expected).toBe(401);
      expect(res.body.allow, expected).toBe(false);
      expect(res.body.code, expected).toBe('bad_token');
      expect(res.body.reason_code, expected).toBe(expected);
      expect(res.body.reasons[0], expected).toMatch(/\w/);
      seen.add(res.body.reasons[0]);
      if (token) expect(JSON.stringify(res.body)).not.toContain(token.split('.')[2] || token);
    }
    expect(seen.size).toBe(Object.keys(cases).length);
    for (const token of Object.values(cases)) if (token && token.length > 20) expect(srv.logs.text).not.toContain(token);
    // The good token verifies (the request then fails closed only because no bundle is loaded).
    const ok = await decide(good);
    expect(ok.body.code).toBe('policy_error');
    expect(ok.body.agent).toMatchObject({ id: 'support-bot', key: 'key-17', task: { ticketId: 'T-4891', customerId: 'C-771' } });
  });

  it('takes the bearer token from headers.authorization when no token field is sent', async () => {
    const expired = await keys.sign(supportClaims(), { iat: Math.floor(Date.now() / 1000) - 2000 });
    const res = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/x', headers: { Authorization: `Bearer ${expired}` } });
    expect(res.body.reason_code).toBe('token_expired');
  });

  it('uses jti as the session id when sid is absent', async () => {
    const token = await new SignJWT({ sub: 'a', jti: 'j-1' }).setProtectedHeader({ alg: 'EdDSA', kid: keys.kid }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(keys.privateKey);
    const res = await decide(token);
    expect(res.body.agent).toMatchObject({ id: 'a', session: 'j-1', key: null, task: null });
  });
});

describe('verifier', () => {
  const base = { algorithms: ['EdDSA', 'ES256', 'RS256', 'PS256'], issuer: [ISSUER], audience: [AUDIENCE], clockToleranceSeconds: 30, maxLifetimeSeconds: 3600, sessionClaim: 'sid', keyClaim: 'client_id', taskClaim: 'task', maxTokenBytes: 8192, cacheSize: 100 };

  it('verifies a token once and serves repeats from the cache until it expires', async () => {
    let keyLookups = 0;
    const source = createKeySource(keys.jwksPath);
    const counting: KeySource = async (h, t) => {
      keyLookups += 1;
      return source(h, t);
    };
    let clock = Date.now();
    const v = createVerifier({ ...base, keys: counting, now: () => clock });
    const token = await keys.sign(supportClaims(), { ttlSeconds: 60 });
    for (let i = 0; i < 5; i++) expect((await v.verify(token)).ok).toBe(true);
    expect(keyLookups).toBe(1);
    clock += 61_000 + 30_000;
    const late = await v.verify(token);
    expect(late).toMatchObject({ ok: false, reason: 'token_expired' });
    expect(keyLookups).toBe(2);
  });

  it('picks up a rotated JWKS file on an unknown kid, without a restart', async () => {
    const v = createVerifier({ ...base, keys: createKeySource(keys.jwksPath) });
    const next = await generateKeyPair('ES256', { extractable: true });
    const jwk = { ...(await exportJWK(next.publicKey)), kid: 'rotated-2', alg: 'ES256' };
    const token = await new SignJWT(supportClaims()).setProtectedHeader({ alg: 'ES256', kid: 'rotated-2' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(next.privateKey);
    expect(await v.verify(token)).toMatchObject({ ok: false, reason: 'unknown_kid' });
    writeFileSync(keys.jwksPath, JSON.stringify({ keys: [keys.publicJwk, jwk] }));
    expect(await v.verify(token)).toMatchObject({ ok: true });
  });

  it('binds a token to the client certificate thumbprint the gateway forwarded', async () => {
    const v = createVerifier({ ...base, keys: createKeySource(keys.jwksPath) });
    const thumb = base64url.encode(new Uint8Array(32).fill(7));
    const token = await keys.sign(supportClaims({ cnf: { 'x5t#S256': thumb } }));
    expect(await v.verify(token, thumb)).toMatchObject({ ok: true });
    expect(await v.verify(token, Buffer.from(new Uint8Array(32).fill(7)).toString('hex'))).toMatchObject({ ok: true });
    expect(await v.verify(token, base64url.encode(new Uint8Array(32).fill(8)))).toMatchObject({ ok: false, reason: 'cert_binding_mismatch' });
    expect(await v.verify(token)).toMatchObject({ ok: false, reason: 'cert_binding_mismatch' });
  });

  it('accepts HS256 only with its own configured secret', async () => {
    const secret = 'a-dedicated-hmac-secret-of-enough-length';
    const v = createVerifier({ ...base, algorithms: ['HS256'], hsSecret: secret });
    const good = await new SignJWT(supportClaims()).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    expect(await v.verify(good)).toMatchObject({ ok: true });
    const wrong = await new SignJWT(supportClaims()).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(40)));
    expect(await v.verify(wrong)).toMatchObject({ ok: false, reason: 'bad_signature' });
    const eddsa = await keys.sign(supportClaims());
    expect(await v.verify(eddsa)).toMatchObject({ ok: false, reason: 'alg_not_allowed' });
  });
});

async function importPublic(k: TestKeys) {
  const { importJWK } = await import('jose');
  return (await importJWK(k.publicJwk, 'EdDSA')) as CryptoKey;
}
