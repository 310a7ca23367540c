// Policy tests, written in TypeScript beside the policy (`<name>.policy.test.ts`) and run by
// `leash test`: each case names the token claims (typed by the policy's claims type, so a
// misspelt claim is a compile error at its file:line:col), a request, and what must come
// out; a sequence runs several requests in one session with limits counted, so "the 6th
// write is refused" is one case. See docs/testing.md.
import type { AccessKind, DecisionClass, Priority } from '../contract.ts';
import type { Json, Policy } from './types.ts';

export interface TestRequest {
  readonly method: string;
  /** the path as the gateway received it, `?query` included if any */
  readonly path: string;
  readonly query?: { readonly [name: string]: string | readonly string[] };
  readonly headers?: { readonly [name: string]: string };
  readonly body?: Json;
  /** the credential-proxy upstream the call goes through */
  readonly upstream?: string;
}

/** What must hold of the answer; fields left out are not checked. */
export interface Expectation {
  readonly allow: boolean;
  /** the HTTP status the gateway would return: 200, 400, 403, 429 */
  readonly status?: number;
  /** the deciding rule id, or null when nothing matched */
  readonly rule?: string | null;
  /** exactly these reasons */
  readonly reasons?: readonly string[];
  /** one of the reasons contains this text */
  readonly reason?: string;
  /** the denial code (`rate_limited`, `body_unavailable`, `non_canonical_path`, ...) */
  readonly code?: string;
  readonly class?: DecisionClass | null;
  readonly priority?: Priority;
  readonly access?: AccessKind;
  /** the id of the limit that refused the request (`support-agent.write/session`): a 429 */
  readonly limit?: string;
}

export interface Step {
  readonly request: TestRequest;
  readonly expect: Expectation;
  /** send this request this many times, each expecting the same (default 1) */
  readonly times?: number;
  /** time that passes before this step, as a limit window is written ('30s', '1h'): windows refill */
  readonly after?: `${number}s` | `${number}m` | `${number}h` | `${number}d`;
}

interface Identity {
  /** the agent (`sub`) and session (`sid`) the server would take from the token */
  readonly agent?: string;
  readonly session?: string;
  /** the limit state the case starts from: units already used of a limit, by limit id */
  readonly used?: { readonly [limitId: string]: number };
}

export type PolicyTestCase<C> = Identity & { readonly name: string; readonly claims: C } & (
  | { readonly request: TestRequest; readonly expect: Expectation }
  | { readonly steps: readonly Step[] }
);

export interface PolicyTests {
  readonly kind: 'policy-tests';
  readonly policy: Policy;
  readonly cases: readonly PolicyTestCase<unknown>[];
}

/** The default export of a `.policy.test.ts` file. */
export function policyTests<C>(policy: Policy<C>, cases: readonly PolicyTestCase<C>[]): PolicyTests {
  return Object.freeze({ kind: 'policy-tests', policy: policy as Policy, cases: cases as readonly PolicyTestCase<unknown>[] });
}
