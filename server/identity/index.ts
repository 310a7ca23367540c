// Agent identity: JWT verification with jose, the verified-token cache, key sources, and the
// development key used by `leash token mint` and `leash serve --dev`.
export { createVerifier, type TokenVerifier, type VerifyResult, type VerifiedToken, type TokenFailure, type Agent, type VerifierOptions } from './verify.ts';
export { createKeySource, readJwksFile, type KeySource } from './keys.ts';
export { ExpiringLru } from './cache.ts';
export { ensureDevKeys, mintToken, parseDuration, DEV_DIR, DEV_ISSUER, DEV_AUDIENCE, type DevKeys, type MintOptions } from './dev-keys.ts';
