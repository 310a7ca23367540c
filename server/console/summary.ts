// What the console shows of one decision: built from the redacted decision record the
// observer gets (the token is already gone, the path and query scrubbed), clipped so a
// hostile request cannot make the live view heavy. Plain data, sent as JSON to the browser.
import type { BucketState, DecisionRecord } from '../contracts.ts';

export interface DecisionSummary {
  readonly id: string;
  /** ms since the epoch */
  readonly time: number;
  /** the server that decided (host:pid) */
  readonly server: string;
  readonly via: string;
  readonly method: string;
  readonly path: string;
  readonly upstream: string | null;
  readonly agent: string | null;
  readonly session: string | null;
  readonly key: string | null;
  /** the policy of the first matched resource */
  readonly policy: string | null;
  readonly resources: readonly string[];
  readonly rule: string | null;
  readonly allow: boolean;
  readonly status: number;
  readonly code: string | null;
  readonly class: string | null;
  readonly reasons: readonly string[];
  readonly priority: string;
  readonly access: string;
  readonly limits: readonly BucketState[];
  readonly revision: string | null;
  readonly durationMs: number;
  /** the task scope of the token, clipped (its claims are the agent's own, never a secret of Leash's) */
  readonly task: unknown;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

function clippedTask(task: unknown): unknown {
  if (task === null || task === undefined) return null;
  const text = JSON.stringify(task);
  return text.length <= 1_000 ? task : clip(text, 1_000);
}

export function summarize(record: DecisionRecord, server: string): DecisionSummary {
  const { request, answer } = record;
  const agent = answer.agent;
  const resources = (answer.resources ?? []).slice(0, 10);
  return {
    id: answer.decision_id,
    time: record.timestampMs,
    server,
    via: record.upstreamCall ? 'proxy' : request.via,
    method: clip(request.method, 16),
    path: clip(request.path, 512),
    upstream: typeof request.upstream === 'string' ? clip(request.upstream, 128) : null,
    agent: agent ? clip(agent.id, 256) : null,
    session: agent ? clip(agent.session, 256) : null,
    key: agent?.key ? clip(agent.key, 256) : null,
    policy: resources[0] ? resources[0].split('/')[0]! : null,
    resources,
    rule: answer.rule ?? null,
    allow: answer.allow,
    status: answer.status,
    code: answer.code ?? null,
    class: answer.class ?? null,
    reasons: (answer.reasons ?? []).slice(0, 5).map((r) => clip(r, 300)),
    priority: answer.priority,
    access: answer.access,
    limits: (answer.bucketStates ?? []).slice(0, 10),
    revision: answer.revision ?? null,
    durationMs: Math.round(record.durationNs / 1e3) / 1e3,
    task: clippedTask(agent?.task),
  };
}

export interface SummaryFilter {
  readonly agent?: string;
  readonly session?: string;
  readonly key?: string;
  readonly policy?: string;
  readonly resource?: string;
  /** 'allow' | 'deny' | a status or a code */
  readonly outcome?: string;
  readonly priority?: string;
  /** free text over path, reasons, rule and ids */
  readonly q?: string;
}

export function matches(s: DecisionSummary, f: SummaryFilter): boolean {
  if (f.agent && s.agent !== f.agent) return false;
  if (f.session && s.session !== f.session) return false;
  if (f.key && s.key !== f.key) return false;
  if (f.policy && s.policy !== f.policy) return false;
  if (f.resource && !s.resources.includes(f.resource)) return false;
  if (f.priority && s.priority !== f.priority) return false;
  if (f.outcome) {
    const o = f.outcome;
    const hit = o === 'allow' ? s.allow : o === 'deny' ? !s.allow : String(s.status) === o || s.code === o;
    if (!hit) return false;
  }
  if (f.q) {
    const q = f.q.toLowerCase();
    const hay = [s.path, s.rule ?? '', s.agent ?? '', s.session ?? '', s.key ?? '', s.code ?? '', ...s.reasons, s.id].join('\n').toLowerCase();
    if (!hay.includes(q)) return false;
  }
  return true;
}
