// OPA bundle signatures: `.signatures.json` = {"signatures": ["<JWS compact>"]}, whose JWS
// payload lists every other file of the bundle with its hash ({"files": [{name, hash,
// algorithm}], "keyid", "scope", ...claims}). Plain functions over plain data: sign(files,
// key) gives the .signatures.json content, verify(files, keys) gives {ok} or {ok: false,
// problem} with a one-line sentence naming the file. Hashing follows OPA exactly: a
// structured file (data.json, data.yaml, .manifest) is parsed and re-encoded with sorted
// keys and no whitespace, numbers kept as written, strings escaped as Go's encoding/json
// does; every other file is hashed as its bytes. Key material never appears in a message.
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { CompactSign, compactVerify, errors as joseErrors } from 'jose';
import { parse as parseYaml } from 'yaml';
import { readBundleFiles } from './read.ts';
import { packBundleFiles } from './write.ts';

export const SIGNATURES_PATH = '.signatures.json';

/** JWS algorithms a bundle may be signed with (the issue's four, and their larger siblings). */
export const SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];
export const DEFAULT_SIGNING_ALG: SigningAlg = 'RS256';
export const DEFAULT_KEY_ID = 'default';

/** File hash algorithms accepted in a signature (OPA's names). MD5 and SHA-1 are refused as too weak. */
const HASHES: Readonly<Record<string, string>> = {
  'SHA-224': 'sha224', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512', 'SHA-512-224': 'sha512-224', 'SHA-512-256': 'sha512-256',
};

/** A file of the bundle: its path ('data.json' or '/data.json') and bytes. */
export interface BundleFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

export interface BundleKey {
  readonly alg: SigningAlg;
  /** the key id (the JWS `kid` header and the payload's `keyid`) */
  readonly keyId: string;
  /** a private (signing) or public (verification) KeyObject, or the HMAC secret */
  readonly key: KeyObject | Uint8Array;
}

export interface SignOptions {
  readonly key: BundleKey;
  /** the payload's `scope` claim (omitted when not given) */
  readonly scope?: string;
  /** extra payload claims (a claims file: iss, iat, ...); `files` is not allowed */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface VerifyOptions {
  /** the accepted keys; several during a rotation (each with its own key id) */
  readonly keys: readonly BundleKey[];
  /** the scope the signature must carry; absent = the signature must carry none */
  readonly scope?: string;
}

export type SignatureProblemCode =
  | 'unsigned' | 'malformed_signatures' | 'bad_signature' | 'wrong_key_id' | 'wrong_algorithm' | 'scope_mismatch'
  | 'unlisted_file' | 'missing_file' | 'hash_mismatch' | 'unsupported_hash' | 'malformed_file';

export type VerifyResult =
  | { readonly ok: true; readonly keyId: string; readonly alg: SigningAlg; readonly scope: string | null; readonly files: number; readonly claims: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly code: SignatureProblemCode; readonly problem: string; readonly file: string };

/** Thrown by the key loaders and sign(); its message is one line for people. */
export class SignatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SignatureError';
  }
}

const trimSlash = (p: string): string => p.replace(/^\/+/, '');
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------
// Hashing, OPA's rule

/** OPA's structured documents: hashed as canonical JSON rather than as bytes. */
export function isStructuredFile(path: string): boolean {
  const base = trimSlash(path).split('/').pop() ?? '';
  return base === 'data.json' || base === 'data.yaml' || base === '.manifest' || base === 'signatures.json';
}

/** The hex digest OPA computes for this file; throws SignatureError when a structured file does not parse. */
export function hashBundleFile(path: string, bytes: Uint8Array, algorithm = 'SHA-256'): string {
  const node = HASHES[algorithm];
  if (!node) throw new SignatureError(`${trimSlash(path)}: hash algorithm ${JSON.stringify(algorithm)} is not supported (use SHA-256)`);
  const h = createHash(node);
  if (isStructuredFile(path)) h.update(canonicalForHash(path, bytes), 'utf8');
  else h.update(bytes);
  return h.digest('hex');
}

