// Checks that what a bundle's `leash/decision` entrypoint returned is a Decision (the
// architecture's contract). A bundle that returns anything else is a policy error, denied.
import type { Decision, DecisionClass } from '../../compiler/index.ts';

const CLASSES: ReadonlySet<string> = new Set<DecisionClass>(['scope', 'business', 'input', 'limit', 'identity', 'system']);

export function toDecision(value: unknown): { ok: true; decision: Decision } | { ok: false; problem: string } {
  if (!isRecord(value)) return { ok: false, problem: 'the decision is not an object' };
  const { allow, access, rule, reasons, limits, priority, class: cls, resources } = value;
  if (typeof allow !== 'boolean') return { ok: false, problem: 'decision.allow is not a boolean' };
  if (access !== 'read' && access !== 'write') return { ok: false, problem: 'decision.access is not "read" or "write"' };
  if (rule !== null && rule !== undefined && typeof rule !== 'string') return { ok: false, problem: 'decision.rule is not a string or null' };
  if (!Array.isArray(reasons) || !reasons.every((r) => typeof r === 'string')) return { ok: false, problem: 'decision.reasons is not a list of strings' };
  if (!Array.isArray(limits)) return { ok: false, problem: 'decision.limits is not a list' };
  // an index loop: no iterator or pair array per limit (every allowed decision comes through here)
  for (let i = 0; i < limits.length; i++) {
    const l: unknown = limits[i];
    if (!isRecord(l) || typeof l['id'] !== 'string' || typeof l['key'] !== 'string' || typeof l['scope'] !== 'string' ||
      typeof l['max'] !== 'number' || typeof l['window'] !== 'string' || typeof l['cost'] !== 'number') {
      return { ok: false, problem: `decision.limits[${i}] is not a limit (id, scope, key, max, window, cost)` };
    }
  }
  // The bundle's priority is final (a write a rule calls 'normal' stays normal); a hand-written
  // bundle that gives none gets the access kind's default.
  if (priority !== 'normal' && priority !== 'high' && priority !== undefined) return { ok: false, problem: 'decision.priority is not "normal" or "high"' };
  // A hand-written bundle may leave class and resources out: a denial then counts as a scope
  // violation, as every policy denial did before classes. A wrong value is a policy error.
  if (cls !== undefined && (allow ? cls !== null : typeof cls !== 'string' || !CLASSES.has(cls))) {
    return { ok: false, problem: allow ? 'decision.class is not null on an allowed decision' : 'decision.class is not one of scope, business, input, limit, identity, system' };
  }
  if (resources !== undefined && (!Array.isArray(resources) || !resources.every((r) => typeof r === 'string'))) return { ok: false, problem: 'decision.resources is not a list of strings' };
  return {
    ok: true,
    decision: {
      allow,
      access,
      rule: typeof rule === 'string' ? rule : null,
      reasons: reasons as string[],
      limits: limits as Decision['limits'],
      priority: priority ?? (access === 'write' ? 'high' : 'normal'),
      class: allow ? null : ((cls as DecisionClass | undefined) ?? 'scope'),
      resources: (resources as string[] | undefined) ?? [],
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
