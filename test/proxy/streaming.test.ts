// Large bodies stream through the proxy in both directions without being held whole: the
// upstream sees the first bytes of a request before the agent has finished sending it, and
// the agent sees the first bytes of a response before the upstream has finished sending
// it. Each step waits for the other side's event, so a buffering proxy would never get
// there (the test would fail on its timeout), with no timing assertions.
import { request } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingClaims, makeKeys, startFakeUpstream, startProxyServer, STRIPE_KEY, type FakeUpstream, type Keys, type ProxyServer } from './helpers.ts';

let keys: Keys;
let fake: FakeUpstream;
let leash: ProxyServer;
const CHUNK = 256 * 1024;
const CHUNKS = 32; // 8 MiB, far over the 64 KiB inspect limit set below

beforeAll(async () => {
  keys = await makeKeys();
  fake = await startFakeUpstream();
  leash = await startProxyServer(keys, { upstreamUrl: fake.url, limits: { inspectBodyBytes: 64 * 1024, maxBodyBytes: 16 * 1024 * 1024, requestBodyTimeoutMs: 1_000 } });
});
afterAll(async () => {
  await leash?.close();
  await fake?.close();
});

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('request bodies on a streamed route', () => {
  it('reach the upstream while the agent is still sending', async () => {
    const firstBytesUpstream = deferred();
    let upstreamBytes = 0;
    fake.on('/base/upload', (req, res) => {
      req.on('data', (c: Buffer) => {
        upstreamBytes += c.length;
        firstBytesUpstream.resolve();
      });
      req.on('end', () => res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes: upstreamBytes })));
    });
    const token = await keys.sign(billingClaims('uploader', 'ch', 1));
    const url = new URL(leash.url);
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/proxy/lab/upload', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'content-length': String(CHUNK * CHUNKS) } });
    const response = once(req, 'response');
    req.write(Buffer.alloc(CHUNK, 1));
    // The agent has sent 1 of 32 chunks; a proxy that buffered the body would wait forever here.
    await firstBytesUpstream.promise;
    expect(upstreamBytes).toBeLessThan(CHUNK * CHUNKS);
    for (let i = 1; i < CHUNKS; i++) if (!req.write(Buffer.alloc(CHUNK, 1))) await once(req, 'drain');
    req.end();
    const [res] = (await response) as [import('node:http').IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    expect(res.statusCode).toBe(201);
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({ bytes: CHUNK * CHUNKS });
  });

  it('over the request limit is 413 and the upstream never gets a complete body', async () => {
    const token = await keys.sign(billingClaims('uploader', 'ch', 1));
    const before = fake.received.length;
    const url = new URL(leash.url);
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/proxy/lab/upload', headers: { authorization: `Bearer ${token}`, 'content-length': String(17 * 1024 * 1024) } });
    const [res] = (await Promise.all([once(req, 'response'), req.end()])) as unknown as [[import('node:http').IncomingMessage]];
    expect(res[0].statusCode).toBe(413);
    expect(fake.received.length).toBe(before);
  });
});

describe('a chunked body that grows past the request limit', () => {
  it('is cut off: 413 for the agent, and the upstream never sees the body end', async () => {
    let upstreamEnded = false;
    fake.on('/base/upload-chunked', (req, res) => {
      req.on('error', () => {});
      req.resume();
      req.on('end', () => {
        upstreamEnded = true;
        res.end('{}');
      });
    });
    const token = await keys.sign(billingClaims('uploader', 'ch', 1));
    const url = new URL(leash.url);
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/proxy/lab/upload-chunked', headers: { authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' } });
    const outcome = new Promise<number | 'reset'>((resolve) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => resolve('reset'));
    });
    void (async () => {
      try {
        for (let i = 0; i < 80 && !req.destroyed; i++) if (!req.write(Buffer.alloc(CHUNK, 2))) await Promise.race([once(req, 'drain'), once(req, 'close')]);
        req.end();
      } catch {
        /* the proxy closed the connection: expected */
      }
    })();
    const status = await outcome;
    // The answer arrives even though the agent is still writing (its socket stays open for it).
    expect(status).toBe(413);
    expect(upstreamEnded).toBe(false);
  });
});

describe('a stalled request body', () => {
  it('is 408 and nothing is decided or forwarded', async () => {
    const token = await keys.sign(billingClaims('stalled', 'ch_1', 100));
    const before = fake.received.length;
    const records = leash.observer.records.length;
    const url = new URL(leash.url);
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/proxy/stripe/v1/refunds', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': '100' } });
    req.on('error', () => {});
    req.write('charge=ch_1&amount=');
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    expect(res.statusCode).toBe(408);
    expect(JSON.parse(Buffer.concat(chunks).toString()).code).toBe('request_body_timeout');
    req.destroy();
    expect(fake.received.length).toBe(before);
    expect(leash.observer.records.length).toBe(records);
  });
});

describe('response bodies', () => {
  it('reach the agent while the upstream is still sending, with the key scrubbed across chunk boundaries', async () => {
    const agentGotFirstBytes = deferred();
    fake.on('/base/download', (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(Buffer.alloc(CHUNK, 'a'));
      void agentGotFirstBytes.promise.then(async () => {
        // The key, as the upstream saw it, split in two writes.
        const echo = String(req.headers['authorization']);
        res.write(echo.slice(0, 20));
        await new Promise((r) => setImmediate(r));
        res.write(echo.slice(20));
        for (let i = 0; i < 8; i++) res.write(Buffer.alloc(CHUNK, 'b'));
        res.end();
      });
    });
    const token = await keys.sign(billingClaims('downloader', 'ch', 1));
    const url = new URL(leash.url);
    const req = request({ host: url.hostname, port: url.port, method: 'GET', path: '/proxy/lab/download', headers: { authorization: `Bearer ${token}` } });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    const chunks: Buffer[] = [];
    for await (const c of res) {
      chunks.push(c as Buffer);
      // The upstream holds the rest back until the agent has bytes: a buffering proxy deadlocks.
      agentGotFirstBytes.resolve();
    }
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(CHUNK * 9 + `Bearer ${STRIPE_KEY}`.length);
    expect(body.includes(Buffer.from(STRIPE_KEY))).toBe(false);
    expect(body.includes(Buffer.from(`Bearer ${'*'.repeat(STRIPE_KEY.length)}`))).toBe(true);
  });
});

describe('server-sent events (an LLM token stream)', () => {
  it('each event reaches the agent whole before the upstream sends the next one', async () => {
    const events = ['data: {"delta":"Hel"}\n\n', 'data: {"delta":"lo"}\n\n', 'data: [DONE]\n\n'];
    const agentHas: ((text: string) => void)[] = [];
    fake.on('/base/sse', async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const [i, event] of events.entries()) {
        const seen = new Promise<string>((resolve) => (agentHas[i] = resolve));
        res.write(event);
        // The next event waits until the agent holds this one in full: a proxy that held
        // back the end of each chunk would stall here.
        await seen;
      }
      res.end();
    });
    const token = await keys.sign(billingClaims('sse', 'ch', 1));
    const url = new URL(leash.url);
    const req = request({ host: url.hostname, port: url.port, method: 'GET', path: '/proxy/lab/sse', headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    expect(res.headers['content-type']).toBe('text/event-stream');
    let text = '';
    let next = 0;
    for await (const chunk of res) {
      text += (chunk as Buffer).toString('utf8');
      while (next < events.length && text === events.slice(0, next + 1).join('')) agentHas[next++]?.(text);
    }
    expect(text).toBe(events.join(''));
  });
});
