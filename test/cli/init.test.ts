// `leash init`: the scaffold it writes checks and passes its own tests (every rule of the
// example policy exercised), and it never overwrites: a folder that already has any file it
// would write is refused with exit 2 and left as it was.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runInit } from '../../cli/commands/init.ts';
import { runCheck } from '../../cli/commands/check.ts';
import { runTests } from '../../cli/commands/test.ts';

const made: string[] = [];
afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'leash-init-'));
  made.push(d);
  return d;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

/** Every file under dir, relative, sorted. */
function listing(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listing(dir, join(prefix, e.name)) : [join(prefix, e.name)]).sort();
}

const SCAFFOLD = [
  '.github/workflows/leash.yml', '.gitignore', 'README.md', 'package.json',
  'policies/orders-agent.policy.test.ts', 'policies/orders-agent.policy.ts', 'tsconfig.json',
];

describe('leash init', () => {
  it('scaffolds a repository whose policies check and pass their tests, every rule exercised', async () => {
    const dir = join(tempDir(), 'my-policies');
    const r = io();
    expect(runInit(dir, r.io)).toBe(0);
    expect(r.err).toEqual([]);
    expect(listing(dir)).toEqual(SCAFFOLD);

    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const own = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'my-policies', private: true, type: 'module',
      scripts: { check: 'leash check policies', test: 'leash test policies' },
      devDependencies: { leash: `^${own.version}` },
    });
    const workflow = parse(readFileSync(join(dir, '.github/workflows/leash.yml'), 'utf8'));
    const steps = workflow.jobs.policies.steps as { uses?: string; run?: string; if?: string; with?: Record<string, unknown> }[];
    expect(steps.map((s) => s.uses ?? s.run)).toEqual([
      'actions/checkout@v4', 'actions/setup-node@v4', 'npm ci', 'npx leash check policies',
      'npx leash test policies --format junit > leash-junit.xml', 'actions/upload-artifact@v4',
    ]);
    expect(steps[1]!.with).toEqual({ 'node-version': 20 });
    expect(steps[5]).toMatchObject({ if: 'always()', with: { path: 'leash-junit.xml' } });
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^node_modules\/$/m);
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).toMatch(/^dist\/$/m);
    expect(JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')).include).toEqual(['policies']);

    const checked = io();
    expect(await runCheck([join(dir, 'policies')], {}, checked.io)).toBe(0);
    expect(checked.out.join('\n')).toBe('ok: 2 Rego modules and policy.wasm compiled');

    const tested = io();
    expect(await runTests([join(dir, 'policies')], {}, tested.io)).toBe(0);
    expect(tested.err).toEqual([]);
    expect(tested.out.join('\n')).toMatch(/^6 passed, 0 failed \(1 test file\)$/m);
    const json = io();
    expect(await runTests([join(dir, 'policies')], { format: 'json' }, json.io)).toBe(0);
    const { results } = JSON.parse(json.out.join('\n')) as { results: { name: string; ok: boolean; rules: string[] }[] };
    expect(results.every((x) => x.ok)).toBe(true);
    expect([...new Set(results.flatMap((x) => x.rules))].sort()).toEqual(['customerOrders.read', 'orderNotes.write']);
  }, 120_000);

  it('refuses a folder that has any file it would write, writes nothing, exits 2', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'README.md'), 'mine\n');
    mkdirSync(join(dir, 'policies'));
    writeFileSync(join(dir, 'policies', 'orders-agent.policy.ts'), '// mine\n');
    const r = io();
    expect(runInit(dir, r.io)).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^leash init: .* already has policies\/orders-agent\.policy\.ts, README\.md; nothing written/);
    expect(listing(dir)).toEqual(['README.md', 'policies/orders-agent.policy.ts']);
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toBe('mine\n');
    expect(readFileSync(join(dir, 'policies', 'orders-agent.policy.ts'), 'utf8')).toBe('// mine\n');
  });

  it('refuses a path that is a file, and a package.json it cannot read', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const a = io();
    expect(runInit(join(dir, 'file'), a.io)).toBe(2);
    expect(a.err).toEqual([`leash init: ${join(dir, 'file')} is not a folder`]);
    writeFileSync(join(dir, 'package.json'), '{ not json');
    const b = io();
    expect(runInit(dir, b.io)).toBe(2);
    expect(b.err).toHaveLength(1);
    expect(b.err[0]).toMatch(/package\.json cannot be read/);
    expect(listing(dir)).toEqual(['file', 'package.json']);
  });

  it('keeps a package.json already there (npm install of the tarball made one) and makes policies/ ES modules', () => {
    const dir = tempDir();
    const manifest = '{\n  "name": "x",\n  "type": "commonjs",\n  "devDependencies": { "leash": "file:leash-0.1.0.tgz" }\n}\n';
    writeFileSync(join(dir, 'package.json'), manifest);
    const r = io();
    expect(runInit(dir, r.io)).toBe(0);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(manifest);
    expect(JSON.parse(readFileSync(join(dir, 'policies', 'package.json'), 'utf8'))).toEqual({ type: 'module' });
    expect(r.out.join('\n')).toContain('kept the existing');
    expect(listing(dir)).toEqual([...SCAFFOLD, 'policies/package.json'].sort());

    // a package.json that already says "type": "module" needs no policies/package.json
    const esm = tempDir();
    writeFileSync(join(esm, 'package.json'), '{ "type": "module" }\n');
    expect(runInit(esm, io().io)).toBe(0);
    expect(existsSync(join(esm, 'policies', 'package.json'))).toBe(false);
  });
});
