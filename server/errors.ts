// The server's one registry of error codes and the one error shape `{ code, message, errors? }`
// every failed HTTP request answers with. Routes throw `HttpError`; `toErrorBody` turns any
// thrown value (Fastify's own errors included) into a safe body that never echoes input.

/** Stable snake_case codes: the HTTP status each maps to and what it means. */
export const ERROR_CODES = {
  invalid_request: { status: 400, meaning: 'the request does not match the endpoint schema (wrong or missing fields)' },
  malformed_json: { status: 400, meaning: 'the body is not valid JSON' },
  empty_body: { status: 400, meaning: 'the content-type says JSON but the body is empty' },
  unsupported_media_type: { status: 415, meaning: 'the body is neither JSON nor empty' },
  body_too_large: { status: 413, meaning: 'the body is over the configured size limit' },
  unknown_data_path: { status: 404, meaning: 'the data API path names no Leash document' },
  not_found: { status: 404, meaning: 'no route for this method and path' },
  not_ready: { status: 503, meaning: 'no policy bundle is loaded yet' },
  metrics_unavailable: { status: 503, meaning: 'with --workers, the metrics of every worker could not be gathered for /metrics' },
  bad_request: { status: 400, meaning: 'the bytes are not a valid HTTP request (refused by the HTTP parser; the connection is closed)' },
  request_timeout: { status: 408, meaning: 'the request did not arrive within the server\'s request timeout (the connection is closed)' },
  headers_too_large: { status: 431, meaning: 'the request headers are over the HTTP parser\'s size limit, 16 KiB by default (the connection is closed)' },
  internal_error: { status: 500, meaning: 'an unexpected server error (logged, never detailed in the answer)' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The credential proxy's codes (answered on /proxy/... as `{ code, message }`). */
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

/** Codes carried by a denial (in the decision answer, not as an HTTP error). */
export const DENIAL_CODES = {
  bad_token: 'the agent token is missing or failed verification (401)',
  quarantined: 'the session is quarantined (403)',
  kill_switch: 'an operator stopped this agent or API key fleet-wide with the kill switch (403)',
  policy_error: 'the policy could not be evaluated; denied fail-closed (403)',
  rate_limited: 'a limit bucket is exhausted (429)',
  store_unavailable: 'the limit store could not be reached; denied fail-closed (503)',
  non_canonical_path: 'the path could be read as another resource by an upstream (dot segment, encoded / or \\, control character, ; parameter, double encoding, bad UTF-8, //, NFKC separator); refused before the policy (400)',
  non_canonical_method: 'the method is not an upper-case token (methods are case-sensitive); refused before the policy (400)',
  method_override: 'a method-override header or _method parameter names another method; refused before the policy (400)',
  ambiguous_query: 'a query parameter is repeated, malformed or split by ;, so upstreams could read another value; refused before the policy (400)',
  body_unavailable: 'a resource the request matched reads the request body and the request carried none (always so on /authz); denied (403)',
  invalid_host: 'the forwarded host is not a valid host[:port]; refused before the policy (400)',
} as const;

export type DenialCode = keyof typeof DENIAL_CODES;

export interface FieldError {
  readonly path: string;
  readonly message: string;
}

export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly errors?: readonly FieldError[];
}

export class HttpError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = ERROR_CODES[code].status;
  }
}

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: readonly { keyword?: string; instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/** Maps any thrown value to a status and a body. Messages are fixed text: input is never echoed. */
export function toErrorBody(err: unknown): { status: number; body: ErrorBody } {
  if (err instanceof HttpError) {
    const body: ErrorBody = err.errors ? { code: err.code, message: err.message, errors: err.errors } : { code: err.code, message: err.message };
    return { status: err.status, body };
  }
  const e = (err ?? {}) as FastifyLikeError;
  if (Array.isArray(e.validation)) {
    const where = e.validationContext ?? 'body';
    const errors = e.validation.map((v) => ({ path: fieldPath(where, v.instancePath, v.params), message: fieldMessage(v.keyword, v.message) }));
    const first = errors[0];
    return make('invalid_request', first ? `${first.path} ${first.message}` : `the ${where} is invalid`, errors);
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return make('malformed_json', 'the body is not valid JSON');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return make('empty_body', 'the content-type is application/json but the body is empty');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return make('body_too_large', 'the body is over the size limit');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return make('unsupported_media_type', 'send the body as application/json');
    default:
      break;
  }
  // Node's JSON.parse errors quote the input; never pass them through.
  if (err instanceof SyntaxError || (e.statusCode === 400 && /JSON/i.test(String((err as Error).message)))) {
    return make('malformed_json', 'the body is not valid JSON');
  }
  if (e.statusCode === 413) return make('body_too_large', 'the body is over the size limit');
  if (e.statusCode === 415) return make('unsupported_media_type', 'send the body as application/json');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return make('invalid_request', 'the request is invalid');
  }
  return make('internal_error', 'an internal error occurred; it has been logged');
}

function make(code: ErrorCode, message: string, errors?: readonly FieldError[]): { status: number; body: ErrorBody } {
  return { status: ERROR_CODES[code].status, body: errors ? { code, message, errors } : { code, message } };
}

/** Ajv's wording, made to read after the field's path ("body.method is required"). */
function fieldMessage(keyword: string | undefined, message: string | undefined): string {
  switch (keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an accepted field';
    default:
      return message ?? 'is invalid';
  }
}

function fieldPath(where: string, instancePath: string | undefined, params: Record<string, unknown> | undefined): string {
  const base = `${where}${(instancePath ?? '').replace(/\//g, '.')}`;
  const missing = params?.['missingProperty'];
  if (typeof missing === 'string') return `${base}.${missing}`;
  const extra = params?.['additionalProperty'];
  if (typeof extra === 'string') return `${base}.${extra}`;
  return base;
}