/** The canonical text OPA hashes for a structured file. */
export function canonicalForHash(path: string, bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new SignatureError(`${trimSlash(path)}: not valid UTF-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // OPA strips a UTF-8 BOM
  try {
    return new CanonicalJson(text).document();
  } catch (err) {
    if (!(err instanceof SyntaxError) || !trimSlash(path).endsWith('.yaml')) throw new SignatureError(`${trimSlash(path)}: not valid JSON (${(err as Error).message})`);
  }
  // data.yaml: OPA converts YAML to JSON first. Leash bundles carry no YAML; best effort.
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new SignatureError(`${trimSlash(path)}: not valid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  return new CanonicalJson(JSON.stringify(value ?? null)).document();
}

/**
 * A small JSON reader that writes OPA's canonical form as it goes: objects with keys sorted
 * by their UTF-8 bytes (last duplicate wins, as in Go), no whitespace, numbers exactly as
 * written (Go's json.Number), strings re-escaped as encoding/json does without HTML escaping.
 */
class CanonicalJson {
  private i = 0;
  constructor(private readonly s: string) {}

  document(): string {
    this.ws();
    const out = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected text after the JSON value');
    return out;
  }

  private fail(msg: string): never {
    throw new SyntaxError(`${msg} at offset ${this.i}`);
  }

  private ws(): void {
    while (this.i < this.s.length) {
      const c = this.s.charCodeAt(this.i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) this.i++;
      else break;
    }
  }

  private value(): string {
    const c = this.s[this.i];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return encodeString(this.string());
    for (const word of ['true', 'false', 'null']) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return word;
      }
    }
    const m = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = this.i;
    const num = m.exec(this.s);
    if (!num || num[0] === '' || num[0] === '-') this.fail('expected a JSON value');
    this.i += num[0].length;
    return num[0];
  }

  private object(): string {
    this.i++;
    const entries = new Map<string, string>();
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return '{}';
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.s[this.i] !== ':') this.fail('expected :');
      this.i++;
      this.ws();
      entries.delete(key);
      entries.set(key, this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') break;
      if (c !== ',') this.fail('expected , or }');
    }
    const keys = [...entries.keys()].sort(compareUtf8);
    return `{${keys.map((k) => `${encodeString(k)}:${entries.get(k)!}`).join(',')}}`;
  }

  private array(): string {
    this.i++;
    const items: string[] = [];
    this.ws();
    if (this.s[this.i] === ']') {
      this.i++;
      return '[]';
    }
    for (;;) {
      this.ws();
      items.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') break;
      if (c !== ',') this.fail('expected , or ]');
    }
    return `[${items.join(',')}]`;
  }

  /** reads a string token and returns its decoded value (lone surrogates become U+FFFD, as in Go) */
  private string(): string {
    const m = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
    m.lastIndex = this.i;
    const tok = m.exec(this.s);
    if (!tok) this.fail('malformed string');
    this.i += tok[0].length;
    return (JSON.parse(tok[0]) as string).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  }
}

/** Go's encoding/json string encoding with SetEscapeHTML(false). */
function encodeString(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => (c === '\u2028' ? '\\u2028' : '\\u2029'));
}

