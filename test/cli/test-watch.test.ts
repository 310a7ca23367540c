// `leash test --watch`: runs once, then again in a fresh process when a file changes, so an
// edited test file is seen with its new contents; stops on SIGTERM.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const testFile = (expectAllow: boolean): string => `import { policyTests } from 'leash';
import refunds from './refund-agent.policy.ts';
const claims = { role: 'refunds', client_id: 'key-5', task: { customerId: 'C-771' } } as const;
export default policyTests(refunds, [
  { name: 'a small refund', claims, request: { method: 'POST', path: '/customers/C-771/refunds', body: { amount: 10 } }, expect: { allow: ${expectAllow} } },
]);
`;

let child: ChildProcess | undefined;
let dir: string | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function waitFor(output: () => string, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const tick = setInterval(() => {
      if (pattern.test(output())) { clearInterval(tick); done(); }
      else if (Date.now() - started > ms) { clearInterval(tick); fail(new Error(`no ${pattern} in:\n${output()}`)); }
    }, 50);
  });
}

describe('leash test --watch', () => {
  it('runs again with the new contents when a test file changes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'leash-watch-'));
    copyFileSync(join(ROOT, 'test/fixtures/refunds/refund-agent.policy.ts'), join(dir, 'refund-agent.policy.ts'));
    writeFileSync(join(dir, 'refund-agent.policy.test.ts'), testFile(true));
    let out = '';
    child = spawn(process.execPath, ['bin/leash.mjs', 'test', dir, '--watch'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (b) => { out += String(b); });
    child.stderr!.on('data', (b) => { out += String(b); });
    await waitFor(() => out, /1 passed, 0 failed[\s\S]*watching/, 40_000);
    writeFileSync(join(dir, 'refund-agent.policy.test.ts'), testFile(false));
    await waitFor(() => out, /changed: refund-agent\.policy\.test\.ts[\s\S]*0 passed, 1 failed[\s\S]*exited 1/, 40_000);
    const exited = new Promise<number | null>((done) => child!.on('exit', (code) => done(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 90_000);
});
