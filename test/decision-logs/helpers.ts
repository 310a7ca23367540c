// Fixtures for the decision-log tests: a fake decision-log service (node:http on loopback,
// the only fake: it stands for the third-party log collector) that gunzips and stores every
// event before it answers 2xx, and can be switched down (503, or connection refused) and
// up; and a real Leash app (example policies compiled by the real pipeline, real JWTs)
// with decision logs pointed at it.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type ConfigInput } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, LogCapture, postJson, type TestKeys } from '../server/helpers.ts';

export interface Post {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** the gzip'd body as received */
  readonly body: Buffer;
  readonly events: Record<string, any>[];
  /** what the collector answered */
  readonly status: number;
}

/** up; 503 to everything; refusing connections; or taking requests and never answering */
export type CollectorMode = 'up' | '503' | 'refused' | 'hang';

export interface Collector {
  /** the service base URL (events go to {url}/logs...) */
  readonly url: string;
  /** every request that reached the collector, accepted or not */
  readonly attempts: Post[];
  /** the events stored (acknowledged with 200) */
  readonly stored: Record<string, any>[];
  mode(): CollectorMode;
  setMode(mode: CollectorMode): Promise<void>;
  /** resolves once `n` events are stored */
  waitForEvents(n: number, limitMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCollector(initial: CollectorMode = 'up'): Promise<Collector> {
  const attempts: Post[] = [];
  const stored: Record<string, any>[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let mode: CollectorMode = 'up';
  const sockets = new Set<Socket>();
  const hung: import('node:http').ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let events: Record<string, any>[] = [];
      try {
        events = JSON.parse(gunzipSync(body).toString('utf8')) as Record<string, any>[];
      } catch {
        events = [];
      }
      if (mode === 'hang') {
        hung.push(res);
        return;
      }
      const status = mode === 'up' ? 200 : 503;
      attempts.push({ path: req.url ?? '', headers: req.headers, body, events, status });
      if (status === 200) {
        // stored first, then acknowledged
        stored.push(...events);
        for (const w of waiters.filter((w) => stored.length >= w.n)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
      res.statusCode = status;
      res.end();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  // An address of its own in 127.0.0.0/8: while the collector refuses connections its port
  // is free, and another test binding 127.0.0.1:0 could get it; nobody else listens here.
  const host = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  const listening = () => server.listening;

  async function setMode(next: CollectorMode): Promise<void> {
    if (next !== 'hang') for (const res of hung.splice(0)) res.socket?.destroy();
    if (next === 'refused' && listening()) {
      const closed = new Promise<void>((r) => server.close(() => r()));
      for (const s of sockets) s.destroy();
      await closed;
    } else if (next !== 'refused' && !listening()) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    }
    mode = next;
  }
  await setMode(initial);

  return {
    url: `http://${host}:${port}`,
    attempts,
    stored,
    mode: () => mode,
    setMode,
    waitForEvents: (n, limitMs = 60_000) =>
      stored.length >= n
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`collector: ${stored.length} of ${n} events after ${limitMs} ms`)), limitMs);
          waiters.push({ n, resolve: () => { clearTimeout(t); resolve(); } });
        }),
    async close() {
      for (const s of sockets) s.destroy();
      if (listening()) await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface LeashUnderTest {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly logs: LogCapture;
  close(): Promise<void>;
}

/** A real Leash app (default observer: audit file in `dir`, decision logs as configured) on loopback. */
export async function startLeash(keys: TestKeys, bundlePath: string, dir: string, decisionLogs: Record<string, unknown>, extra: ConfigInput = {}): Promise<LeashUnderTest> {
  const config = loadConfig({
    env: {},
    flags: {
      ...extra,
      server: { logLevel: 'info', ...(extra.server ?? {}) },
      bundle: { path: bundlePath, watch: false },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
      audit: { file: join(dir, 'audit.jsonl') },
      decisionLogs: { spoolDir: join(dir, 'spool'), minDelayMs: 20, maxDelayMs: 60, retryMaxDelayMs: 200, ...decisionLogs },
    },
  });
  const logs = new LogCapture();
  const app = await buildApp(config, { logStream: logs });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, url: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}

export const tempDir = (tag: string) => mkdtempSync(join(tmpdir(), `leash-dl-${tag}-`));

/** `count` decisions (allowed reads, out-of-scope reads, writes) through /decide; returns their decision ids. */
export async function makeDecisions(url: string, token: string, count: number, offset = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = offset; i < offset + count; i++) {
    const kind = i % 3;
    const req = kind === 0
      ? { method: 'GET', path: `/customers/C-771/records/${i}`, token }
      : kind === 1
        ? { method: 'GET', path: `/customers/C-332/records/${i}`, token }
        : { method: 'POST', path: '/tickets/T-4891/comments', headers: { 'content-type': 'application/json' }, body: { text: `comment ${i}`, card: '4111111111111111' }, token };
    const res = await postJson(`${url}/decide`, req);
    if (res.status !== 200 || typeof res.body?.decision_id !== 'string') throw new Error(`decide answered ${res.status}: ${JSON.stringify(res.body)}`);
    ids.push(res.body.decision_id as string);
  }
  return ids;
}

/** Every decision id the collector stored, sorted, with repeats kept. */
export const storedIds = (c: Collector) => c.stored.map((e) => e['decision_id'] as string).sort();

export async function metricsText(url: string): Promise<string> {
  return (await fetch(`${url}/metrics`)).text();
}

/** Waits for `check` to hold (no timing is asserted: the limit only stops a hung test). */
export async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > limitMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