/** Go sorts map keys by bytes: UTF-8 byte order = code point order. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

// ---------------------------------------------------------------------------------------
// Keys

function keyKindFor(alg: SigningAlg): string {
  if (alg.startsWith('HS')) return 'an HMAC secret';
  if (alg.startsWith('RS') || alg.startsWith('PS')) return 'an RSA key';
  if (alg === 'EdDSA') return 'an Ed25519 key';
  return `an EC ${alg === 'ES256' ? 'P-256' : alg === 'ES384' ? 'P-384' : 'P-521'} key`;
}

function describeKey(k: KeyObject): string {
  const t = k.asymmetricKeyType;
  if (t === 'rsa' || t === 'rsa-pss') return 'an RSA key';
  if (t === 'ec') {
    const crv = k.asymmetricKeyDetails?.namedCurve;
    return `an EC ${crv === 'prime256v1' ? 'P-256' : crv === 'secp384r1' ? 'P-384' : crv === 'secp521r1' ? 'P-521' : (crv ?? '')} key`.replace('  ', ' ');
  }
  if (t === 'ed25519') return 'an Ed25519 key';
  return `a ${t ?? 'secret'} key`;
}

function keyFits(alg: SigningAlg, k: KeyObject): boolean {
  const t = k.asymmetricKeyType;
  if (alg.startsWith('RS')) return t === 'rsa' && (k.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  if (alg.startsWith('PS')) return (t === 'rsa' || t === 'rsa-pss') && (k.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
  if (alg === 'EdDSA') return t === 'ed25519';
  const want = alg === 'ES256' ? 'prime256v1' : alg === 'ES384' ? 'secp384r1' : 'secp521r1';
  return t === 'ec' && k.asymmetricKeyDetails?.namedCurve === want;
}

export function isSigningAlg(v: string): v is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(v);
}

function checkAlg(alg: string, where: string): SigningAlg {
  if (!isSigningAlg(alg)) throw new SignatureError(`${where}: unsupported signing algorithm ${JSON.stringify(alg)} (use one of ${SIGNING_ALGS.join(', ')})`);
  return alg;
}

function hmacSecret(bytes: Uint8Array, origin: string): Uint8Array {
  // a secret file usually ends with a newline; it is not part of the secret
  let text = Buffer.from(bytes);
  if (text.at(-1) === 0x0a) text = text.subarray(0, text.at(-2) === 0x0d ? -2 : -1);
  if (text.length < 32) throw new SignatureError(`${origin}: an HMAC secret must be at least 32 bytes (this one has ${text.length})`);
  if (text.toString('latin1').startsWith('-----BEGIN')) throw new SignatureError(`${origin}: holds a PEM key, not an HMAC secret; pick the key's algorithm (RS256, ES256, EdDSA) instead of HS*`);
  return new Uint8Array(text);
}

/** A signing key from a file's bytes: a PEM private key, or for HS* the secret. `origin` names the file in errors. */
export function parseSigningKey(bytes: Uint8Array, algName: string, keyId: string, origin: string): BundleKey {
  const alg = checkAlg(algName, origin);
  if (keyId === '') throw new SignatureError(`${origin}: the key id must not be empty`);
  if (alg.startsWith('HS')) return { alg, keyId, key: hmacSecret(bytes, origin) };
  let key: KeyObject;
  const text = Buffer.from(bytes).toString('utf8');
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) throw new SignatureError(`${origin}: encrypted private keys are not supported; decrypt it (openssl pkey -in KEY -out PLAIN)`);
  if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(text)) throw new SignatureError(`${origin}: holds a public key; signing needs the private key`);
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new SignatureError(`${origin}: not a PEM private key`);
  }
  if (!keyFits(alg, key)) throw new SignatureError(`${origin}: ${alg} needs ${keyKindFor(alg)}${alg.startsWith('RS') || alg.startsWith('PS') ? ' of at least 2048 bits' : ''}; this is ${describeKey(key)} (set --signing-alg to match the key)`);
  return { alg, keyId, key };
}

/** A verification key from a file's bytes: a PEM public key (or certificate, or private key), or for HS* the secret. */
export function parseVerificationKey(bytes: Uint8Array, algName: string, keyId: string, origin: string): BundleKey {
  const alg = checkAlg(algName, origin);
  if (keyId === '') throw new SignatureError(`${origin}: the key id must not be empty`);
  if (alg.startsWith('HS')) return { alg, keyId, key: hmacSecret(bytes, origin) };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(bytes).toString('utf8'), format: 'pem' });
  } catch {
    throw new SignatureError(`${origin}: not a PEM public key or certificate${alg === 'RS256' ? ' (for an HMAC secret, set --signing-alg HS256)' : ''}`);
  }
  if (!keyFits(alg, key)) throw new SignatureError(`${origin}: ${alg} needs ${keyKindFor(alg)}${alg.startsWith('RS') || alg.startsWith('PS') ? ' of at least 2048 bits' : ''}; this is ${describeKey(key)} (set --signing-alg to match the key)`);
  return { alg, keyId, key };
}

// ---------------------------------------------------------------------------------------
// Sign

function sortedFiles(files: readonly BundleFile[]): BundleFile[] {
  const seen = new Set<string>();
  const out: BundleFile[] = [];
  for (const f of files) {
    const name = trimSlash(f.path);
    if (name === SIGNATURES_PATH) continue;
    if (seen.has(name)) throw new SignatureError(`${name}: appears twice in the bundle`);
    seen.add(name);
    out.push({ path: name, bytes: f.bytes });
  }
  return out.sort((a, b) => compareUtf8(a.path, b.path));
}

/**
 * The .signatures.json content for these files (any existing .signatures.json is left out
 * and replaced). Deterministic for RS*, EdDSA and HS*: the same files and key give the
 * same bytes (ES* and PS* signatures are randomised by design). No `iat` unless the
 * claims carry one, so a build stays reproducible.
 */
