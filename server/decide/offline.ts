// One decision the way the server makes it, without a server or a token: the request is
// canonicalised (a refused spelling is the server's 400), the bundle decides, the server's
// body and missing-field checks apply, and with a limit store the limits are consumed (429).
// Used by `leash eval`, `leash test` and the operator console's "why" view.
import type { Decision, PolicyInput } from '../../compiler/index.ts';
import type { DecisionRequestDraft, LimitStore } from '../contracts.ts';
import { buildPolicyInput } from './input.ts';
import { bodyUnavailable, reasonsWithMissing } from './data-checks.ts';
import type { PolicyEvaluator } from '../engine/evaluator.ts';
import { effectiveLimits, limitVerdict } from '../limits/index.ts';
import { canonicalRequest } from '../request/index.ts';

export interface OfflineRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly upstream?: string;
}

export type Answer = Omit<Decision, 'reasons'> & {
  readonly reasons: readonly string[];
  readonly status: number;
  readonly code?: string;
  /** the limit that refused the request (a 429) */
  readonly limit?: string;
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request of a description `{ method, path, query?, headers?, body?, upstream? }` (a request file, a pasted request); other fields are ignored. */
export function requestOf(spec: Readonly<Record<string, unknown>>, method: string, path: string): OfflineRequest {
  return {
    method, path,
    ...(isRecord(spec['query']) ? { query: spec['query'] as Record<string, string> } : {}),
    ...(isRecord(spec['headers']) ? { headers: spec['headers'] as Record<string, string> } : {}),
    ...(spec['body'] !== undefined ? { body: spec['body'] } : {}),
    ...(typeof spec['upstream'] === 'string' ? { upstream: spec['upstream'] } : {}),
  };
}

/** The policy input the server would build, or the refusal it would answer. */
export function offlineInput(claims: Record<string, unknown>, request: OfflineRequest, identity: { agent?: string; session?: string } = {}, nowMs = Date.now()):
  { readonly input: PolicyInput } | { readonly refusal: { readonly code: string; readonly reason: string } } {
  const draft: DecisionRequestDraft = { via: 'decide', method: request.method, path: request.path, headers: { ...(request.headers ?? {}) } };
  if (request.query) draft.query = request.query as Record<string, string>;
  if (request.body !== undefined) draft.body = request.body;
  if (request.upstream !== undefined) draft.upstream = request.upstream;
  const canonical = canonicalRequest(draft);
  if (!canonical.ok) return { refusal: canonical.refusal };
  // the identity the server takes from a verified token: sub, sid, the key claim, the task
  const agent = {
    id: identity.agent ?? (typeof claims['sub'] === 'string' ? claims['sub'] : 'agent'),
    session: identity.session ?? (typeof claims['sid'] === 'string' ? claims['sid'] : 'test-session'),
    key: typeof claims['client_id'] === 'string' ? claims['client_id'] : null,
    claims,
    task: isRecord(claims['task']) ? claims['task'] : null,
  };
  return { input: buildPolicyInput(draft, canonical.request, agent, nowMs) };
}

export const refusalAnswer = (refusal: { code: string; reason: string }, method: string): Answer => ({
  allow: false, status: 400, code: refusal.code, class: 'scope', reasons: [refusal.reason], rule: null, limits: [], resources: [],
  access: ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 'read' : 'write', priority: ['GET', 'HEAD', 'OPTIONS'].includes(method) ? 'normal' : 'high',
});

/** The answer for a policy input; with a store, an allowed request consumes its limits. */
export async function decideOffline(evaluator: PolicyEvaluator, input: PolicyInput, store?: LimitStore, nowMs = Date.now(), sessionExpiresAtMs = nowMs + 3_600_000): Promise<Answer | { readonly problem: string }> {
  const outcome = evaluator.evaluate(input);
  if (!outcome.ok) return { problem: outcome.problem };
  const d = outcome.decision;
  const noBody = bodyUnavailable(evaluator.data, d, input.request.body, 'decide');
  if (noBody !== null) return { ...d, allow: false, status: 403, code: 'body_unavailable', class: 'input', reasons: [noBody] };
  if (!d.allow) return { ...d, status: 403, reasons: reasonsWithMissing(evaluator.data, d, input) };
  if (!store) return { ...d, status: 200 };
  const buckets = effectiveLimits(d, input.agent.session);
  const consumed = await store.consume({ buckets, nowMs, sessionExpiresAtMs });
  const verdict = limitVerdict(consumed, d.access);
  if (verdict.kind === 'admit') return { ...d, limits: buckets, status: 200 };
  const limit = consumed.kind === 'limited' ? { limit: consumed.exceeded } : {};
  return { ...d, allow: false, status: verdict.status, code: verdict.code, class: verdict.code === 'rate_limited' ? 'limit' : 'system', reasons: [...d.reasons, verdict.reason], limits: buckets, ...limit };
}

/** What decided, in lines (`leash eval --explain` and the console's "why"): the rule, the matched resources with what they read, the reasons, the limits to consume. */
export function explanation(d: Pick<Decision, 'allow' | 'rule' | 'class' | 'access' | 'priority' | 'resources' | 'limits'> & { readonly reasons: readonly string[] }, data: unknown): string[] {
  const leash = isRecord(data) && isRecord(data['leash']) ? data['leash'] : {};
  const resources = (isRecord(leash['resources']) ? leash['resources'] : {}) as Record<string, { reads?: string[]; template?: string }>;
  return [
    `decided by: ${d.rule ?? 'no rule (nothing matched)'}${d.allow ? '' : `, class ${d.class}`}`,
    `access: ${d.access}, priority: ${d.priority}`,
    ...(d.resources.length === 0 ? ['matched resources: none'] : d.resources.map((r) => `matched resource: ${r} ${resources[r]?.template ?? ''} (reads ${(resources[r]?.reads ?? []).join(', ') || 'nothing'})`)),
    ...d.reasons.map((reason) => `reason: ${reason}`),
    ...d.limits.map((l) => `limit to consume: ${l.id} (${l.scope} ${l.key}, ${l.cost} of ${l.max} per ${l.window})`),
  ];
}
