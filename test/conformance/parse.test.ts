// OPA's conformance cases against the Rego front end: every case's modules must parse,
// check cleanly and print back to the same AST, or fail with the expected compile-stage
// code. Prints a per-topic table; fails when the total drops below parse-baseline.json.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, type Diagnostic } from '../../compiler/diagnostics/index.ts';
import { checkModules, parseModule, printModule, type Module } from '../../compiler/rego/index.ts';
import { conformanceDir, loadConformanceCases, type ConformanceCase } from './load-cases.ts';
import { stripLocs } from '../rego/helpers.ts';

const COMPILE_CODES = new Set(['rego_parse_error', 'rego_compile_error', 'rego_type_error', 'rego_unsafe_var_error', 'rego_recursion_error']);
const baseline = JSON.parse(readFileSync(new URL('./parse-baseline.json', import.meta.url), 'utf8')) as { passing: number };

interface Outcome { readonly pass: boolean; readonly why?: string }

function runCase(c: ConformanceCase): Outcome {
  const diagnostics: Diagnostic[] = [];
  const modules: Module[] = [];
  for (const [i, src] of c.modules.entries()) {
    const r = parseModule(src, `test-${i}.rego`);
    diagnostics.push(...r.diagnostics);
    if (!r.module) continue;
    modules.push(r.module);
    const printed = printModule(r.module);
    const again = parseModule(printed, `test-${i}.rego`);
    if (!again.module || JSON.stringify(stripLocs(again.module)) !== JSON.stringify(stripLocs(r.module))) {
      return { pass: false, why: `module ${i} does not print back to the same AST` };
    }
    if (printModule(again.module) !== printed || again.module.comments.length !== r.module.comments.length) {
      return { pass: false, why: `module ${i}: formatting is not idempotent or loses comments` };
    }
  }
  if (diagnostics.length === 0) diagnostics.push(...checkModules(modules));
  const expected = c.want_error_code !== undefined && COMPILE_CODES.has(c.want_error_code) ? c.want_error_code : undefined;
  if (expected) {
    return diagnostics.some((d) => d.code === expected)
      ? { pass: true }
      : { pass: false, why: `expected ${expected}, got ${diagnostics.map((d) => d.code).join(', ') || 'no error'}` };
  }
  return diagnostics.length === 0 ? { pass: true } : { pass: false, why: diagnostics.map(formatDiagnostic).join('; ') };
}

const dir = conformanceDir();
if (!dir) console.warn('conformance: ../shared/conformance/opa-v1 is absent: SKIPPING the Rego front-end conformance run');

describe('Rego front end against OPA conformance cases', () => {
  it('finds no cases when the folder is absent (and says so above)', () => {
    expect(loadConformanceCases('/nonexistent/opa-v1')).toEqual([]);
  });

  it.runIf(dir !== undefined)('parses and checks at least the baseline number of cases', () => {
    const cases = loadConformanceCases(dir);
    expect(cases.length).toBeGreaterThan(0);
    const topics = new Map<string, { pass: number; fail: number }>();
    const failures: string[] = [];
    for (const c of cases) {
      const o = runCase(c);
      const t = topics.get(c.topic) ?? { pass: 0, fail: 0 };
      if (o.pass) t.pass++; else { t.fail++; failures.push(`${c.file} [${c.note}]: ${o.why}`); }
      topics.set(c.topic, t);
    }
    const passing = [...topics.values()].reduce((n, t) => n + t.pass, 0);
    const rows = [...topics].map(([topic, t]) => `${topic.padEnd(28)} ${String(t.pass).padStart(5)} ${String(t.fail).padStart(5)}`);
    console.log([
      'Rego front end: conformance cases (parse + check + print round trip)',
      `${'topic'.padEnd(28)} ${'pass'.padStart(5)} ${'fail'.padStart(5)}`,
      ...rows,
      `${'total'.padEnd(28)} ${String(passing).padStart(5)} ${String(cases.length - passing).padStart(5)}   (baseline ${baseline.passing})`,
      ...(failures.length ? ['failures:', ...failures.map((f) => `  ${f}`)] : []),
    ].join('\n'));
    expect(passing).toBeGreaterThanOrEqual(baseline.passing);
  });
});
