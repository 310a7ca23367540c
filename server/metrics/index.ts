// Prometheus metrics for one app (its own registry, so several apps can live in one process):
// decisions by result, rule, access kind and endpoint; decision latency; the serving bundle
// revision; reloads; and errors by kind.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { DecisionAnswer, DecisionRequest } from '../contracts.ts';
import type { ReloadOutcome } from '../engine/index.ts';
import { createFastHistogram } from './histogram.ts';

export interface LeashMetrics {
  readonly registry: Registry;
  observeDecision(answer: DecisionAnswer, request: DecisionRequest, durationSeconds: number): void;
  observeReload(outcome: ReloadOutcome): void;
  countError(kind: string): void;
}

export function createMetrics(): LeashMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'leash_' });
  // Decisions are counted in a plain map and handed to prom-client when it collects (every
  // scrape): its inc() hashes and validates the labels on every call, once per decision.
  const pending = new Map<string, { labels: { result: string; rule: string; access: string; via: string }; n: number }>();
  const decisions: Counter<'result' | 'rule' | 'access' | 'via'> = new Counter({
    name: 'leash_decisions_total',
    help: 'Decisions made, by final result, matched rule, access kind and endpoint',
    labelNames: ['result', 'rule', 'access', 'via'] as const,
    registers: [registry],
    collect() {
      for (const entry of pending.values()) if (entry.n > 0) decisions.inc(entry.labels, entry.n);
      for (const entry of pending.values()) entry.n = 0;
    },
  });
  // Likewise the latency: bucket counts per endpoint in typed arrays, read by the registry in
  // prom-client's own Histogram shape (server/metrics/histogram.ts).
  const latency = createFastHistogram({
    name: 'leash_decision_duration_seconds',
    help: 'Time to decide, from request to answer (token check, evaluation, limits)',
    labelName: 'via',
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers: [registry],
  });
  const revision = new Gauge({
    name: 'leash_bundle_revision_info',
    help: 'The serving bundle revision (value 1 on the serving revision label)',
    labelNames: ['revision'] as const,
    registers: [registry],
    // one per revision across `--workers N` (summed, it would read N)
    aggregator: 'max',
  });
  const reloads = new Counter({
    name: 'leash_bundle_reloads_total',
    help: 'Bundle reload attempts by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'leash_errors_total',
    help: 'Errors by kind (policy_error, store_unavailable, bundle_rejected, http_5xx)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  return {
    registry,
    observeDecision(answer, request, seconds) {
      const result = resultOf(answer);
      const rule = answer.rule ?? 'none';
      // result, access and via come from fixed sets without NUL and the rule is last: unambiguous
      const key = `${result}\0${answer.access}\0${request.via}\0${rule}`;
      const entry = pending.get(key);
      if (entry) entry.n++;
      else pending.set(key, { labels: { result, rule, access: answer.access, via: request.via }, n: 1 });
      latency.observe(request.via, seconds);
      if (answer.code === 'policy_error' || answer.code === 'store_unavailable') errors.inc({ kind: answer.code });
    },
    observeReload(outcome) {
      reloads.inc({ outcome: outcome.kind });
      if (outcome.kind === 'loaded') {
        revision.reset();
        revision.set({ revision: outcome.revision }, 1);
      }
      if (outcome.kind === 'failed') errors.inc({ kind: 'bundle_rejected' });
    },
    countError(kind) {
      errors.inc({ kind });
    },
  };
}

function resultOf(answer: DecisionAnswer): string {
  if (answer.allow) return 'allow';
  switch (answer.status) {
    case 401:
      return 'unauthenticated';
    case 429:
      return 'rate_limited';
    default:
      return answer.code ?? 'deny';
  }
}
