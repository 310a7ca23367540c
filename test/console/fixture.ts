// Fixtures for the console tests: the example policies compiled into a real bundle, a real
// server with the console on (memory or Redis stores), real agent tokens, and Chromium
// (Debian's /usr/bin/chromium) driven by playwright-core.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { compile } from '../../compiler/pipeline.ts';
import { formatDiagnostics } from '../../compiler/index.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type ConfigInput } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, LogCapture, makeKeys, postJson, supportClaims, type TestKeys } from '../server/helpers.ts';

export const ADMIN_TOKEN = 'console-admin-token-4b7e91d2c3a8';
export const CHROMIUM = '/usr/bin/chromium';

let bundleBytes: Uint8Array | undefined;

export async function exampleBundle(dir: string): Promise<string> {
  if (!bundleBytes) {
    const built = await compile(['policies']);
    if (!built.bundle) throw new Error(`the example policies do not build:\n${formatDiagnostics(built.diagnostics)}`);
    bundleBytes = built.bundle;
  }
  const path = join(dir, 'bundle.tar.gz');
  writeFileSync(path, bundleBytes);
  return path;
}

export interface ConsoleServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly keys: TestKeys;
  readonly logs: LogCapture;
  readonly auditPath: string;
  /** one decision through /decide with a fresh token for `claims`; the answer's body */
  decide(claims: Record<string, unknown>, method: string, path: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startConsoleServer(flags: ConfigInput = {}, keys?: TestKeys): Promise<ConsoleServer> {
  const k = keys ?? (await makeKeys());
  const dir = mkdtempSync(join(tmpdir(), 'leash-console-'));
  const bundle = await exampleBundle(dir);
  const auditPath = join(dir, 'audit.jsonl');
  const { alerts, limits, ...rest } = flags as Record<string, Record<string, unknown> | undefined>;
  const config = loadConfig({
    env: {},
    flags: {
      ...rest,
      server: { port: 0, logLevel: 'info' },
      bundle: { path: bundle, watch: false },
      identity: { jwks: k.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
      audit: { file: auditPath },
      admin: { token: ADMIN_TOKEN },
      console: { enabled: true },
      alerts: { ...(alerts ?? {}) },
      limits: { ...(limits ?? {}) },
    } as ConfigInput,
  });
  const logs = new LogCapture();
  const app = await buildApp(config, { logStream: logs });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    app, url, keys: k, logs, auditPath,
    async decide(claims, method, path) {
      const token = await k.sign(claims);
      const res = await postJson(`${url}/decide`, { method, path, token });
      return { status: res.status, body: res.body };
    },
    close: () => app.close(),
  };
}

export { supportClaims };

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // without the background-networking flags Chromium keeps dialling Google's hosts, which this sandbox refuses
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