export async function sign(files: readonly BundleFile[], options: SignOptions): Promise<string> {
  const claims = options.claims ?? {};
  if ('files' in claims) throw new SignatureError('claims: must not set "files" (the signature lists the bundle\'s files itself)');
  const list = sortedFiles(files).map((f) => ({ name: f.path, hash: hashBundleFile(f.path, f.bytes), algorithm: 'SHA-256' }));
  const payload: Record<string, unknown> = { ...claims, files: list, keyid: options.key.keyId };
  if (options.scope !== undefined) payload['scope'] = options.scope;
  const sorted = Object.fromEntries(Object.keys(payload).sort().map((k) => [k, payload[k]]));
  let jws: string;
  try {
    jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(sorted)))
      .setProtectedHeader({ alg: options.key.alg, kid: options.key.keyId })
      .sign(options.key.key);
  } catch (err) {
    throw new SignatureError(`cannot sign with key ${JSON.stringify(options.key.keyId)} (${options.key.alg}): ${(err as Error).message}`);
  }
  return `${JSON.stringify({ signatures: [jws] })}\n`;
}

// ---------------------------------------------------------------------------------------
// Verify

const problem = (code: SignatureProblemCode, file: string, text: string): VerifyResult => ({ ok: false, code, file, problem: `${file}: ${text}` });

function decodeJsonPart(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Checks a bundle's files against its .signatures.json: exactly one JWS, signed by an
 * accepted key (its kid names the key; its alg must be that key's), the configured scope,
 * then every other file listed with a matching hash and every listed file present.
 * The first problem found is returned; nothing is trusted before the signature checks.
 */
export async function verify(files: readonly BundleFile[], options: VerifyOptions): Promise<VerifyResult> {
  const S = SIGNATURES_PATH;
  if (options.keys.length === 0) return problem('bad_signature', S, 'no verification key configured');
  const sigFile = files.find((f) => trimSlash(f.path) === S);
  if (!sigFile) return problem('unsigned', S, 'missing: the bundle is not signed');

  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(sigFile.bytes).toString('utf8'));
  } catch {
    return problem('malformed_signatures', S, 'not valid JSON');
  }
  if (!isRecord(doc) || !Array.isArray(doc['signatures'])) return problem('malformed_signatures', S, 'expected {"signatures": ["<JWS>"]}');
  if (doc['plugin'] !== undefined) return problem('malformed_signatures', S, `names signing plugin ${JSON.stringify(doc['plugin'])}; Leash verifies the default format only`);
  const sigs = doc['signatures'] as unknown[];
  if (sigs.length === 0) return problem('malformed_signatures', S, 'missing JWT (expected exactly one)');
  if (sigs.length > 1) return problem('malformed_signatures', S, 'multiple JWTs not supported (expected exactly one)');
  const token = sigs[0];
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || parts[0] === '' || parts[2] === '') {
    return problem('malformed_signatures', S, 'the signature is not a JWS in compact form');
  }
  const header = decodeJsonPart(parts[0]!);
  const unverified = decodeJsonPart(parts[1]!);
  if (!isRecord(header) || typeof header['alg'] !== 'string') return problem('malformed_signatures', S, 'the JWS header is not a JSON object with an alg');
  if (!isRecord(unverified)) return problem('malformed_signatures', S, 'the JWS payload is not a JSON object');

  // Which key: the header's kid, else the payload's (deprecated) keyid, else the only key.
  const named = typeof header['kid'] === 'string' ? header['kid'] : typeof unverified['keyid'] === 'string' ? unverified['keyid'] : undefined;
  const key = named !== undefined ? options.keys.find((k) => k.keyId === named) : options.keys.length === 1 ? options.keys[0] : undefined;
  const ids = options.keys.map((k) => JSON.stringify(k.keyId)).join(', ');
  if (!key) {
    return named !== undefined
      ? problem('wrong_key_id', S, `signed with key id ${JSON.stringify(named)}, but the verification key id is ${ids}`)
      : problem('wrong_key_id', S, `the signature names no key id and several keys are configured (${ids})`);
  }
  if (header['alg'] !== key.alg) {
    return problem('wrong_algorithm', S, `signed with ${header['alg'] === 'none' ? 'alg none (unsigned)' : JSON.stringify(header['alg'])}, but key ${JSON.stringify(key.keyId)} verifies ${key.alg}`);
  }
  let payload: unknown;
  try {
    const verified = await compactVerify(token as string, key.key, { algorithms: [key.alg] });
    payload = JSON.parse(new TextDecoder().decode(verified.payload));
  } catch (err) {
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) {
      return problem('bad_signature', S, `the signature does not verify with key ${JSON.stringify(key.keyId)} (${key.alg}): signed with another key, or altered`);
    }
    return problem('bad_signature', S, `the signature cannot be checked with key ${JSON.stringify(key.keyId)} (${key.alg}): ${(err as Error).message}`);
  }
  if (!isRecord(payload)) return problem('malformed_signatures', S, 'the JWS payload is not a JSON object');

  const scope = typeof payload['scope'] === 'string' ? payload['scope'] : payload['scope'] === undefined ? '' : null;
  const want = options.scope ?? '';
  if (scope !== want) {
    const shown = (s: string | null) => (s === null ? 'a non-string scope' : s === '' ? 'no scope' : `scope ${JSON.stringify(s)}`);
    return problem('scope_mismatch', S, `scope mismatch: the signature has ${shown(scope)}, expected ${shown(want)}`);
  }

  if (!Array.isArray(payload['files'])) return problem('malformed_signatures', S, 'the JWS payload has no "files" list');
  const listed = new Map<string, { hash: string; algorithm: string }>();
  for (const entry of payload['files'] as unknown[]) {
    if (!isRecord(entry) || typeof entry['name'] !== 'string' || typeof entry['hash'] !== 'string' || typeof entry['algorithm'] !== 'string') {
      return problem('malformed_signatures', S, 'a "files" entry is not {"name", "hash", "algorithm"} strings');
    }
    const name = trimSlash(entry['name']);
    if (listed.has(name)) return problem('malformed_signatures', S, `lists ${name} twice`);
    listed.set(name, { hash: entry['hash'].toLowerCase(), algorithm: entry['algorithm'] });
  }

  let count = 0;
  for (const f of [...files].sort((a, b) => compareUtf8(trimSlash(a.path), trimSlash(b.path)))) {
    const name = trimSlash(f.path);
    if (name === S) continue;
    const entry = listed.get(name);
    if (!entry) return problem('unlisted_file', name, 'not included in the bundle signature');
    if (!HASHES[entry.algorithm]) return problem('unsupported_hash', name, `hash algorithm ${JSON.stringify(entry.algorithm)} is not accepted (SHA-224/256/384/512)`);
    let actual: string;
    try {
      actual = hashBundleFile(name, f.bytes, entry.algorithm);
    } catch (err) {
      return problem('malformed_file', name, (err as Error).message.replace(`${name}: `, ''));
    }
    if (actual !== entry.hash) return problem('hash_mismatch', name, `digest mismatch: signed ${entry.algorithm} ${entry.hash.slice(0, 16)}…, the bundle has ${actual.slice(0, 16)}… (changed after signing)`);
    listed.delete(name);
    count++;
  }
  if (listed.size > 0) {
    const missing = [...listed.keys()].sort(compareUtf8);
    return problem('missing_file', missing[0]!, `listed in the bundle signature but not in the bundle${missing.length > 1 ? ` (nor ${missing.slice(1).join(', ')})` : ''}`);
  }
  const { files: _files, ...claims } = payload;
  return { ok: true, keyId: key.keyId, alg: key.alg, scope: scope === '' ? null : scope, files: count, claims };
}

