// The seams between Leash's stages (see ARCHITECTURE.md, "Contracts between stages"): what
// the server passes to a policy (`PolicyInput`) and what the bundle's `leash/decision`
// entrypoint returns (`Decision`). Change these deliberately and everywhere at once.

export type AccessKind = 'read' | 'write';
export type Priority = 'normal' | 'high';
export type LimitScope = 'session' | 'agent' | 'key' | 'task' | 'upstream';

export interface PolicyInput {
  readonly agent: {
    readonly id: string;
    readonly session: string;
    readonly key: string | null;
    readonly claims: Readonly<Record<string, unknown>>;
    readonly task: Readonly<Record<string, unknown>> | null;
  };
  readonly request: {
    readonly method: string;
    /** the canonical path: percent-decoded segments joined by `/` (docs/requests.md) */
    readonly path: string;
    /** the path exactly as the gateway received it, without the query (the server always sets it) */
    readonly raw_path?: string;
    /** the original host, normalised, when the gateway forwarded it; else null (the server always sets it) */
    readonly host?: string | null;
    readonly query: Readonly<Record<string, string | readonly string[]>>;
    /** lower-cased names, credentials removed */
    readonly headers: Readonly<Record<string, string>>;
    readonly body: unknown;
  };
  /** the third-party API name when the call goes through the credential proxy */
  readonly upstream: string | null;
  /** nanoseconds since the epoch */
  readonly now: number;
}

export interface LimitRequest {
  /** `<rule>/<scope>` or `<rule>/<scope>/<window>`: stable across builds */
  readonly id: string;
  readonly scope: LimitScope;
  /** the scope's identity value: the session id, agent id, API key, task id or upstream */
  readonly key: string;
  readonly max: number;
  /** 'session' (the session's lifetime) or a window in seconds as a string such as '60s' */
  readonly window: string;
  readonly cost: number;
}

/**
 * What kind of denial a decision is (docs/dsl.md, "Decision classes"). The policy gives
 * 'scope' (nothing allows the request, or a deny declared class 'scope'), 'business' (a deny
 * about the request's content) and 'input' (a deny could not be decided, or a limit cannot be
 * counted, because data is missing); the server adds 'limit', 'identity' and 'system'.
 */
export type DecisionClass = 'scope' | 'business' | 'input' | 'limit' | 'identity' | 'system';

export interface Decision {
  readonly allow: boolean;
  readonly access: AccessKind;
  readonly rule: string | null;
  readonly reasons: readonly string[];
  readonly limits: readonly LimitRequest[];
  readonly priority: Priority;
  /** null when allowed */
  readonly class: DecisionClass | null;
  /** the resources (`<policy>/<route>`, keys of data.leash.resources) the request matched, sorted */
  readonly resources: readonly string[];
}

/** The bundle entrypoint every Leash bundle defines. */
export const DECISION_ENTRYPOINT = 'leash/decision';
