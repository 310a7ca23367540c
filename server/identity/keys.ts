// Where verification keys come from: a JWKS file (re-read when a token names a kid we do
// not know and the file changed, so keys rotate without a restart) or a JWKS URL (jose's
// remote set: cached, refetched on an unknown kid after a cooldown).
import { readFileSync, statSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export type KeySource = JWTVerifyGetKey;

export function createKeySource(jwks: string): KeySource {
  if (/^https?:\/\//i.test(jwks)) {
    return createRemoteJWKSet(new URL(jwks), { cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5_000 });
  }
  return createFileKeySource(jwks);
}

/** Reads a JWKS file, throwing an Error that names the file and what is wrong. */
export function readJwksFile(path: string): JSONWebKeySet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`JWKS file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`JWKS file ${path} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new Error(`JWKS file ${path} must be an object with a "keys" array`);
  }
  return parsed as JSONWebKeySet;
}

function createFileKeySource(path: string): KeySource {
  const fingerprint = () => {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  };
  let seen = fingerprint();
  let set = createLocalJWKSet(readJwksFile(path));
  return async (header, token) => {
    try {
      return await set(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      // An unknown kid: pick up a rotated file, but only when it actually changed, so a
      // stream of junk kids costs a stat each, not a parse each.
      let now: string;
      try {
        now = fingerprint();
      } catch {
        throw err;
      }
      if (now === seen) throw err;
      seen = now;
      set = createLocalJWKSet(readJwksFile(path));
      return set(header, token);
    }
  };
}
