// The three ways `leash test` reports: pretty for people, JSON for scripts, JUnit XML for CI.
import type { Coverage } from './coverage.ts';
import { formatCoverage } from './coverage.ts';

export interface CaseResult {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly ok: boolean;
  /** a `todo_test_` Rego rule: reported, not run */
  readonly skipped?: boolean;
  /** what went wrong, one line each */
  readonly failures: readonly string[];
  /** the rules that decided its requests (what it exercised) */
  readonly rules: readonly string[];
  readonly ms: number;
}

export interface Report {
  readonly results: readonly CaseResult[];
  readonly files: number;
  readonly coverage?: Coverage;
  /** the --fail-under threshold, when given */
  readonly failUnder?: number;
}

const counts = (rs: readonly CaseResult[]) => ({
  passed: rs.filter((r) => r.ok && !r.skipped).length,
  failed: rs.filter((r) => !r.ok).length,
  skipped: rs.filter((r) => r.skipped).length,
});

export function pretty(report: Report): string {
  const lines: string[] = [];
  for (const r of report.results) {
    lines.push(`${r.skipped ? '-' : r.ok ? '✓' : '✗'} ${r.name}${r.ok ? (r.skipped ? '  (todo)' : '') : `  (${r.file}:${r.line})`}`);
    for (const f of r.failures) lines.push(`    ${f}`);
  }
  if (report.coverage) {
    lines.push(...formatCoverage(report.coverage));
    if (report.failUnder !== undefined && report.coverage.percent < report.failUnder) lines.push(`coverage ${report.coverage.percent}% is under --fail-under ${report.failUnder}%`);
  }
  const c = counts(report.results);
  lines.push(`${c.passed} passed, ${c.failed} failed${c.skipped > 0 ? `, ${c.skipped} skipped` : ''} (${report.files} test file${report.files === 1 ? '' : 's'})`);
  return lines.join('\n');
}

export function json(report: Report): string {
  return JSON.stringify({ ...counts(report.results), results: report.results, ...(report.coverage ? { coverage: report.coverage } : {}) }, null, 2);
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junit(report: Report): string {
  const byFile = new Map<string, CaseResult[]>();
  for (const r of report.results) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  const suites = [...byFile].map(([file, rs]) => {
    const cases = rs.map((r) => {
      const body = r.skipped ? '<skipped/>' : r.ok ? '' : `<failure message="${xml(r.failures[0] ?? 'failed')}">${xml(`${r.file}:${r.line}\n${r.failures.join('\n')}`)}</failure>`;
      return `    <testcase classname="${xml(file)}" name="${xml(r.name)}" file="${xml(file)}" line="${r.line}" time="${(r.ms / 1000).toFixed(3)}">${body}</testcase>`;
    });
    const c = counts(rs);
    return `  <testsuite name="${xml(file)}" tests="${rs.length}" failures="${c.failed}" skipped="${c.skipped}">\n${cases.join('\n')}\n  </testsuite>`;
  });
  const c = counts(report.results);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="leash test" tests="${report.results.length}" failures="${c.failed}">\n${suites.join('\n')}\n</testsuites>`;
}
