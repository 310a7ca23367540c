// Verifies an agent token (a JWT) and turns its claims into `input.agent`. Checks, in order:
// size, header (alg none, symmetric algorithms without their own secret, allow-list), then
// jose's signature and claim checks (iss, aud, exp, nbf with bounded tolerance), then the
// maximum lifetime, the agent and session ids, and the optional certificate binding.
// Every failure has its own reason code and a message that never contains the token.
import { hash } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { PolicyInput } from '../../compiler/index.ts';
import { ExpiringLru } from './cache.ts';

export type TokenFailure =
  | 'missing_token'
  | 'malformed_token'
  | 'token_too_large'
  | 'alg_none'
  | 'algorithm_confusion'
  | 'alg_not_allowed'
  | 'unknown_kid'
  | 'bad_signature'
  | 'token_expired'
  | 'token_not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'missing_claim'
  | 'missing_session'
  | 'lifetime_too_long'
  | 'cert_binding_mismatch'
  | 'keys_unavailable';

export type Agent = PolicyInput['agent'];

export interface VerifiedToken {
  readonly agent: Agent;
  /** the token's expiry, ms since the epoch */
  readonly expiresAtMs: number;
  /** cnf["x5t#S256"] when the token is bound to a client certificate */
  readonly certThumbprint: string | null;
}

export type VerifyResult =
  | { readonly ok: true; readonly token: VerifiedToken }
  | { readonly ok: false; readonly reason: TokenFailure; readonly message: string };

export interface VerifierOptions {
  readonly keys?: JWTVerifyGetKey;
  readonly hsSecret?: string;
  readonly algorithms: readonly string[];
  readonly issuer: readonly string[];
  readonly audience: readonly string[];
  readonly clockToleranceSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly sessionClaim: string;
  readonly keyClaim: string;
  readonly taskClaim: string;
  readonly maxTokenBytes: number;
  readonly cacheSize: number;
  readonly now?: () => number;
}

export interface TokenVerifier {
  verify(token: string | undefined, certThumbprint?: string): Promise<VerifyResult>;
}

export function createVerifier(options: VerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const cache = new ExpiringLru<VerifiedToken>(options.cacheSize);
  const hsKey = options.hsSecret ? new TextEncoder().encode(options.hsSecret) : undefined;
  const allowed = new Set(options.algorithms);
  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg?.startsWith('HS')) {
      if (!hsKey) throw new errors.JOSEAlgNotAllowed('no secret configured');
      return hsKey;
    }
    if (!options.keys) throw new errors.JWKSNoMatchingKey('no JWKS configured');
    return options.keys(header, token);
  };

  async function verifyUncached(token: string): Promise<VerifyResult> {
    let alg: string | undefined;
    try {
      if (token.split('.').length !== 3) return fail('malformed_token', 'the token is not a compact JWS (three dot-separated parts)');
      alg = decodeProtectedHeader(token).alg;
    } catch {
      return fail('malformed_token', 'the token header cannot be decoded');
    }
    if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return fail('alg_none', 'unsigned tokens (alg "none") are never accepted');
    if (alg.startsWith('HS') && !hsKey) {
      return fail('algorithm_confusion', `${alg} is refused: only asymmetric keys are trusted, and a symmetric algorithm needs its own configured secret`);
    }
    if (!allowed.has(alg)) return fail('alg_not_allowed', `algorithm ${alg} is not in the allow-list (${[...allowed].join(', ')})`);

    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, getKey, {
        algorithms: [...allowed],
        issuer: [...options.issuer],
        audience: [...options.audience],
        clockTolerance: options.clockToleranceSeconds,
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
      });
      payload = result.payload;
    } catch (err) {
      return mapJoseError(err);
    }

    const exp = payload.exp as number;
    const start = typeof payload.iat === 'number' ? payload.iat : typeof payload.nbf === 'number' ? payload.nbf : Math.floor(now() / 1000);
    if (exp - start > options.maxLifetimeSeconds) {
      return fail('lifetime_too_long', `the token lives ${exp - start}s, over the maximum of ${options.maxLifetimeSeconds}s`);
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub === '') return fail('missing_claim', 'the token has no "sub" claim naming the agent');
    const sessionValue = payload[options.sessionClaim] ?? (options.sessionClaim === 'sid' ? payload.jti : undefined);
    if (typeof sessionValue !== 'string' || sessionValue === '') {
      return fail('missing_session', `the token has no session id (claim "${options.sessionClaim}"${options.sessionClaim === 'sid' ? ' or "jti"' : ''})`);
    }
    const keyValue = payload[options.keyClaim];
    const taskValue = payload[options.taskClaim];
    const cnf = payload['cnf'];
    const bound = isRecord(cnf) && typeof cnf['x5t#S256'] === 'string' ? (cnf['x5t#S256'] as string) : null;
    return {
      ok: true,
      token: {
        agent: {
          id: sub,
          session: sessionValue,
          key: typeof keyValue === 'string' && keyValue !== '' ? keyValue : null,
          claims: payload as Record<string, unknown>,
          task: isRecord(taskValue) ? taskValue : null,
        },
        expiresAtMs: exp * 1000,
        certThumbprint: bound,
      },
    };
  }

  return {
    async verify(token, certThumbprint) {
      if (token === undefined || token === '') return fail('missing_token', 'no agent token: send it as "Authorization: Bearer <token>"');
      if (Buffer.byteLength(token, 'utf8') > options.maxTokenBytes) {
        return fail('token_too_large', `the token is over the ${options.maxTokenBytes}-byte limit`);
      }
      const t = now();
      // Keyed by a hash so the cache holds no bearer tokens in memory dumps.
      const cacheKey = hash('sha256', token, 'base64url');
      let verified = cache.get(cacheKey, t);
      if (!verified) {
        const result = await verifyUncached(token);
        if (!result.ok) return result;
        verified = result.token;
        // expire with the token (plus nothing: a cached hit past exp must re-verify and fail)
        cache.set(cacheKey, verified, verified.expiresAtMs);
      }
      return checkBinding(verified, certThumbprint);
    },
  };
}

