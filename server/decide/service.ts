// The decision service: verify the agent token, refuse quarantined sessions, build the
// policy input, evaluate it with ONE policy revision, consume the decision's limit buckets,
// then shape the answer (status, headers) and hand the record to the observer. Every error
// path denies (fail closed) with a code and a reason a human can act on.
import { randomUUID } from 'node:crypto';
import type { Decision, DecisionClass, PolicyInput } from '../../compiler/index.ts';
import type { DecisionAnswer, DecisionObserver, DecisionRequest, DecisionRequestDraft, DecisionService, LimitStore } from '../contracts.ts';
import type { DenialCode } from '../errors.ts';
import type { TokenVerifier } from '../identity/index.ts';
import { createEvaluationQueue, type PolicyEvaluator } from '../engine/index.ts';
import type { KillSwitchStore } from '../alerts/kill-switch.ts';
import { accessOf, bearerToken, buildPolicyInput, isCredentialHeader, scrubPath, scrubQuery } from './input.ts';
import { identityHeaders } from './headers.ts';
import { bodyUnavailable, reasonsWithMissing } from './data-checks.ts';
import { effectiveLimits, limitVerdict } from '../limits/index.ts';
import { endOfTurn } from '../end-of-turn.ts';
import { canonicalRequest, DEFAULT_REQUEST_OPTIONS, type RequestOptions } from '../request/index.ts';

export interface DecideLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Told about every answer (metrics); must not throw. */
export type AnswerListener = (answer: DecisionAnswer, request: DecisionRequest, durationSeconds: number) => void;

export interface DecisionServiceOptions {
  readonly verifier: TokenVerifier;
  readonly policy: () => PolicyEvaluator | undefined;
  readonly limits: LimitStore;
  readonly observer: DecisionObserver;
  readonly log: DecideLog;
  readonly evalTimeoutMs: number;
  readonly readsOnStoreUnavailable: 'deny' | 'allow';
  /** what request canonicalisation may relax (default: refuse every ambiguous spelling) */
  readonly request?: RequestOptions;
  readonly listeners?: readonly AnswerListener[];
  /** agents and keys stopped fleet-wide by an operator (answered from memory) */
  readonly killSwitch?: KillSwitchStore;
  readonly now?: () => number;
}

