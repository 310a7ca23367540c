// `leash serve --workers 2` as a real process tree (bin/leash.mjs, node:cluster, the shared
// Redis on 127.0.0.1:6379): both workers answer (each writes its own audit file), limits stay
// exact across them, /metrics on any worker counts both, the console on either shows both
// workers' alerts and charts, SIGHUP reaches both, a killed worker is replaced, SIGTERM lets
// an in-flight request finish and the primary exits 0; and two workers without Redis are
// refused with the reason. One cluster serves the tests in order.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { AUDIENCE, ISSUER, compileRego, makeKeys, supportClaims, writeRegoBundle, type TestKeys } from './helpers.ts';
import { READS_PER_SESSION, writeSupportBundle } from '../limits/fixtures/support-rego.ts';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../limits/redis-helpers.ts';
import { loadConfig, type ConfigInput } from '../../server/config/index.ts';
import { configForWorkers, perWorkerFile, workerCount, workerPaths } from '../../server/cluster/index.ts';
import { startReceiver, type Receiver } from '../alerts/fixtures.ts';

const ADMIN_TOKEN = 'workers-test-admin-token-0123456789';
const BIN = fileURLToPath(new URL('../../bin/leash.mjs', import.meta.url));
// a primary and two workers, each node + tsx from cold, on a busy 2-core machine
const SPAWN_MS = 60_000;
// read anomalies go out in a digest this often
const DIGEST_SECONDS = 2;

let keys: TestKeys;
let dir: string;
let bundle: string;
let prefix: string;
let child: ChildProcess;
let url: string;
let stdout = '';
let stderr = '';
let alertsRx: Receiver;

