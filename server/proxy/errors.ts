// The proxy's own failure codes, in the server's one error shape `{ code, message }`. A
// failure is plain data (status, code, message) so every stage can return one and the
// handler answers it in one place. Messages name what went wrong and never hold a secret.

export const PROXY_ERROR_CODES = {
  unknown_upstream: { status: 404, meaning: 'no upstream of that name is declared' },
  unsafe_path: { status: 400, meaning: 'the path could leave the upstream base URL (.., encoded slash, backslash, double encoding, //)' },
  invalid_body: { status: 400, meaning: 'the JSON or form body cannot be read unambiguously' },
  body_not_inspectable: { status: 415, meaning: 'the body is neither JSON nor form-encoded and the route is not declared as streamed' },
  body_too_large: { status: 413, meaning: 'the body is over the inspect limit (policy-checked routes) or the request limit (streamed routes)' },
  request_body_timeout: { status: 408, meaning: 'the agent paused sending its body for longer than the limit' },
  credential_missing: { status: 503, meaning: 'the upstream credential was not loaded at start' },
  decision_unavailable: { status: 503, meaning: 'the decision service failed; denied fail-closed' },
  upstream_unreachable: { status: 502, meaning: 'the upstream could not be reached (refused, reset, DNS, TLS)' },
  upstream_error: { status: 502, meaning: 'the upstream answered something the proxy cannot pass on safely' },
  upstream_timeout: { status: 504, meaning: 'the upstream did not connect or answer within the time limit' },
} as const;

export type ProxyErrorCode = keyof typeof PROXY_ERROR_CODES;

export interface ProxyFailure {
  readonly status: number;
  readonly code: ProxyErrorCode;
  readonly message: string;
}

export function proxyFailure(code: ProxyErrorCode, message: string): ProxyFailure {
  return { status: PROXY_ERROR_CODES[code].status, code, message };
}
