// The `leash serve` and `leash token mint` commands as a user runs them (child processes of
// bin/leash.mjs): minted tokens verify against the dev JWKS, bad flags exit 1 naming the
// field, and `serve --dev` (what `npm start` runs) builds the examples, listens, prints a
// curl whose token the server accepts for the support-agent scenario, and stops on SIGTERM.
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { postJson } from './helpers.ts';
import { runMint } from '../../cli/commands/token.ts';

// Each spawn starts node + tsx from cold; on a busy 2-core machine that can take a while.
const SPAWN_MS = 150_000;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin/leash.mjs');

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Resolves with everything printed once `pattern` appears on stdout. */
function waitFor(child: ChildProcess, pattern: RegExp, limitMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${limitMs} ms; stdout: ${out}; stderr: ${err}`)), limitMs);
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (pattern.test(out)) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} early; stdout: ${out}; stderr: ${err}`)));
  });
}

describe('leash token mint', () => {
  it('prints a token signed by the development key, with the claims asked for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leash-cli-'));
    const res = await run(['token', 'mint', '--sub', 'support-bot', '--sid', 's-42', '--claims', '{"role":"support","task":{"ticketId":"T-4891"}}', '--ttl', '2m', '--dir', dir]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const jwks = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8'));
    const { payload, protectedHeader } = await jwtVerify(res.stdout.trim(), createLocalJWKSet(jwks), { issuer: 'leash-dev', audience: 'leash' });
    expect(protectedHeader.alg).toBe('EdDSA');
    expect(payload).toMatchObject({ sub: 'support-bot', sid: 's-42', role: 'support', task: { ticketId: 'T-4891' } });
    expect(payload.exp! - payload.iat!).toBe(120);
    // the key is made once and reused
    const again = await runMint({ sub: 'b', sid: 's', ttl: '1m', dir });
    await expect(jwtVerify(again.ok ? again.token : '', createLocalJWKSet(jwks))).resolves.toBeTruthy();
  }, SPAWN_MS);

  it('rejects bad flags with a sentence naming the flag', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leash-cli-'));
    expect(await runMint({ sub: 'a', sid: 's', claims: '{nope', ttl: '10m', dir })).toEqual({ ok: false, error: '--claims: not valid JSON' });
    expect(await runMint({ sub: 'a', sid: 's', claims: '[1]', ttl: '10m', dir })).toEqual({ ok: false, error: '--claims: must be a JSON object' });
    expect(await runMint({ sub: 'a', sid: 's', ttl: '5x', dir })).toEqual({ ok: false, error: '--ttl: expected a duration such as 90s, 10m, 2h or 1d (got "5x")' });
  });
});

describe('leash serve', () => {
  it('exits 1 naming the bad setting and where its value came from', async () => {
    const res = await run(['serve', '--port', 'eighty', '--bundle', 'x.tar.gz', '--jwks', 'j.json', '--audience', 'a'], { LEASH_ISSUER: 'i', LEASH_CLOCK_TOLERANCE: '9999' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('server.port: must be an integer in plain decimal digits');
    expect(res.stderr).toContain('(got "eighty" from flag --port)');
    expect(res.stderr).toContain('identity.clockToleranceSeconds: must be between 0 and 300 (got "9999" from environment variable LEASH_CLOCK_TOLERANCE)');
  }, SPAWN_MS);

  it('--dev builds the examples, serves them, and prints a curl whose token works', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--dev', '--port', '0', '--log-level', 'warn'], { cwd: ROOT, env: { ...process.env, LEASH_AUDIT_FILE: join(mkdtempSync(join(tmpdir(), 'leash-cli-')), 'audit.jsonl') } });
    try {
      const out = await waitFor(child, /x-forwarded-uri: \/tickets\/T-4891'\n/, 2 * SPAWN_MS);
      const token = /^TOKEN='([^']+)'$/m.exec(out)![1]!;
      const url = /curl -s (http:\/\/127\.0\.0\.1:\d+)\/decide/.exec(out)![1]!;
      const ok = await postJson(`${url}/decide`, { method: 'GET', path: '/customers/C-771/records/42', token });
      expect(ok.body).toMatchObject({ allow: true, status: 200, agent: { id: 'support-bot', task: { ticketId: 'T-4891', customerId: 'C-771' } } });
      const denied = await postJson(`${url}/decide`, { method: 'GET', path: '/customers/C-332/records/7', token });
      expect(denied.body).toMatchObject({ allow: false, status: 403, reasons: ['task scope is customer C-771, request is for C-332'] });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 3 * SPAWN_MS);
});
