// The console's policy view and its "why" tool. The view is read from the serving bundle
// itself (what `leash inspect` shows, captured when the bundle loads), with its signature
// status and the last reload from the status recorder. "Why" evaluates a pasted request
// against the serving revision the way `leash eval --explain` does: no token (claims are
// pasted instead), no limit consumed, nothing written to the audit trail.
import { inspectBundle, readBundle, type Inspection } from '../../compiler/bundle/index.ts';
import type { VerifyOptions } from '../../compiler/bundle/index.ts';
import type { PolicyInput } from '../../compiler/index.ts';
import type { BundleLoader } from '../engine/engine.ts';
import type { PolicyEvaluator } from '../engine/evaluator.ts';
import type { StatusRecorder } from '../status/recorder.ts';
import { decideOffline, explanation, offlineInput, requestOf } from '../decide/offline.ts';

export interface InspectionLog {
  /** the inspection of a loaded revision (the newest few are kept) */
  of(revision: string): Inspection | undefined;
  /** wraps the server's loader: every bundle that loads is inspected once */
  wrap(load: BundleLoader): BundleLoader;
}

export function createInspectionLog(): InspectionLog {
  const byRevision = new Map<string, Inspection>();
  return {
    of: (revision) => byRevision.get(revision),
    wrap(load) {
      return async (bytes, origin) => {
        const evaluator = await load(bytes, origin);
        try {
          byRevision.set(evaluator.revision, inspectBundle(await readBundle(bytes)));
          while (byRevision.size > 3) byRevision.delete(byRevision.keys().next().value!);
        } catch {
          // the loader accepted it; a view we cannot build only leaves the console without details
        }
        return evaluator;
      };
    },
  };
}

export interface PolicyView {
  readonly revision: string | null;
  readonly signature: string;
  readonly source: string;
  readonly inspection: Omit<Inspection, 'signature'> | null;
  readonly bundle: unknown;
  readonly lastFailedActivation: unknown;
  readonly activations: number;
  readonly failedActivations: number;
}

export function policyView(options: { evaluator: PolicyEvaluator | undefined; inspections: InspectionLog; status: StatusRecorder; verification?: VerifyOptions; source: string }): PolicyView {
  const revision = options.evaluator?.revision ?? null;
  const inspection = revision ? options.inspections.of(revision) : undefined;
  const report = options.status.report();
  const keys = options.verification?.keys.map((k) => k.keyId).join(', ');
  const signature = options.verification
    ? `verified on load against key id ${keys}${options.verification.scope ? `, scope ${options.verification.scope}` : ''} (unsigned or tampered bundles are refused)`
    : `not verified: no verification key is configured; ${inspection?.signature ?? 'unknown'}`;
  const { signature: _ignored, ...rest } = inspection ?? ({} as Partial<Inspection>);
  return {
    revision,
    signature,
    source: options.source,
    inspection: inspection ? (rest as Omit<Inspection, 'signature'>) : null,
    bundle: Object.values(report.bundles)[0] ?? null,
    lastFailedActivation: report.leash.last_failed_activation,
    activations: report.leash.activations,
    failedActivations: report.leash.failed_activations,
  };
}

export class ExplainError extends Error {}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A pasted request: a full policy input, or `{ claims, method, path, query?, headers?, body?, upstream? }`. */
export async function explain(serving: PolicyEvaluator | undefined, pasted: unknown, nowMs = Date.now(), timeLimitMs = 50): Promise<unknown> {
  if (!serving) throw new ExplainError('no policy bundle is loaded');
  // bounded like a decision: a pasted input must not hold the event loop
  const evaluator: PolicyEvaluator = { revision: serving.revision, data: serving.data, evaluate: (i) => serving.evaluate(i, timeLimitMs) };
  if (!isRecord(pasted)) throw new ExplainError('paste a JSON object: { "claims": {...}, "method": "GET", "path": "/..." } or a full policy input');
  if ('token' in pasted) throw new ExplainError('paste the token\'s claims as "claims", not the token: the console never takes a token');
  let input: PolicyInput;
  if (isRecord(pasted['agent']) && isRecord(pasted['request'])) input = pasted as unknown as PolicyInput;
  else {
    const { claims, method, path } = pasted;
    if (!isRecord(claims)) throw new ExplainError('"claims" must be the token\'s claims as an object');
    if (typeof method !== 'string' || typeof path !== 'string') throw new ExplainError('"method" and "path" must be strings');
    const built = offlineInput(claims, requestOf(pasted, method, path), {}, nowMs);
    if ('refusal' in built) return { revision: evaluator.revision, answer: { allow: false, status: 400, code: built.refusal.code, reasons: [built.refusal.reason] }, explain: [`refused before the policy: ${built.refusal.reason}`] };
    input = built.input;
  }
  const answer = await decideOffline(evaluator, input, undefined, nowMs);
  if ('problem' in answer) throw new ExplainError(`policy error: ${answer.problem}`);
  const lines = explanation(answer, evaluator.data);
  return { revision: evaluator.revision, answer, explain: lines };
}
