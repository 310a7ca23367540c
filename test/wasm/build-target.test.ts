// `leash build -t wasm -e pkg/rule` on hand-written Rego: the bundle holds policy.wasm with
// one manifest entry per entrypoint, and the SDK evaluates each entrypoint with OPA's answer.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { runBuild } from '../../cli/commands/build.ts';
import { readBundle } from '../../compiler/index.ts';

const REGO = `package authz

default allow := false

allow if {
	input.user in data.admins
}

allow if {
	input.method == "GET"
	startswith(input.path, "/public/")
}

reasons contains "not an admin" if not input.user in data.admins
`;

describe('leash build -t wasm', () => {
  it('compiles hand-written Rego for the named entrypoints', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leash-wasm-'));
    writeFileSync(join(dir, 'authz.rego'), REGO);
    const out = join(dir, 'bundle.tar.gz');
    const lines: string[] = [];
    const code = await runBuild([join(dir, 'authz.rego')], { output: out, target: 'wasm', entrypoint: ['authz/allow', 'data.authz.reasons'] },
      { out: (t) => lines.push(t), err: (t) => lines.push(t) });
    expect(code, lines.join('\n')).toBe(0);
    const bundle = await readBundle(new Uint8Array(readFileSync(out)));
    expect(bundle.manifest?.wasm?.map((w) => w.entrypoint)).toEqual(['authz/allow', 'authz/reasons']);
    expect(bundle.wasm).toBeInstanceOf(Uint8Array);
    const policy = await loadPolicy(bundle.wasm!);
    policy.setData({ admins: ['root'] });
    expect(policy.evaluate({ user: 'root', method: 'POST', path: '/x' }, 'authz/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'bob', method: 'GET', path: '/public/a' }, 'authz/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'bob', method: 'POST', path: '/public/a' }, 'authz/allow')).toEqual([{ result: false }]);
    expect(policy.evaluate({ user: 'bob' }, 'authz/reasons')).toEqual([{ result: ['not an admin'] }]);
  }, 60_000);

  it('refuses an entrypoint that names no rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'leash-wasm-'));
    writeFileSync(join(dir, 'authz.rego'), REGO);
    const errs: string[] = [];
    const code = await runBuild([join(dir, 'authz.rego')], { output: join(dir, 'b.tar.gz'), target: 'wasm', entrypoint: ['authz/alow'] },
      { out: () => {}, err: (t) => errs.push(t) });
    expect(code).toBe(1);
    expect(errs.join('\n')).toMatch(/leash_project_error: entrypoint authz\/alow names no rule/);
  }, 60_000);

  it('refuses -t wasm without an entrypoint', async () => {
    const errs: string[] = [];
    const code = await runBuild(['x.rego'], { target: 'wasm' }, { out: () => {}, err: (t) => errs.push(t) });
    expect(code).toBe(1);
    expect(errs.join('\n')).toMatch(/needs at least one entrypoint/);
  });
});
