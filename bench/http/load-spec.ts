// The contract between the HTTP runner and the load child: what to send, what came back.

export interface RequestVariant {
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadSpec {
  readonly url: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** cycled in order, one per request, across all connections */
  readonly variants: readonly RequestVariant[];
  readonly connections: number;
  readonly durationS: number;
  /** when set, send exactly this many requests instead of running for durationS */
  readonly amount?: number;
  /** when set, an open-loop run: this many requests per second in total, on a schedule (bench/http/open-loop.ts) */
  readonly overallRate?: number;
  /** count answers that are not 200 with `"allow":true` in the body */
  readonly expectAllow: boolean;
}

export interface LoadResult {
  readonly rps: number;
  readonly total: number;
  readonly durationS: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly notAllowed: number | null;
}
