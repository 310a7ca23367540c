// Checks that what a bundle's `leash/decision` entrypoint returned is a Decision (the
// architecture's contract). A bundle that returns anything else is a policy error, denied.
import type { Decision } from '../../compiler/index.ts';

export function toDecision(value: unknown): { ok: true; decision: Decision } | { ok: false; problem: string } {
  if (!isRecord(value)) return { ok: false, problem: 'the decision is not an object' };
  const { allow, access, rule, reasons, limits, priority } = value;
  if (typeof allow !== 'boolean') return { ok: false, problem: 'decision.allow is not a boolean' };
  if (access !== 'read' && access !== 'write') return { ok: false, problem: 'decision.access is not "read" or "write"' };
  if (rule !== null && rule !== undefined && typeof rule !== 'string') return { ok: false, problem: 'decision.rule is not a string or null' };
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string')) return { ok: false, problem: 'decision.reasons is not a list of strings' };
  if (!Array.isArray(limits)) return { ok: false, problem: 'decision.limits is not a list' };
  for (const [i, l] of limits.entries()) {
    if (!isRecord(l) || typeof l['id'] !== 'string' || typeof l['key'] !== 'string' || typeof l['scope'] !== 'string' ||
      typeof l['max'] !== 'number' || typeof l['window'] !== 'string' || typeof l['cost'] !== 'number') {
      return { ok: false, problem: `decision.limits[${i}] is not a limit (id, scope, key, max, window, cost)` };
    }
  }
  if (priority !== 'normal' && priority !== 'high' && priority !== undefined) return { ok: false, problem: 'decision.priority is not "normal" or "high"' };
  return {
    ok: true,
    decision: {
      allow,
      access,
      rule: typeof rule === 'string' ? rule : null,
      reasons: reasons as string[],
      limits: limits as Decision['limits'],
      priority: priority === 'high' ? 'high' : access === 'write' ? 'high' : 'normal',
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
