// Agent tokens for the HTTP benchmark: a fresh Ed25519 key whose JWKS the server is
// started with, and pools of support-agent tokens, one session each, so per-session
// limits (50 reads) are never reached and the load measures decisions, not 429s.
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { writeFileSync } from 'node:fs';

export const BENCH_ISSUER = 'https://idp.bench.leash.local';
export const BENCH_AUDIENCE = 'leash-bench';
const KID = 'bench-key-1';

export interface TokenMinter {
  readonly jwksPath: string;
  mint(count: number, sessionPrefix: string): Promise<string[]>;
}

export async function createMinter(jwksPath: string): Promise<TokenMinter> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: 'EdDSA', use: 'sig' };
  writeFileSync(jwksPath, JSON.stringify({ keys: [jwk] }, null, 2));
  return {
    jwksPath,
    mint: (count, sessionPrefix) => mintTokens(privateKey, count, sessionPrefix),
  };
}

async function mintTokens(key: CryptoKey, count: number, sessionPrefix: string): Promise<string[]> {
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const sid = `${sessionPrefix}-${i}`;
    tokens.push(await new SignJWT({
      sid,
      role: 'support',
      client_id: 'key-17',
      task: { ticketId: 'T-4891', customerId: 'C-771' },
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: KID, typ: 'JWT' })
      .setIssuer(BENCH_ISSUER)
      .setAudience(BENCH_AUDIENCE)
      .setSubject('support-bot')
      .setJti(sid)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(key));
  }
  return tokens;
}