function checkBinding(token: VerifiedToken, presented: string | undefined): VerifyResult {
  if (token.certThumbprint === null) return { ok: true, token };
  if (presented === undefined || presented === '') {
    return fail('cert_binding_mismatch', 'the token is bound to a client certificate, but the gateway forwarded no certificate thumbprint');
  }
  if (normalizeThumbprint(presented) !== normalizeThumbprint(token.certThumbprint)) {
    return fail('cert_binding_mismatch', 'the client certificate does not match the one the token is bound to (cnf x5t#S256)');
  }
  return { ok: true, token };
}

/** Accepts base64url (RFC 8705) or hex (what many gateways forward) and compares bytes. */
function normalizeThumbprint(v: string): string {
  const s = v.trim().replace(/:/g, '');
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex').toString('base64url');
  return s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

function mapJoseError(err: unknown): VerifyResult {
  if (err instanceof errors.JWTExpired) return fail('token_expired', 'the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'nbf':
        return fail('token_not_yet_valid', 'the token is not valid yet (nbf is in the future)');
      case 'iss':
        return err.reason === 'missing' ? fail('wrong_issuer', 'the token has no "iss" claim') : fail('wrong_issuer', 'the token was issued by an issuer that is not trusted');
      case 'aud':
        return err.reason === 'missing' ? fail('wrong_audience', 'the token has no "aud" claim') : fail('wrong_audience', 'the token is not meant for this audience');
      case 'exp':
        return fail('missing_claim', 'the token has no valid "exp" claim; tokens must expire');
      default:
        return fail('missing_claim', `the token's "${err.claim}" claim is invalid`);
    }
  }
  if (err instanceof errors.JWKSNoMatchingKey) return fail('unknown_kid', 'no trusted key matches the token (unknown kid)');
  if (err instanceof errors.JWKSMultipleMatchingKeys) return fail('unknown_kid', 'several trusted keys match the token; it must name its kid');
  if (err instanceof errors.JWSSignatureVerificationFailed) return fail('bad_signature', 'the token signature is invalid (tampered or signed with another key)');
  if (err instanceof errors.JOSEAlgNotAllowed) return fail('alg_not_allowed', 'the token algorithm is not allowed');
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return fail('keys_unavailable', 'the trusted keys (JWKS) could not be loaded');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid || err instanceof errors.JOSENotSupported) {
    return fail('malformed_token', 'the token is malformed');
  }
  if (err instanceof TypeError || err instanceof errors.JWKInvalid) return fail('malformed_token', 'the token or its key is malformed');
  return fail('keys_unavailable', 'the token could not be verified: the trusted keys are unavailable');
}

function fail(reason: TokenFailure, message: string): VerifyResult {
  return { ok: false, reason, message };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
