// `leash serve --dev` (and `npm start`): the embedded default. Builds the example policies
// into `.leash/bundle.tar.gz`, creates the development signing key and JWKS once, points the
// configuration at them, and prepares a ready-to-paste curl with a fresh support-agent token.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { formatDiagnostics, hasErrors } from '../compiler/index.ts';
import type { ConfigInput } from './config/index.ts';
import { DEV_AUDIENCE, DEV_DIR, DEV_ISSUER, ensureDevKeys, mintToken, type DevKeys } from './identity/index.ts';

export { DEV_DIR };

export interface DevSetup {
  readonly keys: DevKeys;
  readonly bundlePath: string;
  readonly auditPath: string;
  /** the admin token the console signs in with when none is configured (kept in .leash/admin-token) */
  readonly adminToken: string;
  readonly adminTokenPath: string;
  /** configuration the dev mode sets (flags given by the user still win) */
  readonly flags: ConfigInput;
}

export async function prepareDev(options: { dir?: string; policies?: string; bundle?: string } = {}): Promise<DevSetup> {
  const dir = options.dir ?? DEV_DIR;
  const keys = await ensureDevKeys(dir);
  const bundlePath = options.bundle ?? join(dir, 'bundle.tar.gz');
  if (!options.bundle) {
    process.stderr.write(`building ${options.policies ?? 'policies'}/ into ${bundlePath} ...\n`);
    await buildExampleBundle(options.policies ?? 'policies', bundlePath);
  }
  const adminTokenPath = join(dir, 'admin-token');
  return {
    keys,
    bundlePath,
    auditPath: join(dir, 'audit.jsonl'),
    adminToken: ensureAdminToken(adminTokenPath),
    adminTokenPath,
    flags: {
      server: { dev: true },
      console: { enabled: true },
      bundle: { path: bundlePath },
      identity: { jwks: keys.jwksPath, issuer: [DEV_ISSUER], audience: [DEV_AUDIENCE] },
    },
  };
}

/** The dev admin token: made once, readable by the owner only, never printed. */
function ensureAdminToken(path: string): string {
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (token.length >= 16) return token;
  }
  mkdirSync(dirname(path), { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Compiles the policies folder into a bundle file; throws an Error listing diagnostics. */
export async function buildExampleBundle(policies: string, out: string): Promise<void> {
  // The compiler (ts-morph, binaryen) loads only when --dev needs it.
  const { compile } = await import('../compiler/pipeline.ts');
  const result = await compile([policies]);
  if (hasErrors(result.diagnostics) || !result.bundle) {
    throw new Error(`the policies in ${policies} do not build:\n${formatDiagnostics(result.diagnostics)}`);
  }
  // Write then rename, so a server watching the file never reads half a bundle.
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, result.bundle);
  renameSync(tmp, out);
}

/** The support-agent scenario token and the curl commands that try it. */
export async function devCurl(keys: DevKeys, baseUrl: string): Promise<string> {
  const token = await mintToken(keys, {
    sub: 'support-bot',
    sid: `s-${randomBytes(4).toString('hex')}`,
    ttlSeconds: 3600,
    claims: { role: 'support', client_id: 'key-17', task: { ticketId: 'T-4891', customerId: 'C-771' } },
  });
  const decide = (path: string, method = 'GET') =>
    `curl -s ${baseUrl}/decide -H 'content-type: application/json' \\\n  -d '{"method":"${method}","path":"${path}","token":"'"$TOKEN"'"}'`;
  return [
    `TOKEN='${token}'`,
    '',
    '# allowed: a record of the customer in the task scope',
    decide('/customers/C-771/records/42'),
    '# denied: another customer',
    decide('/customers/C-332/records/7'),
    '# writable: the assigned ticket',
    decide('/tickets/T-4891', 'PATCH'),
    '# forward auth (nginx auth_request, Caddy forward_auth, Traefik ForwardAuth)',
    `curl -si ${baseUrl}/authz -H "authorization: Bearer $TOKEN" -H 'x-forwarded-method: PATCH' -H 'x-forwarded-uri: /tickets/T-4891'`,
  ].join('\n');
}
