// `leash sign BUNDLE --signing-key KEY [-o OUT]` signs an existing bundle (OPA's
// .signatures.json); `leash verify BUNDLE --verification-key KEY` checks one and exits 0
// with a one-line "verified" summary or 1 with the problem, naming the file. The key
// helpers here are shared with `leash build` and `leash inspect`.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  DEFAULT_KEY_ID, DEFAULT_SIGNING_ALG, parseSigningKey, parseVerificationKey, SignatureError, signBundle, verifiedSummary, verifyBundle,
  type SignOptions, type VerifyOptions,
} from '../../compiler/bundle/index.ts';
import { guarded, type CommandIo } from './build.ts';

export interface SigningFlags {
  readonly signingKey?: string;
  readonly signingAlg?: string;
  readonly signingKeyId?: string;
  readonly claimsFile?: string;
  readonly scope?: string;
}

export interface VerificationFlags {
  readonly verificationKey?: string;
  readonly verificationKeyId?: string;
  readonly signingAlg?: string;
  readonly scope?: string;
}

function readKeyFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new SignatureError(`${flag} ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The sign() options from the flags; throws SignatureError with a one-line message. */
export function signingOptions(flags: SigningFlags & { signingKey: string }): SignOptions {
  const key = parseSigningKey(readKeyFile(flags.signingKey, '--signing-key'), flags.signingAlg ?? DEFAULT_SIGNING_ALG, flags.signingKeyId ?? DEFAULT_KEY_ID, `--signing-key ${flags.signingKey}`);
  let claims: Record<string, unknown> | undefined;
  if (flags.claimsFile !== undefined) {
    let parsed: unknown;
    let text: string;
    try {
      text = readFileSync(flags.claimsFile, 'utf8');
    } catch (err) {
      throw new SignatureError(`--claims-file ${flags.claimsFile}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SignatureError(`--claims-file ${flags.claimsFile}: not valid JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new SignatureError(`--claims-file ${flags.claimsFile}: must hold a JSON object of claims`);
    claims = parsed as Record<string, unknown>;
    if ('files' in claims) throw new SignatureError(`--claims-file ${flags.claimsFile}: must not set "files" (the signature lists the bundle's files itself)`);
    if ('keyid' in claims && claims['keyid'] !== key.keyId) throw new SignatureError(`--claims-file ${flags.claimsFile}: its keyid ${JSON.stringify(claims['keyid'])} differs from --signing-key-id ${JSON.stringify(key.keyId)}`);
    if ('scope' in claims && typeof claims['scope'] !== 'string') throw new SignatureError(`--claims-file ${flags.claimsFile}: scope must be a string`);
  }
  const scope = flags.scope ?? (typeof claims?.['scope'] === 'string' ? claims['scope'] : undefined);
  return { key, ...(scope !== undefined ? { scope } : {}), ...(claims ? { claims } : {}) };
}

/** The verify() options from the flags; throws SignatureError with a one-line message. */
export function verificationOptions(flags: VerificationFlags & { verificationKey: string }): VerifyOptions {
  const key = parseVerificationKey(readKeyFile(flags.verificationKey, '--verification-key'), flags.signingAlg ?? DEFAULT_SIGNING_ALG, flags.verificationKeyId ?? DEFAULT_KEY_ID, `--verification-key ${flags.verificationKey}`);
  return { keys: [key], ...(flags.scope !== undefined ? { scope: flags.scope } : {}) };
}

function readBundleFile(path: string, command: string, io: CommandIo): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    io.err(`leash ${command}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

/** Writes through a temporary file and a rename, so a watcher never sees half a bundle. */
export function writeAtomically(path: string, bytes: Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

export interface SignCommandOptions extends SigningFlags {
  readonly output?: string;
}

export async function runSign(file: string, opts: SignCommandOptions, io: CommandIo): Promise<number> {
  if (!opts.signingKey) {
    io.err('leash sign: --signing-key is required');
    return 1;
  }
  let options: SignOptions;
  try {
    options = signingOptions({ ...opts, signingKey: opts.signingKey });
  } catch (err) {
    if (err instanceof SignatureError) {
      io.err(`leash sign: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const bytes = readBundleFile(file, 'sign', io);
  if (!bytes) return 1;
  const signed = await signBundle(bytes, options);
  const out = opts.output ?? file;
  try {
    writeAtomically(out, signed);
  } catch (err) {
    io.err(`leash sign: cannot write ${out} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return 1;
  }
  io.out(`signed ${out} (keyid ${options.key.keyId}, ${options.key.alg}${options.scope !== undefined ? `, scope ${options.scope}` : ''})`);
  return 0;
}

export async function runVerify(file: string, opts: VerificationFlags, io: CommandIo): Promise<number> {
  if (!opts.verificationKey) {
    io.err('leash verify: --verification-key is required');
    return 1;
  }
  let options: VerifyOptions;
  try {
    options = verificationOptions({ ...opts, verificationKey: opts.verificationKey });
  } catch (err) {
    if (err instanceof SignatureError) {
      io.err(`leash verify: ${err.message}`);
      return 1;
    }
    throw err;
  }
  const bytes = readBundleFile(file, 'verify', io);
  if (!bytes) return 1;
  const result = await verifyBundle(bytes, options);
  if (!result.ok) {
    io.err(`leash verify: ${file}: ${result.problem}`);
    return 1;
  }
  io.out(`${file}: ${verifiedSummary(result)}`);
  return 0;
}

const ALG_HELP = 'RS256 (default), ES256, EdDSA, HS256 (also RS384/512, PS256/384/512, ES384/512, HS384/512)';

export function registerSignCommands(program: Command): void {
  program
    .command('sign')
    .description('sign an existing bundle: add an OPA .signatures.json listing every file and its hash')
    .argument('<bundle>', 'a bundle .tar.gz')
    .option('--signing-key <file>', 'PEM private key (for HS256: a file holding the secret)')
    .option('--signing-alg <alg>', ALG_HELP)
    .option('--signing-key-id <id>', `key id for the JWS kid and the payload keyid (default "${DEFAULT_KEY_ID}")`)
    .option('--claims-file <file>', 'JSON object of extra payload claims (iss, iat, ...)')
    .option('--scope <scope>', 'the payload scope claim')
    .option('-o, --output <file>', 'where to write the signed bundle (default: in place)')
    .action(async (file: string, opts: SignCommandOptions) => {
      process.exitCode = await guarded('sign', () => runSign(file, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
  program
    .command('verify')
    .description('verify a bundle\'s .signatures.json: exit 0 when it verifies, 1 with the problem otherwise')
    .argument('<bundle>', 'a bundle .tar.gz')
    .option('--verification-key <file>', 'PEM public key or certificate (for HS256: a file holding the secret)')
    .option('--verification-key-id <id>', `the key's id (default "${DEFAULT_KEY_ID}")`)
    .option('--signing-alg <alg>', `the algorithm the key verifies: ${ALG_HELP}`)
    .option('--scope <scope>', 'the scope the signature must carry (default: none)')
    .action(async (file: string, opts: VerificationFlags) => {
      process.exitCode = await guarded('verify', () => runVerify(file, opts, { out: (t) => console.log(t), err: (t) => console.error(t) }));
    });
}
