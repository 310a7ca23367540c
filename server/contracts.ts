// The seams inside the server: the decision service the routes and the credential proxy
// call, the limit store it consumes buckets from, and the observer that turns every
// decision into an audit event (and alerts). Plain types only; implementations live in
// server/decide, server/limits, server/audit and server/proxy.
import type { Decision, LimitRequest, PolicyInput } from '../compiler/index.ts';

/* ------------------------------------------------------------ decisions */

/** What a route or the proxy asks: a gateway request, as plain data. */
export interface DecisionRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** any case; credentials are removed before they reach the policy input or the audit */
  readonly headers?: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body?: unknown;
  readonly upstream?: string | null;
  /** the agent token; else the bearer token in headers.authorization */
  readonly token?: string;
  /** the client-certificate thumbprint the gateway forwarded, when configured */
  readonly certThumbprint?: string;
  /** which endpoint asked (for metrics and the audit trail) */
  readonly via: 'decide' | 'data-api' | 'authz' | 'proxy' | 'mcp' | 'authzen';
}

/** A DecisionRequest being put together field by field (optional fields set only when present). */
export type DecisionRequestDraft = { -readonly [K in keyof DecisionRequest]: DecisionRequest[K] };

/** The rate-limit state of one bucket after a decision. */
export interface BucketState {
  readonly id: string;
  readonly limit: number;
  readonly remaining: number;
  /** ms until the bucket has room again (0 when it has room now) */
  readonly resetMs: number;
  /** ms until the bucket is back to its full allowance (drives RateLimit-Reset) */
  readonly fullMs?: number;
}

/** The server's answer: the policy decision, then identity, limits and the final verdict. */
export interface DecisionAnswer extends Decision {
  readonly decision_id: string;
  /** the HTTP status the gateway should return: 200, 401, 403, 429 (or 503 for the proxy) */
  readonly status: number;
  /** headers the gateway should add: RateLimit-*, Retry-After, x-leash-* identity */
  readonly headers: Readonly<Record<string, string>>;
  /** stable snake_case code for a denial that did not come from the policy (bad_token, rate_limited, store_unavailable, policy_error, quarantined) */
  readonly code?: string;
  /** a finer reason for `code`: for bad_token the token failure (token_expired, wrong_issuer, unknown_kid, ...) */
  readonly reason_code?: string;
  /** the verified identity, when the token verified */
  readonly agent?: PolicyInput['agent'];
  readonly input?: PolicyInput;
  readonly bucketStates?: readonly BucketState[];
  /** the bundle revision that made the decision */
  readonly revision?: string;
}

export interface DecisionService {
  decide(request: DecisionRequest): Promise<DecisionAnswer>;
}

/* --------------------------------------------------------------- limits */

export interface ConsumeRequest {
  readonly buckets: readonly LimitRequest[];
  readonly nowMs: number;
  /** when the session can no longer be used (token expiry or the configured max life) */
  readonly sessionExpiresAtMs: number;
}

export type ConsumeOutcome =
  | { readonly kind: 'allowed'; readonly buckets: readonly BucketState[] }
  | { readonly kind: 'limited'; readonly buckets: readonly BucketState[]; readonly exceeded: string; readonly retryAfterMs: number }
  /** `cause: 'bucket'`: the decision named a malformed bucket (a policy bug, never fail-open) */
  | { readonly kind: 'unavailable'; readonly reason: string; readonly cause?: 'store' | 'bucket' };

/** Consumes all buckets or none, atomically. Never throws: failures are `unavailable`. */
export interface LimitStore {
  consume(request: ConsumeRequest): Promise<ConsumeOutcome>;
  close(): Promise<void>;
}

/* ---------------------------------------------------------------- audit */

/** Everything known about one finished decision; the observer builds the audit event. */
export interface DecisionRecord {
  readonly request: DecisionRequest;
  readonly answer: DecisionAnswer;
  readonly timestampMs: number;
  readonly durationNs: number;
  /** set by the credential proxy after forwarding */
  readonly upstreamCall?: { readonly upstream: string; readonly status: number; readonly durationMs: number; readonly cost: number };
}

/** Non-blocking: `record` returns at once; sinks work in the background. */
export interface DecisionObserver {
  record(record: DecisionRecord): void;
  /** a quarantined session is denied before the policy runs */
  isQuarantined(session: string): boolean | Promise<boolean>;
  close(): Promise<void>;
}
