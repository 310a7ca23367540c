// Remote bundles over mutual TLS: a bundle service on loopback that demands a client
// certificate from its own CA (certificates made with openssl for the test) serves Leash when
// bundle.tlsCert/tlsKey/tlsCa are set, and refuses it without them: then no bundle is active
// (/health?bundles 500) and the reason names the URL, never the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { writeBundle, readBundle } from '../../compiler/bundle/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, LogCapture, compileRego, makeKeys, type TestKeys } from './helpers.ts';

const REGO = `package leash

decision := {"allow": true, "access": "read", "rule": "r", "reasons": [data.rev], "limits": [], "priority": "normal"}
`;

let dir: string;
let keys: TestKeys;
let server: Server;
let url: string;
let revision: string;
const apps: FastifyInstance[] = [];

const openssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' }); };

/** A CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=leash test CA');
  for (const name of ['server', 'client']) {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    writeFileSync(join(dir, `${name}.ext`), name === 'server' ? 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' : 'extendedKeyUsage=clientAuth\n');
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'leash-mtls-'));
  makeCertificates();
  keys = await makeKeys();
  const body = Buffer.from(await writeBundle({ modules: [{ path: 'leash/fixture.rego', source: REGO }], data: { rev: 'm1' }, roots: ['leash', 'rev'], wasm: await compileRego(REGO) }));
  revision = (await readBundle(body)).manifest!.revision;
  const pem = (f: string): Buffer => readFileSync(join(dir, f));
  server = createServer({ key: pem('server-key.pem'), cert: pem('server.pem'), ca: pem('ca.pem'), requestCert: true, rejectUnauthorized: true }, (_req, res) => {
    res.setHeader('etag', '"m1"');
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/bundles/leash.tar.gz`;
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(apps.map((a) => a.close()));
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function start(tls: Record<string, string>, logs: LogCapture): Promise<string> {
  const config = loadConfig({
    env: {},
    flags: {
      server: { port: 0, logLevel: 'info' },
      bundle: { url, minDelaySeconds: 3600, maxDelaySeconds: 3600, timeoutSeconds: 2, persistDir: '', ...tls },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
      audit: { file: '' },
    },
  });
  const app = await buildApp(config, { logStream: logs });
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

describe('a bundle service behind mutual TLS', () => {
  it('serves Leash when it presents its client certificate and trusts the service\'s CA', async () => {
    const logs = new LogCapture();
    const at = await start({ tlsCert: join(dir, 'client.pem'), tlsKey: join(dir, 'client-key.pem'), tlsCa: join(dir, 'ca.pem') }, logs);
    const health = await fetch(`${at}/health?bundles`);
    expect(health.status).toBe(200);
    const status = await fetch(`${at}/ready`);
    expect(status.status).toBe(200);
    expect(logs.text).toContain(revision.slice(0, 12));
  }, 30_000);

  it('activates nothing without the client certificate, and says why without any key material', async () => {
    const logs = new LogCapture();
    const at = await start({ tlsCa: join(dir, 'ca.pem') }, logs);
    expect((await fetch(`${at}/health?bundles`)).status).toBe(500);
    expect((await fetch(`${at}/ready`)).status).toBe(503);
    expect(logs.text).toContain(`GET ${url} failed`);
    expect(logs.text).not.toContain('PRIVATE KEY');
  }, 30_000);
});
