// JSON-RPC 2.0 as MCP uses it: telling requests, notifications and responses apart, and the
// gateway's own error answers. A denied tool call is answered with an error whose code says
// why (policy, limit, identity) and whose data carries the decision id and reasons.

export type JsonRpcId = string | number;

export type JsonRpcMessage =
  | { readonly kind: 'request'; readonly id: JsonRpcId; readonly method: string; readonly params: unknown; readonly raw: Record<string, unknown> }
  | { readonly kind: 'notification'; readonly method: string; readonly raw: Record<string, unknown> }
  | { readonly kind: 'response'; readonly id: JsonRpcId | null; readonly raw: Record<string, unknown> };

export const JSONRPC_PARSE_ERROR = -32700;
export const JSONRPC_INVALID_REQUEST = -32600;
export const JSONRPC_METHOD_NOT_FOUND = -32601;
export const JSONRPC_INVALID_PARAMS = -32602;
export const JSONRPC_INTERNAL_ERROR = -32603;
/** a tool call the policy denied (the decision's 403) */
export const LEASH_DENIED = -32001;
/** a tool call over a limit (the decision's 429); `data.retryAfterSeconds` says when to retry */
export const LEASH_RATE_LIMITED = -32002;
/** the agent may not call at all: bad token, quarantined session, kill switch (401 or 403 before the policy) */
export const LEASH_IDENTITY = -32003;
/** the limit store or the policy failed; denied fail-closed (503) */
export const LEASH_UNAVAILABLE = -32004;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is JsonRpcId => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

/** One message, or why it is not one. */
export function classify(raw: unknown): JsonRpcMessage | { readonly invalid: string } {
  if (!isObj(raw) || raw['jsonrpc'] !== '2.0') return { invalid: 'a JSON-RPC 2.0 message is an object with "jsonrpc": "2.0"' };
  const method = raw['method'];
  if (method !== undefined) {
    if (typeof method !== 'string' || method === '') return { invalid: '"method" must be a non-empty string' };
    if (raw['params'] !== undefined && typeof raw['params'] !== 'object') return { invalid: '"params" must be an object or an array' };
    if (!('id' in raw)) return { kind: 'notification', method, raw };
    if (!isId(raw['id'])) return { invalid: '"id" must be a string or a number' };
    return { kind: 'request', id: raw['id'], method, params: raw['params'], raw };
  }
  if ('result' in raw || 'error' in raw) {
    const id = raw['id'];
    if (id !== null && !isId(id)) return { invalid: '"id" must be a string, a number or null' };
    return { kind: 'response', id: id as JsonRpcId | null, raw };
  }
  return { invalid: 'a message needs "method" (a request or notification) or "result"/"error" (a response)' };
}

export function errorResponse(id: JsonRpcId | null, code: number, message: string, data?: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data !== undefined ? { data } : {}) } };
}
