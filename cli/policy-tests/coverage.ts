// What the cases reached, against what the policies define: every rule that decided a request,
// every resource (`policy/route`) a request matched, every limit that refused a request. A
// limit counts only when it trips (counting requests against it tests nothing about its max),
// and only a limit some allowed request can count against is listed.
import type { PolicyModel } from '../../compiler/dsl/model.ts';
import { ruleIds } from '../../compiler/dsl/model.ts';
import type { Exercised } from './run-case.ts';

export interface CoverageKind {
  readonly total: number;
  readonly covered: number;
  /** what no case exercised, sorted */
  readonly missed: readonly string[];
}

export interface Coverage {
  readonly rules: CoverageKind;
  readonly resources: CoverageKind;
  readonly limits: CoverageKind;
  /** covered / total over the three, in percent (100 when there is nothing to cover) */
  readonly percent: number;
}

function kind(all: Iterable<string>, seen: ReadonlySet<string>): CoverageKind {
  const items = [...new Set(all)].sort();
  const missed = items.filter((x) => !seen.has(x));
  return { total: items.length, covered: items.length - missed.length, missed };
}

/** The limits a request can count against: those of an access kind some rule allows. */
function reachableLimits(m: PolicyModel<unknown>): string[] {
  const granted = (r: PolicyModel<unknown>['routes'][number], k: 'read' | 'write'): boolean => r.allows.some((a) => a.access === k);
  const out: string[] = [];
  for (const k of ['read', 'write'] as const) {
    const routes = m.routes.filter((r) => granted(r, k));
    if (routes.length > 0) out.push(...m.limits[k].map((l) => l.id));
    for (const r of routes) out.push(...r.limits[k].map((l) => l.id));
  }
  return out;
}

export function coverageOf(models: readonly PolicyModel<unknown>[], seen: Exercised): Coverage {
  const rules = kind(models.flatMap((m) => ruleIds(m)), seen.rules);
  const resources = kind(models.flatMap((m) => m.routes.map((r) => `${m.name}/${r.name}`)), seen.resources);
  const limits = kind(models.flatMap(reachableLimits), seen.limits);
  const total = rules.total + resources.total + limits.total;
  const covered = rules.covered + resources.covered + limits.covered;
  return { rules, resources, limits, percent: total === 0 ? 100 : Math.floor((covered / total) * 1000) / 10 };
}

export function formatCoverage(c: Coverage): string[] {
  const line = (label: string, k: CoverageKind): string[] => [
    `  ${label}: ${k.covered}/${k.total}${k.missed.length > 0 ? `, not exercised:` : ''}`,
    ...k.missed.map((m) => `    ${m}`),
  ];
  return [`coverage ${c.percent}%`, ...line('rules', c.rules), ...line('resources', c.resources), ...line('limits (tripped)', c.limits)];
}
