// Fixtures for the status, health and admin tests: a real compiled bundle in a temp folder,
// a real app (real audit observer, file sink in the temp folder) listening on loopback, a
// node:http receiver that records what is POSTed to it, and reading the audit file.
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type ConfigInput } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, LogCapture, compileRego, makeKeys, writeRegoBundle, type TestKeys } from './helpers.ts';

export const ADMIN_TOKEN = 'admin-secret-token-7f3a9c1e55d2';

export const REGO = `package leash

default decision := {"allow": false, "access": "read", "rule": null, "reasons": ["no rule"], "limits": [], "priority": "normal"}

decision := {"allow": true, "access": "read", "rule": "r", "reasons": [data.rev], "limits": [], "priority": "normal"} if {
	input.request.method == "GET"
}
`;

let wasm: Uint8Array | undefined;

export interface Fixture {
  readonly keys: TestKeys;
  readonly bundlePath: string;
  readonly auditPath: string;
  /** writes a new bundle revision; returns its revision */
  publish(label: string): Promise<string>;
}

export async function makeFixture(): Promise<Fixture> {
  wasm ??= await compileRego(REGO);
  const keys = await makeKeys();
  const bundlePath = join(keys.dir, 'bundle.tar.gz');
  const publish = (label: string) => writeRegoBundle(bundlePath, REGO, wasm!, { rev: label });
  await publish('rev-1');
  return { keys, bundlePath, auditPath: join(keys.dir, 'audit', 'audit.jsonl'), publish };
}

export function configFor(f: Fixture, flags: ConfigInput = {}) {
  const { server, bundle, identity, audit, admin, ...rest } = flags as Record<string, Record<string, unknown> | undefined>;
  return loadConfig({
    env: {},
    flags: {
      ...rest,
      server: { port: 0, logLevel: 'info', ...(server ?? {}) },
      bundle: { path: f.bundlePath, watch: false, ...(bundle ?? {}) },
      identity: { jwks: f.keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE], ...(identity ?? {}) },
      audit: { file: f.auditPath, ...(audit ?? {}) },
      admin: { token: ADMIN_TOKEN, ...(admin ?? {}) },
    } as ConfigInput,
  });
}

export interface App {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

/** buildApp with the real observer (no test doubles), listening on a loopback port */
export async function startApp(f: Fixture, flags: ConfigInput = {}): Promise<App> {
  const logs = new LogCapture();
  const app = await buildApp(configFor(f, flags), { logStream: logs });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, logs, close: () => app.close() };
}

export function auditEvents(path: string): Record<string, any>[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, any>);
}

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** how the next requests are answered (default 200 `{}`); 'hang' never answers */
  answer: (r: Received, n: number) => number | 'hang' | { readonly status: number; readonly body: Uint8Array; readonly headers?: Record<string, string> };
  /** resolves once `n` requests have arrived */
  waitFor(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    answer: () => 200,
    waitFor(n) {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      received.push(r);
      const a = receiver.answer(r, received.length);
      if (a === 'hang') {
        // never answered: the connection stays open until the receiver closes
      } else if (typeof a === 'number') res.writeHead(a, { 'content-type': 'application/json' }).end('{}');
      else res.writeHead(a.status, a.headers ?? {}).end(a.body);
      for (const w of waiters.filter((w) => received.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (receiver as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}

/** Re-asks `check` until it is true (state reached in the background); no timing is asserted. */
export async function eventually(check: () => Promise<boolean> | boolean, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`never happened: ${what}`);
}

export const adminAuth = { authorization: `Bearer ${ADMIN_TOKEN}` };