// ---------------------------------------------------------------------------------------
// Whole archives

/** The files of a bundle archive as BundleFiles (via the reader's safety checks). */
export async function archiveFiles(bytes: Uint8Array): Promise<BundleFile[]> {
  return [...(await readBundleFiles(bytes))].map(([path, b]) => ({ path, bytes: b }));
}

/** Signs a bundle archive: the same files plus .signatures.json (replacing any), repacked reproducibly. */
export async function signBundle(bytes: Uint8Array, options: SignOptions): Promise<Uint8Array> {
  const files = (await archiveFiles(bytes)).filter((f) => trimSlash(f.path) !== SIGNATURES_PATH);
  const signatures = await sign(files, options);
  const manifest = files.filter((f) => trimSlash(f.path) === '.manifest');
  const rest = files.filter((f) => trimSlash(f.path) !== '.manifest').sort((a, b) => compareUtf8(a.path, b.path));
  return packBundleFiles([...manifest, { path: `/${SIGNATURES_PATH}`, bytes: Buffer.from(signatures) }, ...rest]);
}

/** Verifies a bundle archive's signature. */
export async function verifyBundle(bytes: Uint8Array, options: VerifyOptions): Promise<VerifyResult> {
  return verify(await archiveFiles(bytes), options);
}

/** One line for a successful verification: "verified (keyid K, scope S, N files, RS256)". */
export function verifiedSummary(r: Extract<VerifyResult, { ok: true }>): string {
  return `verified (keyid ${r.keyId}, scope ${r.scope ?? '(none)'}, ${r.files} files, ${r.alg})`;
}
