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

beforeAll(async () => {
  keys = await makeKeys();
  const bundle = join(keys.dir, 'bundle.tar.gz');
  await writeRegoBundle(bundle, REGO, await compileRego(REGO), {});
  srv = await startServer(keys, { bundle: { path: bundle } });
});
afterAll(async () => {
  await srv.close();
});

/** the raw bytes in, everything the server writes until it closes the connection */
function raw(bytes: string): Promise<string> {
  const { hostname, port } = new URL(srv.url);
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
