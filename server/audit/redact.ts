// Removes credentials from what goes into an audit event: credential headers and query
// parameters, secret-looking keys anywhere in a body, bearer tokens and JWT-shaped strings
// in any value, and oversized bodies. Input: any JSON-like value; output: a redacted copy.

export const REDACTED = '[redacted]';

/** header, query and body keys whose values are credentials whatever their content */
const SECRET_NAME = /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|passw|api[-_]?key|apikey|credential|signature|private[-_]?key|x-amz-security|session[-_]?key/i;
const JWT_SHAPE = /^eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*$/;
const BEARER = /^(bearer|basic|digest)\s+\S+/i;

export interface RedactOptions {
  /** bodies larger than this (as JSON) are replaced by a marker with their size */
  readonly maxBodyBytes?: number;
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return JWT_SHAPE.test(value) || BEARER.test(value) ? REDACTED : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 32) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k in value) {
    if (!Object.hasOwn(value, k)) continue;
    const v = (value as Record<string, unknown>)[k];
    out[k] = isSecretName(k) ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}

export function redactBody(body: unknown, options: RedactOptions = {}): unknown {
  const max = options.maxBodyBytes ?? 8_192;
  if (body === undefined || body === null) return null;
  const redacted = redactValue(body);
  let size = 0;
  try {
    size = Buffer.byteLength(JSON.stringify(redacted) ?? '');
  } catch {
    return { '[unserializable]': true };
  }
  return size > max ? { '[truncated]': true, bytes: size } : redacted;
}
