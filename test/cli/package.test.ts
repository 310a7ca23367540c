// The installable CLI: `npm pack` makes a tarball that ships what `leash` needs at run time
// (the built wasm runtime included, no tests or examples); installed as a dev dependency of
// a fresh project (a CommonJS one, as `npm init -y` makes), `leash init` scaffolds policies
// there that `leash check`, `leash test` and `tsc` accept; and the installed binary, run by
// its absolute path, tests a policy in a folder outside any project (no package.json, no
// node_modules: `import ... from 'leash'` resolves through bin/resolve-leash.mjs).
//
// Installs from the npm cache (`--offline`; `--prefer-offline` when the cache lacks the
// registry metadata, as on a fresh machine where only `npm ci` has run). About 30-45 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Ran { readonly code: number | null; readonly out: string; readonly err: string; readonly ms: number }

/** The environment without npm's script variables (npm_config_*, npm_package_*, ...), which
 *  under `npm test` would point npm at this repository instead of the temp project. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|VITEST)/.test(k)) env[k] = v;
  return env;
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<Ran> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - started }));
  });
}

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
let work: string;
beforeAll(() => { work = mkdtempSync(join(tmpdir(), 'leash-package-')); });
afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

describe('the npm package', () => {
  it('installs from its tarball; the installed leash inits, checks and tests policies in the project and outside any', async () => {
    const timings: string[] = [];
    // 1. pack (the wasm runtime is built: vitest's global setup saw to it)
    const packed = await run(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT);
    expect(packed.err + packed.out, 'npm pack').not.toBe('');
    expect(packed.code, packed.err).toBe(0);
    timings.push(`pack ${packed.ms} ms`);
    const [info] = JSON.parse(packed.out) as { filename: string; files: { path: string }[] }[];
    const files = info!.files.map((f) => f.path);
    for (const f of ['bin/leash.mjs', 'bin/register.mjs', 'bin/resolve-leash.mjs', 'cli/index.ts', 'cli/commands/init.ts',
      'compiler/dsl/index.ts', 'compiler/wasm/runtime/build/runtime.wasm', 'server/server.ts', 'package.json', 'README.md']) {
      expect(files, f).toContain(f);
    }
    expect(files.filter((f) => /^(test|policies|bench|docs|\.ci)\//.test(f))).toEqual([]);
    const tarball = join(work, info!.filename);

    // 2. a fresh project, as `npm init -y` makes it, with leash installed as a dev dependency
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'policy-project', version: '1.0.0', type: 'commonjs' }, null, 2)}\n`);
    const flags = ['--no-audit', '--no-fund', '--save-dev'];
    let installed = await run(npm, ['install', '--offline', ...flags, tarball], project);
    if (installed.code !== 0 && /ENOTCACHED/.test(installed.err)) {
      installed = await run(npm, ['install', '--prefer-offline', ...flags, tarball], project);
    }
    expect(installed.code, installed.err).toBe(0);
    timings.push(`install ${installed.ms} ms`);
    const leash = join(project, 'node_modules', '.bin', 'leash');
    expect(existsSync(leash)).toBe(true);
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).devDependencies.leash).toMatch(/^file:/);

    // 3. leash init there, then check, test and tsc; and a policy outside any project
    const init = await run(leash, ['init'], project);
    expect(init.code, init.err).toBe(0);
    timings.push(`init ${init.ms} ms`);
    expect(JSON.parse(readFileSync(join(project, 'policies', 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    const outside = join(work, 'outside');
    mkdirSync(outside);
    for (const f of ['orders-agent.policy.ts', 'orders-agent.policy.test.ts']) copyFileSync(join(project, 'policies', f), join(outside, f));

    const [tested, checked, typed, alone] = await Promise.all([
      run(leash, ['test', 'policies'], project),
      run(leash, ['check', 'policies'], project),
      run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(project, 'tsconfig.json')], project),
      run(leash, ['test', '.'], outside),
    ]);
    timings.push(`test ${tested.ms} ms, check ${checked.ms} ms, tsc ${typed.ms} ms, outside ${alone.ms} ms (in parallel)`);
    expect(tested.code, tested.err + tested.out).toBe(0);
    expect(tested.out).toMatch(/^6 passed, 0 failed \(1 test file\)$/m);
    expect(checked.code, checked.err).toBe(0);
    expect(checked.out.trim()).toBe('ok: 2 Rego modules and policy.wasm compiled');
    expect(typed.code, typed.out + typed.err).toBe(0);
    expect(alone.code, alone.err + alone.out).toBe(0);
    expect(alone.out).toMatch(/^6 passed, 0 failed \(1 test file\)$/m);
    console.info(`package test: ${timings.join('; ')}`);
  }, 300_000);
});
