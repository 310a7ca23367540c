// Test fixtures for audit and alert tests: DecisionRecords shaped like the decision
// service's, and a local HTTP webhook receiver that records every POST with its arrival time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DecisionClass } from '../../compiler/index.ts';
import type { DecisionAnswer, DecisionRecord } from '../../server/contracts.ts';

export const T0 = 1_764_214_800_000;
export const SECRET_TOKEN = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJzdXBwb3J0LWJvdCJ9.c2lnbmF0dXJlLXNlY3JldA';

export interface RecordShape {
  readonly access?: 'read' | 'write';
  readonly allow?: boolean;
  readonly status?: number;
  readonly code?: string;
  readonly class?: DecisionClass;
  readonly session?: string;
  readonly path?: string;
  readonly id?: string;
  readonly exp?: number;
  readonly timestampMs?: number;
  readonly body?: unknown;
}

let n = 0;

/** the class the decision service gives a denial with this code (server/decide/service.ts) */
const classOfCode = (code: string | undefined): DecisionClass =>
  code === 'rate_limited' ? 'limit' : code === 'store_unavailable' || code === 'policy_error' ? 'system'
    : code === 'bad_token' || code === 'quarantined' ? 'identity' : code === 'body_unavailable' ? 'input' : 'scope';

export function makeRecord(shape: RecordShape = {}): DecisionRecord {
  const access = shape.access ?? 'read';
  const allow = shape.allow ?? true;
  const session = shape.session ?? 's-8c1f';
  const method = access === 'write' ? 'POST' : 'GET';
  const path = shape.path ?? (access === 'write' ? '/tickets/T-4891/comments' : '/customers/C-771/records/42');
  const agent = { id: 'support-bot', session, key: 'key-17', claims: { sub: 'support-bot', sid: session, exp: shape.exp ?? (T0 + 3_600_000) / 1000 }, task: { ticketId: 'T-4891', customerId: 'C-771' } };
  const answer: DecisionAnswer = {
    decision_id: shape.id ?? `d-${++n}`,
    allow,
    access,
    rule: allow ? `tickets.${access}` : null,
    reasons: allow ? [] : ['task scope is customer C-771, request is for C-332'],
    limits: [{ id: `tickets.${access}/session`, scope: 'session', key: session, max: 10, window: 'session', cost: 1 }],
    priority: access === 'write' ? 'high' : 'normal',
    class: allow ? null : shape.class ?? classOfCode(shape.code),
    resources: [],
    status: shape.status ?? (allow ? 200 : 403),
    headers: {},
    ...(shape.code ? { code: shape.code } : {}),
    agent,
    input: {
      agent,
      request: { method, path, query: { api_key: 'sk_live_123', page: '2' }, headers: { 'x-request-id': 'r-1', 'x-api-key': 'sk_live_456' }, body: shape.body ?? { note: 'hi', password: 'hunter2', nested: { auth: `Bearer ${SECRET_TOKEN}` } } },
      upstream: null,
      now: (shape.timestampMs ?? T0) * 1e6,
    },
    bucketStates: [{ id: `tickets.${access}/session`, limit: 10, remaining: 7, resetMs: 0 }],
    revision: 'rev-1',
  };
  return {
    request: { method, path, headers: { authorization: `Bearer ${SECRET_TOKEN}` }, token: SECRET_TOKEN, via: 'decide' },
    answer,
    timestampMs: shape.timestampMs ?? T0,
    durationNs: 120_000,
  };
}

export interface Received {
  readonly atMs: number;
  readonly body: unknown;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** answers these statuses first (e.g. [500, 500]), then 200 */
  failNext(statuses: number[]): void;
  /** resolves once `count` requests have arrived */
  waitFor(count: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const failures: number[] = [];
  const waiters: { count: number; resolve: (r: Received[]) => void }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = failures.shift();
      if (status !== undefined) {
        res.statusCode = status;
        res.end();
        return;
      }
      received.push({ atMs: Date.now(), body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: req.headers });
      res.end('ok');
      for (const w of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(received.slice());
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    failNext: (s) => failures.push(...s),
    waitFor: (count) => (received.length >= count ? Promise.resolve(received.slice()) : new Promise((resolve) => waiters.push({ count, resolve }))),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export const quietLog = () => {
  const lines: { level: string; msg: string; obj: object }[] = [];
  return {
    lines,
    warn: (obj: object, msg: string) => void lines.push({ level: 'warn', msg, obj }),
    error: (obj: object, msg: string) => void lines.push({ level: 'error', msg, obj }),
  };
};
