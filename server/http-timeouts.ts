// How long a client may take to send a request, for the main and the admin listener. Node's
// defaults under Fastify leave the body unbounded (requestTimeout 0) and the headers at 60 s,
// checked every 30 s: a client trickling a body one byte at a time would hold its socket and
// buffer forever. A late request is answered 408 request_timeout (client-errors.ts).
import type { ServerOptions } from 'node:http';
import type { LeashConfig } from './config/index.ts';

/** how often Node looks for requests past their time: a late request is cut within this much of its bound */
const CHECK_EVERY_MS = 1_000;

export function httpTimeouts(server: Pick<LeashConfig['server'], 'headersTimeoutMs' | 'requestTimeoutMs'>): { requestTimeout: number; http: ServerOptions } {
  return {
    requestTimeout: server.requestTimeoutMs,
    http: { headersTimeout: server.headersTimeoutMs, requestTimeout: server.requestTimeoutMs, connectionsCheckingInterval: CHECK_EVERY_MS },
  };
}
