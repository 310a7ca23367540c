// Reads a gateway request out of an OPA data-API `input`: Kong's OPA plugin
// (`input.request.http.{method, path, headers, querystring}`), OPA-Envoy style
// (`input.attributes.request.http.{method, path, headers}`), or Leash's own `/decide` shape
// (`input.{method, path, headers?, query?, body?, token?, upstream?}`). Type errors name the field.
import type { DecisionRequestDraft } from '../contracts.ts';
import type { FieldError } from '../errors.ts';

export type GatewayShape = 'kong' | 'envoy' | 'leash';
export type ParsedInput =
  | { readonly ok: true; readonly shape: GatewayShape; readonly request: DecisionRequestDraft }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

type Headers = Record<string, string | readonly string[]>;

export function parseGatewayInput(input: unknown): ParsedInput {
  if (!isRecord(input)) return invalid('body.input', 'must be an object describing the request');
  const kongHttp = isRecord(input['request']) ? input['request']['http'] : undefined;
  if (isRecord(kongHttp)) return fromHttp('kong', 'body.input.request.http', kongHttp, kongHttp['querystring']);
  const attrs = input['attributes'];
  const envoyHttp = isRecord(attrs) && isRecord(attrs['request']) ? attrs['request']['http'] : undefined;
  if (isRecord(envoyHttp)) return fromHttp('envoy', 'body.input.attributes.request.http', envoyHttp, envoyHttp['query']);
  if ('method' in input || 'path' in input) return fromLeash(input);
  return invalid('body.input', 'must be a gateway request: Kong (input.request.http), Envoy (input.attributes.request.http) or Leash ({ method, path, headers })');
}

function fromHttp(shape: GatewayShape, at: string, http: Record<string, unknown>, queryValue: unknown): ParsedInput {
  const errors: FieldError[] = [];
  const method = str(http['method'], `${at}.method`, errors);
  const rawPath = str(http['path'], `${at}.path`, errors);
  const headers = headerMap(http['headers'], `${at}.headers`, errors);
  const query = queryValue === undefined ? {} : queryMap(queryValue, `${at}.${shape === 'kong' ? 'querystring' : 'query'}`, errors);
  if (errors.length > 0 || method === undefined || rawPath === undefined) return { ok: false, errors };
  const body = http['parsed_body'] ?? http['body'];
  // The path keeps its query: server/request reads both (and refuses a name given twice).
  // optional fields set one by one (no conditional spreads on a per-request path)
  const request: DecisionRequestDraft = { via: 'data-api', method, path: rawPath, query, headers };
  if (body !== undefined) request.body = body;
  return { ok: true, shape, request };
}

function fromLeash(input: Record<string, unknown>): ParsedInput {
  const errors: FieldError[] = [];
  const method = str(input['method'], 'body.input.method', errors);
  const path = str(input['path'], 'body.input.path', errors);
  const headers = input['headers'] === undefined ? {} : headerMap(input['headers'], 'body.input.headers', errors);
  const query = input['query'] === undefined ? {} : queryMap(input['query'], 'body.input.query', errors);
  const token = input['token'];
  if (token !== undefined && typeof token !== 'string') errors.push({ path: 'body.input.token', message: 'must be a string' });
  const upstream = input['upstream'];
  if (upstream !== undefined && upstream !== null && typeof upstream !== 'string') errors.push({ path: 'body.input.upstream', message: 'must be a string or null' });
  if (errors.length > 0 || method === undefined || path === undefined) return { ok: false, errors };
  const request: DecisionRequestDraft = { via: 'data-api', method, path, query, headers };
  if (input['body'] !== undefined) request.body = input['body'];
  if (typeof token === 'string') request.token = token;
  if (typeof upstream === 'string' || upstream === null) request.upstream = upstream;
  return { ok: true, shape: 'leash', request };
}

function str(v: unknown, path: string, errors: FieldError[]): string | undefined {
  if (typeof v === 'string' && v !== '') return v;
  errors.push({ path, message: v === undefined ? 'is required' : 'must be a non-empty string' });
  return undefined;
}

function headerMap(v: unknown, path: string, errors: FieldError[]): Headers {
  if (v === undefined) return {};
  if (!isRecord(v)) {
    errors.push({ path, message: 'must be an object of header names to values' });
    return {};
  }
  const out: Headers = {};
  for (const [k, value] of Object.entries(v)) {
    if (typeof value === 'string') out[k] = value;
    else if (Array.isArray(value) && value.every((x) => typeof x === 'string')) out[k] = value as string[];
    else errors.push({ path: `${path}.${k}`, message: 'must be a string or a list of strings' });
  }
  return out;
}

/** Kong sends `querystring` as an object; values may be strings, lists or `true` (a bare key). */
function queryMap(v: unknown, path: string, errors: FieldError[]): Headers {
  if (!isRecord(v)) {
    errors.push({ path, message: 'must be an object of parameter names to values' });
    return {};
  }
  const out: Headers = {};
  for (const [k, value] of Object.entries(v)) {
    if (typeof value === 'string') out[k] = value;
    else if (value === true) out[k] = '';
    else if (Array.isArray(value) && value.every((x) => typeof x === 'string')) out[k] = value as string[];
    else errors.push({ path: `${path}.${k}`, message: 'must be a string or a list of strings' });
  }
  return out;
}

function invalid(path: string, message: string): ParsedInput {
  return { ok: false, errors: [{ path, message }] };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
