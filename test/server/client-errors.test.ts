// What Node's HTTP parser refuses before any route (oversized headers, bytes that are not
// HTTP) is answered in the server's error shape on a real server over a raw socket, the
// connection is closed, nothing of the request comes back, and the server keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { join } from 'node:path';
import { compileRego, makeKeys, postJson, startServer, supportClaims, writeRegoBundle, type Running, type TestKeys } from './helpers.ts';

const REGO = `package leash

decision := {"allow": true, "access": "read", "rule": "r", "reasons": [], "limits": [], "priority": "normal"}
`;

let keys: TestKeys;
let srv: Running;
/** the same policy with short bounds on how long a request may take to arrive */
let slow: Running;
const BOUND_MS = 1_000;

beforeAll(async () => {
  keys = await makeKeys();
  const bundle = join(keys.dir, 'bundle.tar.gz');
  await writeRegoBundle(bundle, REGO, await compileRego(REGO), {});
  srv = await startServer(keys, { bundle: { path: bundle } });
  slow = await startServer(keys, { bundle: { path: bundle }, server: { headersTimeoutMs: BOUND_MS, requestTimeoutMs: BOUND_MS } });
});
afterAll(async () => {
  await srv.close();
  await slow.close();
});

/** the raw bytes in, everything the server writes until it closes the connection */
function raw(bytes: string, to: Running = srv): Promise<string> {
  const { hostname, port } = new URL(to.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => { text += d; });
    socket.on('end', () => resolve(text));
    socket.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? resolve(text) : reject(e)));
    socket.setTimeout(5_000, () => reject(new Error(`no close; got: ${text.slice(0, 200)}`)));
  });
}

function parse(answer: string): { status: number; headers: string; body: unknown } {
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(head!.split(' ')[1]), headers: head!.toLowerCase(), body: JSON.parse(body!) };
}

describe('requests the HTTP parser refuses', () => {
  it('answers headers over the limit with 431 headers_too_large, without echoing them', async () => {
    const secret = `Bearer ${'s3cr3t'.repeat(4_000)}`;
    const answer = parse(await raw(`POST /decide HTTP/1.1\r\nHost: x\r\nAuthorization: ${secret}\r\nContent-Type: application/json\r\n\r\n{}`));
    expect(answer.status).toBe(431);
    expect(answer.body).toEqual({ code: 'headers_too_large', message: 'the request headers are over the size limit' });
    expect(answer.headers).toContain('connection: close');
    expect(JSON.stringify(answer)).not.toContain('s3cr3t');
  });

  it('answers bytes that are not HTTP with 400 bad_request', async () => {
    for (const junk of ['GARBAGE\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello', 'GET /\u0000 HTTP/1.1\r\n\r\n']) {
      const answer = parse(await raw(junk));
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({ code: 'bad_request', message: 'the request is not valid HTTP' });
    }
  });

  it('keeps deciding for well-formed requests afterwards', async () => {
    const ok = await postJson(`${srv.url}/decide`, { method: 'GET', path: '/a', token: await keys.sign(supportClaims()) });
    expect(ok.body).toMatchObject({ allow: true, status: 200 });
  });
});

describe('requests that take too long to arrive', () => {
  it('answers a body that stops coming with 408 request_timeout within the bound, without echoing the request', async () => {
    const started = Date.now();
    const token = await keys.sign(supportClaims());
    const answer = parse(await raw(`POST /decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n{"token":"${token}",`, slow));
    expect(answer.status).toBe(408);
    expect(answer.body).toEqual({ code: 'request_timeout', message: 'the request did not arrive in time' });
    expect(answer.headers).toContain('connection: close');
    expect(JSON.stringify(answer)).not.toContain(token);
    // the bound plus Node's once-a-second check, with room for a busy machine
    expect(Date.now() - started).toBeLessThan(BOUND_MS + 4_000);
  });

  it('answers headers that stop coming with 408 request_timeout', async () => {
    const answer = parse(await raw('POST /decide HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer half-sent-secret', slow));
    expect(answer.status).toBe(408);
    expect(answer.body).toEqual({ code: 'request_timeout', message: 'the request did not arrive in time' });
    expect(JSON.stringify(answer)).not.toContain('half-sent-secret');
  });

  it('does not cut a kept-alive connection that idles between requests for longer than the bound', async () => {
    const { hostname, port } = new URL(slow.url);
    const body = JSON.stringify({ method: 'GET', path: '/a', token: await keys.sign(supportClaims()) });
    const request = `POST /decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const answers = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      let text = '';
      const socket = connect(Number(port), hostname, () => socket.write(request));
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        text += d;
        if (!/\r\n\r\n\{.*\}$/s.test(text)) return;
        got.push(text);
        text = '';
        if (got.length === 1) setTimeout(() => socket.write(request), BOUND_MS * 2.5);
        else { socket.end(); resolve(got); }
      });
      socket.on('error', reject);
      socket.on('close', () => (got.length < 2 ? reject(new Error(`closed after ${got.length} answers: ${text.slice(0, 200)}`)) : undefined));
    });
    for (const a of answers) expect(parse(a)).toMatchObject({ status: 200, body: { allow: true } });
  });
});
