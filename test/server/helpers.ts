// Shared fixtures for the server tests: real Ed25519/ES256 keys and a JWKS file in a temp
// folder, a token signer, a captured log stream, and a real app listening on loopback.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload, type CryptoKey } from 'jose';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../../server/app.ts';
import { loadConfig, type ConfigInput } from '../../server/config/index.ts';
import type { DecisionObserver, DecisionRecord } from '../../server/contracts.ts';

export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'leash-test';

export interface TestKeys {
  readonly dir: string;
  readonly jwksPath: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly kid: string;
  sign(claims: JWTPayload, opts?: SignOpts): Promise<string>;
}

export interface SignOpts {
  readonly kid?: string;
  readonly key?: CryptoKey;
  readonly iss?: string | null;
  readonly aud?: string | null;
  readonly ttlSeconds?: number;
  readonly iat?: number;
  readonly nbf?: number;
}

export async function makeKeys(): Promise<TestKeys> {
  const dir = mkdtempSync(join(tmpdir(), 'leash-srv-'));
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const kid = 'test-key-1';
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const jwksPath = join(dir, 'jwks.json');
  writeFileSync(jwksPath, JSON.stringify({ keys: [publicJwk] }));
  return {
    dir,
    jwksPath,
    privateKey,
    publicJwk,
    kid,
    async sign(claims, opts = {}) {
      const now = Math.floor(Date.now() / 1000);
      const iat = opts.iat ?? now;
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'EdDSA', kid: opts.kid ?? kid, typ: 'JWT' }).setIssuedAt(iat);
      if (opts.iss !== null) jwt.setIssuer(opts.iss ?? ISSUER);
      if (opts.aud !== null) jwt.setAudience(opts.aud ?? AUDIENCE);
      jwt.setExpirationTime(iat + (opts.ttlSeconds ?? 600));
      if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
      return jwt.sign(opts.key ?? privateKey);
    },
  };
}

/** The support agent's claims for the documented scenario. */
export function supportClaims(extra: JWTPayload = {}): JWTPayload {
  return { sub: 'support-bot', sid: `s-${Math.random().toString(36).slice(2, 10)}`, role: 'support', client_id: 'key-17', task: { ticketId: 'T-4891', customerId: 'C-771' }, ...extra };
}

/** Everything written to the log, as raw text and parsed lines. */
export class LogCapture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
  lines(): Record<string, unknown>[] {
    return this.text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** Records decisions; a test double for the audit observer (never quarantines). */
export class RecordingObserver implements DecisionObserver {
  readonly records: DecisionRecord[] = [];
  readonly quarantined = new Set<string>();
  record(r: DecisionRecord): void {
    this.records.push(r);
  }
  isQuarantined(session: string): boolean {
    return this.quarantined.has(session);
  }
  async close(): Promise<void> {}
}

export interface Running {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly logs: LogCapture;
  readonly observer: RecordingObserver;
  close(): Promise<void>;
}

export async function startServer(keys: TestKeys, flags: ConfigInput, deps: AppDeps = {}): Promise<Running> {
  const config = loadConfig({
    env: {},
    flags: {
      ...flags,
      // debug: request lines are logged too, so the redaction tests see every URL
      server: { logLevel: 'debug', ...(flags.server ?? {}) },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE], ...(flags.identity ?? {}) },
    },
  });
  const logs = new LogCapture();
  const observer = new RecordingObserver();
  const app = await buildApp(config, { observer, logStream: logs, ...deps });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, logs, observer, close: () => app.close() };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

/** Compiles Rego with Leash's own Rego → wasm compiler (no opa binary). */
export async function compileRego(source: string): Promise<Uint8Array> {
  const { parseModule } = await import('../../compiler/rego/index.ts');
  const { compileWasm } = await import('../../compiler/wasm/index.ts');
  const parsed = parseModule(source, 'fixture.rego');
  if (!parsed.module) throw new Error(`fixture Rego does not parse: ${JSON.stringify(parsed.diagnostics)}`);
  const compiled = compileWasm([parsed.module], ['leash/decision']);
  if (!compiled.wasm) throw new Error(`fixture Rego does not compile: ${JSON.stringify(compiled.diagnostics)}`);
  return compiled.wasm;
}

/**
 * Writes a real OPA bundle (.tar.gz: manifest, data.json, the Rego, policy.wasm) with the
 * compiler's bundle writer, atomically (write, then rename); returns its manifest revision.
 */
export async function writeRegoBundle(path: string, rego: string, wasm: Uint8Array, data: unknown): Promise<string> {
  const { writeBundle, readBundle } = await import('../../compiler/bundle/index.ts');
  const { renameSync } = await import('node:fs');
  const bytes = await writeBundle({ modules: [{ path: 'leash/fixture.rego', source: rego }], data, roots: ['leash'], wasm });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return (await readBundle(bytes)).manifest!.revision;
}

/**
 * Compiles policy sources with the real pipeline and writes the bundle to a fresh temporary
 * file; returns its path and the compile diagnostics (warnings included when asked).
 */
export async function buildBundleFile(paths: readonly string[] = ['policies'], options: { warnings?: boolean } = {}): Promise<{ path: string; diagnostics: string }> {
  const { compile } = await import('../../compiler/pipeline.ts');
  const { formatDiagnostics } = await import('../../compiler/index.ts');
  const built = await compile([...paths], options.warnings ? { warnings: true } : {});
  if (!built.bundle) throw new Error(`${paths.join(', ')} do not build:\n${formatDiagnostics(built.diagnostics)}`);
  const path = join(mkdtempSync(join(tmpdir(), 'leash-bundle-')), 'bundle.tar.gz');
  writeFileSync(path, built.bundle);
  return { path, diagnostics: formatDiagnostics(built.diagnostics) };
}
