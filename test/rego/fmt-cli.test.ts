// `leash fmt` through the real CLI entry (bin/leash.mjs) and through runFmt: printing,
// -l, -w, --fail, folders, and parse errors reported as file:line:col with exit 2.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFmt } from '../../cli/commands/fmt.ts';

const MESSY = 'package a\nallow if {input.x==1}\n';
const CLEAN = 'package a\n\nallow if {\n\tinput.x == 1\n}\n';

function run(paths: string[], opts: Parameters<typeof runFmt>[1]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runFmt(paths, opts, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err };
}

describe('leash fmt', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leash-fmt-'));
  const messy = join(dir, 'messy.rego');
  const clean = join(dir, 'clean.rego');
  writeFileSync(messy, MESSY);
  writeFileSync(clean, CLEAN);

  it('prints the formatted source and leaves files alone', () => {
    const r = run([messy], {});
    expect(r).toEqual({ code: 0, out: [CLEAN.trimEnd()], err: [] });
    expect(readFileSync(messy, 'utf8')).toBe(MESSY);
  });

  it('-l lists only files whose formatting differs; --fail exits 1 then', () => {
    expect(run([dir], { list: true })).toEqual({ code: 0, out: [messy], err: [] });
    expect(run([dir], { list: true, fail: true }).code).toBe(1);
    expect(run([clean], { list: true, fail: true })).toEqual({ code: 0, out: [], err: [] });
  });

  it('-w rewrites the files that differ', () => {
    const sub = join(dir, 'w');
    mkdirSync(sub);
    const f = join(sub, 'p.rego');
    writeFileSync(f, MESSY);
    expect(run([sub], { write: true }).code).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(CLEAN);
    expect(run([sub], { list: true, fail: true }).code).toBe(0);
  });

  it('reports parse errors as file:line:col and exits 2, through the real command', () => {
    const bad = join(dir, 'bad', 'bad.rego');
    mkdirSync(join(dir, 'bad'));
    writeFileSync(bad, 'package a\np { true }\n');
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['bin/leash.mjs', 'fmt', bad], { stdio: 'pipe', encoding: 'utf8' });
    } catch (e) {
      const x = e as { status: number; stderr: string };
      status = x.status;
      stderr = x.stderr;
    }
    expect(status).toBe(2);
    expect(stderr.trim()).toBe(`${bad}:2:3: rego_parse_error: unexpected { token: \`if\` keyword is required before rule body (write \`p if { ... }\`)`);
    expect(stderr).not.toMatch(/\bat .*\.ts:\d+/); // no stack trace
  }, 180_000); // one CLI start-up (tsx + every command) is slow on a loaded 2-core machine

  it('says which path does not exist', () => {
    const r = run([join(dir, 'missing.rego')], {});
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/leash_project_error: cannot read .*missing\.rego/);
  });
});
