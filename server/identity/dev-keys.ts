// The local development identity: an Ed25519 signing key and its public JWKS under
// `.leash/`, created once and reused, plus `mintToken` that signs agent tokens with it
// (for `leash token mint`, `leash serve --dev` and tests). Never for production issuance.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';

/** where the development key, JWKS, bundle and audit trail live (relative to the cwd) */
export const DEV_DIR = '.leash';
export const DEV_ISSUER = 'leash-dev';
export const DEV_AUDIENCE = 'leash';

export interface DevKeys {
  readonly privateJwk: JWK;
  readonly jwksPath: string;
  readonly kid: string;
}

/** Creates `<dir>/dev-signing-key.json` (private, mode 600) and `<dir>/jwks.json` once. */
export async function ensureDevKeys(dir: string): Promise<DevKeys> {
  const keyPath = join(dir, 'dev-signing-key.json');
  const jwksPath = join(dir, 'jwks.json');
  if (existsSync(keyPath) && existsSync(jwksPath)) {
    const privateJwk = JSON.parse(readFileSync(keyPath, 'utf8')) as JWK;
    return { privateJwk, jwksPath, kid: String(privateJwk.kid) };
  }
  mkdirSync(dir, { recursive: true });
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA', use: 'sig' };
  writeFileSync(keyPath, JSON.stringify(privateJwk, null, 2) + '\n', { mode: 0o600 });
  writeFileSync(jwksPath, JSON.stringify({ keys: [{ ...publicJwk, kid, alg: 'EdDSA', use: 'sig' }] }, null, 2) + '\n');
  return { privateJwk, jwksPath, kid };
}

export interface MintOptions {
  readonly sub: string;
  readonly sid: string;
  readonly claims?: Readonly<Record<string, unknown>>;
  readonly ttlSeconds?: number;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Signs an agent token with the development key (EdDSA). */
export async function mintToken(keys: Pick<DevKeys, 'privateJwk'>, options: MintOptions): Promise<string> {
  const { alg: _alg, use: _use, ...jwk } = keys.privateJwk;
  const key = await importJWK(jwk, 'EdDSA');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...(options.claims ?? {}), sid: options.sid })
    .setProtectedHeader({ alg: 'EdDSA', kid: String(keys.privateJwk.kid), typ: 'JWT' })
    .setSubject(options.sub)
    .setIssuer(options.issuer ?? DEV_ISSUER)
    .setAudience(options.audience ?? DEV_AUDIENCE)
    .setIssuedAt(now)
    .setJti(randomUUID())
    .setExpirationTime(now + (options.ttlSeconds ?? 600))
    .sign(key);
}

/** Parses durations like `90s`, `10m`, `2h`, `1d` or a plain number of seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = unit === 's' ? 1 : unit === 'm' ? 60 : unit === 'h' ? 3600 : 86_400;
  return n * factor;
}