export function createDecisionService(options: DecisionServiceOptions): DecisionService {
  const now = options.now ?? Date.now;
  const requestOptions = options.request ?? DEFAULT_REQUEST_OPTIONS;
  const evaluations = createEvaluationQueue();

  async function decideOnce(request: DecisionRequest, decisionId: string, nowMs: number): Promise<DecisionAnswer> {
    const access = accessOf(request.method);
    const verified = await options.verifier.verify(request.token ?? bearerToken(request.headers), request.certThumbprint);
    if (!verified.ok) {
      return denial({ decisionId, access, status: 401, code: 'bad_token', class: 'identity', reasonCode: verified.reason, reason: verified.message });
    }
    const agent = verified.token.agent;
    const killed = options.killSwitch?.killed(agent.id, agent.key ?? null);
    if (killed) {
      return denial({ decisionId, access, status: 403, code: 'kill_switch', class: 'identity', reason: `${killed.kind === 'agent' ? 'agent' : 'key'} ${killed.id} is stopped by the kill switch (${killed.reason})`, agent });
    }
    const quarantined = options.observer.isQuarantined(agent.session);
    if (typeof quarantined === 'boolean' ? quarantined : await quarantined) {
      return denial({ decisionId, access, status: 403, code: 'quarantined', class: 'identity', reason: `session ${agent.session} is quarantined after repeated violations`, agent });
    }
    // One reading of the request for the policy and the upstream alike; a request an upstream
    // could read differently is refused here and never reaches the policy.
    const canonical = canonicalRequest(request, requestOptions);
    if (!canonical.ok) {
      // a refused spelling is an attempt at another resource: a scope violation
      return denial({ decisionId, access, status: 400, code: canonical.refusal.code, class: 'scope', reason: canonical.refusal.reason, agent });
    }
    const input = buildPolicyInput(request, canonical.request, agent, nowMs);
    // Take the serving revision once: this whole decision is made by it, even if a reload
    // swaps the engine while the limit store is being consulted.
    const evaluator = options.policy();
    if (!evaluator) {
      return denial({ decisionId, access, status: 403, code: 'policy_error', class: 'system', reason: 'no policy bundle is loaded', agent, input });
    }
    // The bound is enforced inside the evaluation (the wasm's step budget stops it once the
    // deadline passes); the check after it also catches time spent in one long builtin call.
    // The evaluation runs at the end of the turn with the turn's others (evaluation-queue.ts).
    const { outcome, evalMs } = await evaluations.evaluate(evaluator, input, options.evalTimeoutMs);
    if (!outcome.ok && outcome.timedOut === true) {
      options.log.error({ decision_id: decisionId, revision: evaluator.revision, eval_ms: evalMs }, 'policy evaluation over its time bound; denied');
      return denial({ decisionId, access, status: 403, code: 'policy_error', class: 'system', reason: `policy evaluation stopped after ${evalMs.toFixed(1)}ms, over the ${options.evalTimeoutMs}ms bound`, agent, input, revision: evaluator.revision });
    }
    if (!outcome.ok) {
      options.log.error({ decision_id: decisionId, revision: evaluator.revision, reason: outcome.problem }, 'policy evaluation failed; denied');
      return denial({ decisionId, access, status: 403, code: 'policy_error', class: 'system', reason: `policy error: ${outcome.problem}`, agent, input, revision: evaluator.revision });
    }
    if (evalMs > options.evalTimeoutMs) {
      options.log.error({ decision_id: decisionId, revision: evaluator.revision, eval_ms: evalMs }, 'policy evaluation over its time bound; denied');
      return denial({ decisionId, access, status: 403, code: 'policy_error', class: 'system', reason: `policy evaluation took ${evalMs.toFixed(1)}ms, over the ${options.evalTimeoutMs}ms bound`, agent, input, revision: evaluator.revision });
    }
    const decision = outcome.decision;
    const revision = evaluator.revision;
    const noBody = bodyUnavailable(evaluator.data, decision, request.body, request.via);
    if (noBody !== null) {
      return denial({ decisionId, access: decision.access, status: 403, code: 'body_unavailable', class: 'input', reason: noBody, agent, input, revision, rule: decision.rule, resources: decision.resources });
    }
    const headers = identityHeaders(decisionId, agent);
    if (!decision.allow) {
      const { access, rule, limits, priority, resources } = decision;
      const reasons = reasonsWithMissing(evaluator.data, decision, input);
      return { allow: false, access, rule, reasons, limits, priority, class: decision.class ?? 'scope', resources, decision_id: decisionId, status: 403, headers, agent, input, revision };
    }
    // The policy's buckets, or the server's read/write defaults when it named none.
    const buckets = effectiveLimits(decision, agent.session);
    const consumed = await options.limits.consume({ buckets, nowMs, sessionExpiresAtMs: verified.token.expiresAtMs });
    const verdict = limitVerdict(consumed, decision.access, { readsOnStoreFailure: options.readsOnStoreUnavailable });
    Object.assign(headers, verdict.headers);
    // one answer object, field by field (no spread of the decision: this is every request's path)
    const answer = (allow: boolean, status: number, reasons: readonly string[], code?: DenialCode): DecisionAnswer => ({
      allow, access: decision.access, rule: decision.rule, reasons, limits: buckets, priority: decision.priority,
      class: allow ? null : code === 'store_unavailable' ? 'system' : 'limit', resources: decision.resources,
      decision_id: decisionId, status, code, headers, agent, input, revision, bucketStates: verdict.buckets,
    });
    switch (verdict.kind) {
      case 'admit':
        if (verdict.degraded) options.log.warn({ decision_id: decisionId, reason: verdict.degraded }, 'limit store unavailable; read admitted by configuration');
        return answer(true, 200, verdict.degraded ? [...decision.reasons, `limits not enforced: ${verdict.degraded}`] : decision.reasons);
      case 'deny':
        if (verdict.code === 'store_unavailable') {
          options.log.warn({ decision_id: decisionId, reason: verdict.reason }, 'limit store unavailable; denied');
          headers['Retry-After'] = '1';
          return answer(false, verdict.status, [`denied: the limit store was unreachable (${verdict.reason})`], verdict.code);
        }
        return answer(false, verdict.status, [...decision.reasons, verdict.reason], verdict.code);
      default:
        return assertNever(verdict);
    }
  }

  return {
    async decide(request) {
      // performance.now(): sub-microsecond like hrtime, without a BigInt per reading
      const startedMs = performance.now();
      const nowMs = now();
      const decisionId = randomUUID();
      // The whole decision runs at the end of the turn with the turn's others, not only its
      // evaluation: token checks, limits and answers back to back find their code warm too
      // (bench/RESULTS.md, Notes). The wait is part of the decision's duration.
      await endOfTurn();
      let answer: DecisionAnswer;
      try {
        answer = await decideOnce(request, decisionId, nowMs);
      } catch (err) {
        // Only bugs land here (the verifier and the store do not throw): still deny.
        options.log.error({ decision_id: decisionId, reason: err instanceof Error ? err.message : String(err) }, 'decision failed; denied');
        answer = denial({ decisionId, access: accessOf(request.method), status: 403, code: 'policy_error', class: 'system', reason: 'internal error while deciding; denied' });
      }
      const durationNs = Math.round((performance.now() - startedMs) * 1e6);
      try {
        options.observer.record({ request: redactRequest(request), answer, timestampMs: nowMs, durationNs });
      } catch (err) {
        options.log.error({ decision_id: decisionId, reason: err instanceof Error ? err.message : String(err) }, 'decision observer failed');
      }
      for (const listen of options.listeners ?? []) listen(answer, request, durationNs / 1e9);
      return answer;
    },
  };
}

