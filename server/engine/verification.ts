// The bundle signature check the configuration asks for: bundle.verificationKey (a PEM
// public key, or the HS* secret), bundle.verificationKeyId, bundle.signingAlg and
// bundle.scope become the options of the compiler's verify(). Read once at start; an
// unreadable or unfitting key stops the start with a one-line reason (never the key).
import { readFileSync } from 'node:fs';
import { parseVerificationKey, SignatureError, type BundleKey, type VerifyOptions } from '../../compiler/bundle/index.ts';
import type { LeashConfig } from '../config/index.ts';

export class VerificationKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationKeyError';
  }
}

export function verificationFromConfig(config: LeashConfig): VerifyOptions | undefined {
  const b = config.bundle;
  if (b.verificationKey === undefined) return undefined;
  const keys = [readKey('bundle.verificationKey', b.verificationKey, b.signingAlg, b.verificationKeyId)];
  // a rotation's second key: bundles signed with either key id verify
  if (b.nextVerificationKey !== undefined && b.nextVerificationKeyId !== undefined) keys.push(readKey('bundle.nextVerificationKey', b.nextVerificationKey, b.signingAlg, b.nextVerificationKeyId));
  return { keys, ...(b.scope !== undefined ? { scope: b.scope } : {}) };
}

function readKey(field: string, path: string, alg: string, keyId: string): BundleKey {
  const origin = `${field} ${path}`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new VerificationKeyError(`${origin}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parseVerificationKey(bytes, alg, keyId, origin);
  } catch (err) {
    if (err instanceof SignatureError) throw new VerificationKeyError(err.message);
    throw err;
  }
}
