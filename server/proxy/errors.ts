// The proxy's failures, in the server's one error shape `{ code, message }`; the codes sit
// in the server's one registry (server/errors.ts). A failure is plain data (status, code,
// message) so every stage can return one and the handler answers it in one place.
// Messages name what went wrong and never hold a secret.

import { PROXY_ERROR_CODES } from '../errors.ts';

export { PROXY_ERROR_CODES };

export type ProxyErrorCode = keyof typeof PROXY_ERROR_CODES;

export interface ProxyFailure {
  readonly status: number;
  readonly code: ProxyErrorCode;
  readonly message: string;
}

export function proxyFailure(code: ProxyErrorCode, message: string): ProxyFailure {
  return { status: PROXY_ERROR_CODES[code].status, code, message };
}