function serveArgs(extra: string[]): string[] {
  return [BIN, 'serve', '--bundle', bundle, '--jwks', keys.jwksPath, '--issuer', ISSUER, '--audience', AUDIENCE, '--port', '0', '--host', '127.0.0.1', ...extra];
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, limitMs = 20_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${limitMs} ms; stdout: ${stdout.slice(-2000)}; stderr: ${stderr.slice(-1000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One request on its own connection (node:cluster hands connections to workers round-robin). */
function call(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpRequest(`${url}${path}`, {
      method, agent: false,
      headers: { connection: 'close', ...extraHeaders, ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const decide = async (token: string, path: string) => JSON.parse((await call('POST', '/decide', { method: 'GET', path, token })).text) as { allow: boolean; status: number; reasons: string[] };

function metric(text: string, pattern: RegExp): number {
  let sum = 0;
  for (const line of text.split('\n')) if (pattern.test(line)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}
const decisionsIn = (text: string) => metric(text, /^leash_decisions_total\{/);

function workerPids(): Map<number, number[]> {
  const pids = new Map<number, number[]>();
  for (const m of stdout.matchAll(/"worker":(\d+),"worker_pid":(\d+),"url":"[^"]*","msg":"worker listening"/g)) {
    const list = pids.get(Number(m[1])) ?? [];
    list.push(Number(m[2]));
    pids.set(Number(m[1]), list);
  }
  return pids;
}

const auditLines = (slot: number) => {
  const file = join(dir, `audit.worker-${slot}.jsonl`);
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
};

beforeAll(async () => {
  keys = await makeKeys();
  dir = mkdtempSync(join(tmpdir(), 'leash-workers-'));
  bundle = join(dir, 'policy.tar.gz');
  await writeSupportBundle(bundle);
  prefix = uniquePrefix('workers');
  alertsRx = await startReceiver();
  child = spawn(process.execPath, serveArgs(['--workers', '2', '--redis', REDIS_URL, '--log-level', 'info']), {
    env: { ...process.env, LEASH_CONSOLE: 'true', LEASH_ADMIN_TOKEN: ADMIN_TOKEN, LEASH_REDIS_PREFIX: prefix, LEASH_REDIS_TIMEOUT_MS: '5000', LEASH_AUDIT_FILE: join(dir, 'audit.jsonl'), LEASH_BUNDLE_WATCH: 'false', LEASH_ALERT_WEBHOOK: alertsRx.url, LEASH_ALERT_DIGEST_SECONDS: String(DIGEST_SECONDS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  url = await until('the cluster listening', () => {
    if (child.exitCode !== null) throw new Error(`leash serve exited ${child.exitCode}: ${stderr}`);
    return /leash serve: 2 workers on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
  }, SPAWN_MS);
}, SPAWN_MS + 10_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect().then(() => deleteKeys(redis, prefix), () => undefined);
  redis.disconnect();
  await alertsRx?.close();
});

describe('leash serve --workers', () => {
  it('refuses two workers without Redis, saying why and what to do, without a stack trace', async () => {
    const refused = spawn(process.execPath, serveArgs(['--workers', '2']), { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    refused.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => refused.on('exit', (c) => r(c)));
    expect(code).toBe(1);
    expect(err).toContain('server.workers: 2 workers need limits.redis (--redis or LEASH_REDIS)');
    expect(err).toContain('each worker would count on its own');
    expect(err).toContain('use --workers 1');
    expect(err).not.toMatch(/^\s+at /m);
  }, 30_000);

  it('answers from both workers, and /metrics on any worker counts the decisions of both', async () => {
    expect([...workerPids().keys()].sort()).toEqual([1, 2]);
    const token = await keys.sign(supportClaims());
    for (let i = 0; i < 20; i++) expect((await decide(token, `/customers/C-771/records/${i}`)).allow).toBe(true);
    // each worker audits to its own file: both have decided some of the 20
    await until('both audit files', () => (auditLines(1) + auditLines(2) === 20 ? true : undefined));
    expect(auditLines(1)).toBeGreaterThan(0);
    expect(auditLines(2)).toBeGreaterThan(0);
    // asked on four connections (so both workers serve /metrics), every answer counts all 20
    for (let i = 0; i < 4; i++) {
      const res = await call('GET', '/metrics');
      expect(res.status).toBe(200);
      expect(decisionsIn(res.text)).toBe(20);
    }
  }, 30_000);

  it('keeps a session\'s limit exact across workers', async () => {
    const token = await keys.sign(supportClaims());
    const answers = await Promise.all(Array.from({ length: READS_PER_SESSION + 10 }, (_, i) => decide(token, `/customers/C-771/records/${i}`)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(READS_PER_SESSION);
    expect(answers.filter((a) => a.status === 429)).toHaveLength(10);
    expect(decisionsIn((await call('GET', '/metrics')).text)).toBe(20 + READS_PER_SESSION + 10);
  }, 30_000);

  it('shows every worker\'s alerts and charts on the console, whichever worker answers', async () => {
    // six write anomalies (a comment on another ticket), each on its own connection and session
    for (let i = 0; i < 6; i++) {
      const token = await keys.sign(supportClaims());
      const answer = JSON.parse((await call('POST', '/decide', { method: 'POST', path: '/tickets/T-0001/comments', token })).text) as { allow: boolean };
      expect(answer.allow).toBe(false);
    }
    const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const consoleGet = async <T>(path: string) => JSON.parse((await call('GET', `/console/api/${path}`, undefined, admin)).text) as T;
    // asked on four connections, so both workers answer
    const onFourConnections = <T>(path: string) => Promise.all(Array.from({ length: 4 }, () => consoleGet<T>(path)));
    type Alerts = { alerts: { server: string; what: string }[]; scope: string };
    const writeAlerts = (v: Alerts) => v.alerts.filter((a) => a.what === 'write_out_of_scope');
    // each answer shows all six, from two servers (each worker copies its alerts to Redis every 500 ms)
    const views = await until('the alerts of both workers on the console', async () => {
      const answers = await onFourConnections<Alerts>('alerts');
      return answers.every((v) => writeAlerts(v).length === 6) ? answers : undefined;
    });
    for (const view of views) {
      expect(view.scope).toBe('fleet');
      expect(new Set(writeAlerts(view).map((a) => a.server)).size).toBe(2);
    }
    // the charts add up to what /metrics counts over both workers, on any worker
    const total = decisionsIn((await call('GET', '/metrics')).text);
    type Charts = { points: { decisionsPerSecond: number }[]; scope: string };
    const charted = (v: Charts) => Math.round(v.points.reduce((sum, p) => sum + p.decisionsPerSecond * 2, 0));
    const charts = await until('the charts of both workers', async () => {
      const answers = await onFourConnections<Charts>('charts');
      return answers.every((v) => charted(v) === total) ? answers : undefined;
    });
    for (const view of charts) expect(view.scope).toBe('fleet');
  }, 40_000);

  it('sends one digest of both workers\' read anomalies per period, not one per worker', async () => {
    const digests = () => alertsRx.received.map((r) => (r.body as { text: string }).text).filter((t) => t.startsWith('Leash digest'));
    const period = DIGEST_SECONDS * 1000;
    const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // six reads of another customer, each on its own connection and session (no quarantine),
    // all inside one period: on a machine too busy for that, the attempt is made again
    for (let attempt = 1; ; attempt++) {
      const tokens = await Promise.all(Array.from({ length: 6 }, () => keys.sign(supportClaims())));
      await until('the start of a digest period', () => (Date.now() % period < 300 ? true : undefined), period * 2);
      const before = digests().length;
      const audited = [auditLines(1), auditLines(2)];
      const startedIn = Math.floor(Date.now() / period);
      for (const token of tokens) expect((await decide(token, '/customers/C-332/records/1')).allow).toBe(false);
      if (Math.floor(Date.now() / period) !== startedIn && attempt < 3) {
        await settle(period * 2);
        continue;
      }
      // both workers decided some of them
      await until('the audit of both workers', () => (auditLines(1) + auditLines(2) === audited[0]! + audited[1]! + 6 ? true : undefined));
      expect(auditLines(1)).toBeGreaterThan(audited[0]!);
      expect(auditLines(2)).toBeGreaterThan(audited[1]!);
      const sent = await until('the digest', () => (digests().length > before ? digests().slice(before) : undefined), period * 3);
      // the next period passes: no second digest for the same anomalies from the other worker
      await settle(period + 500);
      expect(digests().slice(before)).toEqual(sent);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/: 6 anomalies\n/);
      return;
    }
  }, 45_000);

  it('reloads the bundle in every worker on SIGHUP to the primary', async () => {
    const rego = 'package leash\n\ndecision := {"allow": true, "access": "read", "rule": "r", "reasons": [data.rev], "limits": [], "priority": "normal"}\n';
    const revision = await writeRegoBundle(bundle, rego, await compileRego(rego), { rev: 'two' });
    const loaded = async () => metric((await call('GET', '/metrics')).text, /^leash_bundle_reloads_total\{outcome="loaded"\}/);
    expect(await loaded()).toBe(2);
    child.kill('SIGHUP');
    await until('both workers reloaded', async () => ((await loaded()) === 4 ? true : undefined));
    for (let i = 0; i < 4; i++) expect(JSON.parse((await call('GET', '/ready')).text).revision).toBe(revision);
  }, 30_000);

  it('replaces a worker that dies, and keeps answering', async () => {
    const victim = workerPids().get(1)![0]!;
    process.kill(victim, 'SIGKILL');
    await until('the restart logged', () => (/"worker":1,"worker_pid":\d+,"code":null,"signal":"SIGKILL","restart_in_ms":\d+,"msg":"worker exited; restarting it"/.test(stdout) ? true : undefined));
    await until('a new worker 1', () => ((workerPids().get(1) ?? []).length === 2 ? true : undefined), 40_000);
    expect(workerPids().get(1)![1]).not.toBe(victim);
    const token = await keys.sign(supportClaims());
    for (let i = 0; i < 6; i++) expect(await decide(token, '/anything')).toMatchObject({ allow: true, reasons: ['two'] });
  }, 50_000);

  it('on SIGTERM finishes the request in flight, then the primary exits 0', async () => {
    const token = await keys.sign(supportClaims());
    const body = JSON.stringify({ method: 'GET', path: '/in-flight', token });
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8').on('data', (c: string) => (answer += c));
    await new Promise((r) => socket.once('connect', r));
    // headers and half the body: the request is in flight in one worker
    socket.write(`POST /decide HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body.slice(0, 20)}`);
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    await until('the primary stopping', () => (/"msg":"stopping: workers finish their in-flight requests"/.test(stdout) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    socket.write(body.slice(20)); // not end(): a half-closed client has gone, as far as the server is concerned
    const code = await exited;
    await until('the answer', () => (answer.includes('\r\n\r\n{') && answer.trimEnd().endsWith('}') ? true : undefined), 5_000);
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ allow: true, reasons: ['two'] });
    expect(code).toBe(0);
    expect(stdout).toMatch(/"code":0,"msg":"all workers stopped"/);
  }, 50_000);
});

describe('how many workers a start gets', () => {
  const config = (flags: ConfigInput) => loadConfig({
    env: {},
    flags: { ...flags, bundle: { path: 'b.tar.gz' }, identity: { jwks: 'j.json', issuer: [ISSUER], audience: [AUDIENCE] }, server: { ...(flags.server ?? {}) } },
  });
  it('defaults to every CPU with Redis, to 1 (saying why) with memory limits, and to 1 with --dev', () => {
    expect(workerCount(config({ limits: { redis: REDIS_URL } }), 4)).toEqual({ workers: 4 });
    const memory = workerCount(config({}), 4);
    expect(memory.workers).toBe(1);
    expect(memory.note).toMatch(/limits are in this process's memory \(no limits\.redis\)/);
    expect(workerCount(config({ server: { dev: true }, limits: { redis: REDIS_URL } }), 4)).toEqual({ workers: 1 });
    expect(workerCount(config({ server: { workers: 3 }, limits: { redis: REDIS_URL } }), 4)).toEqual({ workers: 3 });
    expect(workerCount(config({ server: { workers: 1 } }), 4)).toEqual({ workers: 1 });
  });

  it('refuses more than one worker without Redis in the configuration check too (file, env or flag)', () => {
    expect(() => loadConfig({ env: { LEASH_WORKERS: '2' }, flags: { bundle: { path: 'b' }, identity: { jwks: 'j', issuer: [ISSUER], audience: [AUDIENCE] } } }))
      .toThrow(/server\.workers: 2 workers need limits\.redis/);
  });

  it('gives every worker one MCP session secret: the configured one, else one the primary makes', () => {
    const on = config({ limits: { redis: REDIS_URL }, mcp: { resourceBase: 'https://leash.test' } });
    const shared = configForWorkers(on).mcp.sessionSecret!;
    expect(shared.length).toBeGreaterThanOrEqual(32);
    // made once per start, sent to every worker; a second start makes another
    expect(configForWorkers(on).mcp.sessionSecret).not.toBe(shared);
    const set = config({ limits: { redis: REDIS_URL }, mcp: { resourceBase: 'https://leash.test', sessionSecret: 's'.repeat(40) } });
    expect(configForWorkers(set)).toBe(set);
    const off = config({ limits: { redis: REDIS_URL } });
    expect(configForWorkers(off)).toBe(off);
  });

  it('gives each worker its own audit file, spool and persisted bundle, and leaves one worker as it is', () => {
    expect(perWorkerFile('/var/log/leash/audit.jsonl', 2)).toBe('/var/log/leash/audit.worker-2.jsonl');
    const c = config({ limits: { redis: REDIS_URL } });
    expect(workerPaths(c, 1, 1)).toBe(c);
    const w = workerPaths(c, 2, 2);
    expect(w.audit.file).toBe(perWorkerFile(c.audit.file, 2));
    expect(w.decisionLogs.spoolDir).toBe(join(c.decisionLogs.spoolDir, 'worker-2'));
    expect(w.bundle.persistDir).toBe(join(c.bundle.persistDir, 'worker-2'));
  });
});
