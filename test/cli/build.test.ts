// `leash build` and `leash check` as users run them: two builds of policies/ give identical
// bytes (wasm included); a misspelt claim fails `leash check` with file:line:col and exit 1
// from the real command; bad paths and --dump-after behave.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { runBuild } from '../../cli/commands/build.ts';
import { runCheck } from '../../cli/commands/check.ts';
import { readBundle } from '../../compiler/index.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** runs `body` with the repository as the working directory (the commands' default paths are relative) */
async function inRoot(body: () => Promise<void>): Promise<void> {
  const cwd = process.cwd();
  process.chdir(ROOT);
  try {
    await body();
  } finally {
    process.chdir(cwd);
  }
}
const capture = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
};

describe('leash build', () => {
  it('builds policies/ twice into identical bytes, with policy.wasm', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leash-build-'));
    await inRoot(async () => {
      const a = capture();
      const b = capture();
      expect(await runBuild([], { output: path.join(dir, 'a.tar.gz') }, a.io)).toBe(0);
      expect(await runBuild(['policies'], { output: path.join(dir, 'b.tar.gz') }, b.io)).toBe(0);
      expect(a.err).toEqual([]);
      const bytesA = readFileSync(path.join(dir, 'a.tar.gz'));
      const bytesB = readFileSync(path.join(dir, 'b.tar.gz'));
      expect(bytesA.equals(bytesB)).toBe(true);
      const bundle = await readBundle(bytesA);
      expect(bundle.wasm?.length).toBeGreaterThan(1000);
      expect(bundle.modules.map((m) => m.path)).toContain('leash/policies/support_agent.rego');
      expect(bundle.data).toMatchObject({ leash: { upstreams: { stripe: { baseUrl: 'https://api.stripe.com', credential: { env: 'STRIPE_API_KEY' }, inject: { type: 'bearer' } } } } });
      expect(a.out[0]).toMatch(/^wrote .*a\.tar\.gz \(\d+ bytes, revision [0-9a-f]{12}\)$/);
    });
  });

  it('makes the output folder when it is missing, and says plainly when a file is in its way', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'leash-build-'));
    await inRoot(async () => {
      const made = capture();
      const out = path.join(dir, 'dist', 'nested', 'bundle.tar.gz');
      expect(await runBuild(['policies/support-agent.policy.ts'], { output: out, wasm: false }, made.io)).toBe(0);
      expect(existsSync(out)).toBe(true);
      writeFileSync(path.join(dir, 'file'), 'not a folder');
      const blocked = capture();
      const under = path.join(dir, 'file', 'bundle.tar.gz');
      expect(await runBuild(['policies/support-agent.policy.ts'], { output: under, wasm: false }, blocked.io)).toBe(1);
      expect(blocked.err).toEqual([`leash build: cannot write ${under}: a file is in the way of its folder`]);
    });
  });

  it('prints a stage with --dump-after and reports missing paths as diagnostics', async () => {
    await inRoot(async () => {
      const dump = capture();
      expect(await runBuild(['policies/support-agent.policy.ts'], { dumpAfter: 'print', wasm: false }, dump.io)).toBe(0);
      expect(dump.out.join('\n')).toContain('# ---- leash/policies/support_agent.rego');
      const missing = capture();
      expect(await runBuild(['no/such/dir'], {}, missing.io)).toBe(1);
      expect(missing.err).toEqual(['leash_project_error: cannot read no/such/dir: no such file or directory']);
    });
  });
});

describe('leash check', () => {
  it('fails on a misspelt claim with file:line:col (the real command, exit 1)', () => {
    const r = spawnSync(process.execPath, ['bin/leash.mjs', 'check', 'test/fixtures/dsl/claim-typo.policy.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("test/fixtures/dsl/claim-typo.policy.ts:14:70: leash_ts_error: TS2551: Property 'custmerId' does not exist");
    expect(r.stderr).toContain('leash check: 1 error');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('passes the example policies and rejects unsupported constructs', async () => {
    await inRoot(async () => {
      const ok = capture();
      expect(await runCheck([], { wasm: false }, ok.io)).toBe(0);
      expect(ok.out).toEqual(['ok: 5 Rego modules compiled']);
      const bad = capture();
      expect(await runCheck(['test/fixtures/dsl/unsupported.policy.ts'], {}, bad.io)).toBe(1);
      expect(bad.err[0]).toMatch(/^test\/fixtures\/dsl\/unsupported\.policy\.ts:21:58: leash_dsl_unsupported: /);
    });
  });
});