interface DenialSpec {
  readonly decisionId: string;
  readonly access: Decision['access'];
  readonly status: number;
  readonly code: DenialCode;
  readonly class: DecisionClass;
  readonly reason: string;
  readonly reasonCode?: string;
  readonly agent?: PolicyInput['agent'];
  readonly input?: PolicyInput;
  readonly revision?: string;
  readonly rule?: string | null;
  readonly resources?: readonly string[];
}

function denial(d: DenialSpec): DecisionAnswer {
  const answer: { -readonly [K in keyof DecisionAnswer]: DecisionAnswer[K] } = {
    allow: false,
    access: d.access,
    rule: d.rule ?? null,
    reasons: [d.reason],
    limits: [],
    priority: d.access === 'write' ? 'high' : 'normal',
    class: d.class,
    resources: d.resources ?? [],
    decision_id: d.decisionId,
    status: d.status,
    code: d.code,
    headers: identityHeaders(d.decisionId, d.agent),
  };
  // optional fields set only when present (a denial is every refused request's path)
  if (d.reasonCode !== undefined) answer.reason_code = d.reasonCode;
  if (d.agent) answer.agent = d.agent;
  if (d.input) answer.input = d.input;
  if (d.revision) answer.revision = d.revision;
  return answer;
}

// The fields redactRequest copies: every one but the token. A field added to DecisionRequest
// fails to compile here until it is listed here and copied in redactRequest.
const OBSERVED_FIELDS = { via: true, method: true, path: true, headers: true, query: true, body: true, upstream: true, certThumbprint: true } satisfies Record<Exclude<keyof DecisionRequest, 'token'>, true>;
void OBSERVED_FIELDS;

/** The observer sees the request without its token, credential headers or credential query parameters. */
function redactRequest(request: DecisionRequest): DecisionRequest {
  const headers: Record<string, string | readonly string[] | undefined> = {};
  for (const [k, v] of Object.entries(request.headers ?? {})) if (!isCredentialHeader(k)) headers[k] = v;
  // every field but the token, named (a rest/spread copy costs each request more)
  const out: DecisionRequestDraft = { via: request.via, method: request.method, path: scrubPath(request.path), headers };
  if (request.query) out.query = scrubQuery(request.query);
  if (request.body !== undefined) out.body = request.body;
  if (request.upstream !== undefined) out.upstream = request.upstream;
  if (request.certThumbprint !== undefined) out.certThumbprint = request.certThumbprint;
  return out;
}

function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
