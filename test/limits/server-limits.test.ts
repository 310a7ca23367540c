// Limits, audit and alerts through the real server: a real bundle compiled from Rego by
// Leash, the real opa-wasm SDK, real JWTs, real stores and the real observer. The
// exfiltration scenario, two `leash serve --redis` processes sharing Redis, Redis dying
// mid-run, alerts and quarantine with the admin endpoints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type ConfigInput } from '../../server/config/index.ts';
import { AUDIENCE, ISSUER, makeKeys, supportClaims, type TestKeys } from '../server/helpers.ts';
import { startReceiver } from '../alerts/fixtures.ts';
import { READS_PER_SESSION, WRITES_PER_SESSION, writeSupportBundle } from './fixtures/support-rego.ts';
import { deleteKeys, freePort, REDIS_URL, startRedisServer, uniquePrefix } from './redis-helpers.ts';

const LEASH = fileURLToPath(new URL('../../bin/leash.mjs', import.meta.url));
const ADMIN = 'admin-token-for-tests-0123456789';

let keys: TestKeys;
let dir: string;
let bundle: string;

beforeAll(async () => {
  keys = await makeKeys();
  dir = await mkdtemp(join(tmpdir(), 'leash-srv-limits-'));
  bundle = join(dir, 'policy.tar.gz');
  await writeSupportBundle(bundle);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function app(flags: ConfigInput, now?: () => number): Promise<FastifyInstance> {
  const config = loadConfig({
    env: {},
    flags: {
      ...flags,
      server: { logLevel: 'silent' },
      bundle: { path: bundle, watch: false },
      identity: { jwks: keys.jwksPath, issuer: [ISSUER], audience: [AUDIENCE] },
    },
  });
  return buildApp(config, now ? { now } : {});
}

interface Answer {
  decision_id: string;
  allow: boolean;
  status: number;
  code?: string;
  reasons: string[];
  headers: Record<string, string>;
}

async function decide(a: FastifyInstance, token: string, method: string, path: string): Promise<Answer> {
  const res = await a.inject({ method: 'POST', url: '/decide', payload: { method, path, token } });
  expect(res.statusCode).toBe(200);
  return res.json() as Answer;
}

const auditIds = async (file: string) => (await readFile(file, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { decision_id: string }).decision_id);

describe('through the server (memory store)', () => {
  it('exfiltration: 600 reads, exactly the per-session limit allowed, the rest 429; a second session on the same key keeps its allowance; one audit event each', async () => {
    const auditFile = join(dir, 'exfil.jsonl');
    const a = await app({ audit: { file: auditFile } });
    const attacker = await keys.sign(supportClaims({ sid: 's-attacker' }));
    const answers: Answer[] = [];
    for (let i = 0; i < 600; i++) answers.push(await decide(a, attacker, 'GET', `/customers/C-771/records/${i}`));
    const ok = answers.filter((x) => x.status === 200);
    const limited = answers.filter((x) => x.status === 429);
    expect({ ok: ok.length, limited: limited.length }).toEqual({ ok: READS_PER_SESSION, limited: 600 - READS_PER_SESSION });
    expect(limited[0]).toMatchObject({ allow: false, code: 'rate_limited' });
    expect(limited[0]!.headers).toMatchObject({ 'RateLimit-Limit': String(READS_PER_SESSION), 'RateLimit-Remaining': '0' });
    expect(Number(limited[0]!.headers['Retry-After'])).toBeGreaterThan(0);
    expect(ok[0]!.headers['RateLimit-Remaining']).toBe(String(READS_PER_SESSION - 1));

    const colleague = await keys.sign(supportClaims({ sid: 's-colleague' })); // same client_id key-17
    const second: Answer[] = [];
    for (let i = 0; i < READS_PER_SESSION + 1; i++) second.push(await decide(a, colleague, 'GET', `/customers/C-771/records/${i}`));
    expect(second.filter((x) => x.status === 200)).toHaveLength(READS_PER_SESSION);
    expect(second[READS_PER_SESSION]!.status).toBe(429);
    await a.close(); // flushes the audit trail
    const ids = await auditIds(auditFile);
    expect(ids).toHaveLength(600 + READS_PER_SESSION + 1);
    expect(new Set(ids)).toEqual(new Set([...answers, ...second].map((x) => x.decision_id)));
  });

  it('applies the documented read/write defaults when the policy names no limit', async () => {
    const frozen = Date.now(); // the per-minute bucket refills every 0.5 s: freeze the clock
    const a = await app({ audit: { file: join(dir, 'defaults.jsonl') } }, () => frozen);
    const t = await keys.sign(supportClaims());
    // reads: 1000 per session and 120 per minute; a burst meets the per-minute bucket first
    const statuses: number[] = [];
    for (let i = 0; i < 121; i++) statuses.push((await decide(a, t, 'GET', '/status')).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(120);
    expect(statuses[120]).toBe(429);
    await a.close();
  });

  it('alerts a denied write at once, quarantines after repeated violations, and the admin endpoint releases the session', async () => {
    const rx = await startReceiver();
    const a = await app({ audit: { file: join(dir, 'alerts.jsonl') }, alerts: { webhook: rx.url, quarantineAfter: 3 }, admin: { token: ADMIN } });
    const t = await keys.sign(supportClaims({ sid: 's-rogue' }));
    const denied = await decide(a, t, 'POST', '/tickets/T-0001/comments');
    expect(denied).toMatchObject({ status: 403, allow: false });
    const [alert] = await rx.waitFor(1);
    expect((alert!.body as { text: string }).text).toContain('Write outside the task scope: agent support-bot, session s-rogue: POST /tickets/T-0001/comments');
    await decide(a, t, 'GET', '/customers/C-332/records/1');
    await decide(a, t, 'GET', '/customers/C-333/records/1');
    const quarantine = await rx.waitFor(2);
    expect((quarantine[1]!.body as { text: string }).text).toContain('session s-rogue of agent support-bot is QUARANTINED for the rest of its life');
    expect(await decide(a, t, 'GET', '/customers/C-771/records/1')).toMatchObject({ status: 403, code: 'quarantined' });

    const auth = { authorization: `Bearer ${ADMIN}` };
    expect((await a.inject({ method: 'GET', url: '/admin/sessions' })).statusCode).toBe(401);
    const list = await a.inject({ method: 'GET', url: '/admin/sessions', headers: auth });
    expect(list.json().sessions.map((s: { session: string }) => s.session)).toEqual(['s-rogue']);
    expect((await a.inject({ method: 'POST', url: '/admin/sessions/s-rogue/release', headers: auth })).json()).toEqual({ session: 's-rogue', released: true });
    expect(await decide(a, t, 'GET', '/customers/C-771/records/1')).toMatchObject({ status: 200 });
    await a.close();
    await rx.close();
  });
});

describe('through the server (Redis)', () => {
  const prefix = uniquePrefix('srv');
  const admin = new Redis(REDIS_URL);
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    admin.disconnect();
  });

  it('two `leash serve --redis` processes admit exactly 5 of 200 concurrent writes', async () => {
    const children: ChildProcess[] = [];
    try {
      // a free port can be taken by another test between probe and listen: retry on a new one
      const serve = async (i: number, attempt = 1): Promise<string> => {
        const port = await freePort();
        const args = [LEASH, 'serve', '--bundle', bundle, '--redis', REDIS_URL, '--jwks', keys.jwksPath, '--issuer', ISSUER, '--audience', AUDIENCE, '--port', String(port), '--log-level', 'error'];
        // generous store timeout: this counts, it does not test timeouts (the machine may be busy)
        const env = { ...process.env, LEASH_REDIS_PREFIX: prefix, LEASH_REDIS_TIMEOUT_MS: '5000', LEASH_AUDIT_FILE: join(dir, `serve-${i}.jsonl`) };
        const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
        children.push(child);
        const url = `http://127.0.0.1:${port}`;
        for (;;) {
          if (child.exitCode !== null) {
            if (attempt < 3 && /cannot listen/.test(stderr)) return serve(i, attempt + 1);
            throw new Error(`leash serve exited with ${child.exitCode}: ${stderr}`);
          }
          if (await fetch(`${url}/ready`).then((r) => r.ok, () => false)) return url;
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      const urls = await Promise.all([serve(0), serve(1)]);
      expect(new Set(urls).size).toBe(2);
      const token = await keys.sign(supportClaims({ sid: 's-shared' }));
      // a patient client: on a busy machine 200 simultaneous connections can take a while
      const dispatcher = new Agent({ connect: { timeout: 60_000 }, headersTimeout: 120_000, bodyTimeout: 120_000 });
      const post = (url: string) =>
        request(`${url}/decide`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'POST', path: '/tickets/T-4891/comments', token }) })
          .then(async (r) => ((await r.body.json()) as Answer).status)
          .catch((err: Error) => `network: ${err.message}`);
      const statuses = await Promise.all(Array.from({ length: 200 }, (_, i) => post(urls[i % 2]!)));
      await dispatcher.close();
      expect(statuses.filter((s) => typeof s === 'string')).toEqual([]);
      expect({ ok: statuses.filter((s) => s === 200).length, limited: statuses.filter((s) => s === 429).length }).toEqual({ ok: WRITES_PER_SESSION, limited: 200 - WRITES_PER_SESSION });
    } finally {
      await Promise.all(children.map((c) => new Promise<void>((r) => (c.exitCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGTERM'))))));
    }
  }, 180_000); // two cold server processes load the whole server under tsx: slow on a busy machine

  it('Redis stopped mid-run: writes denied with the store-unavailable reason, reads too by default; recovers when Redis returns', async () => {
    let redis = await startRedisServer();
    const a = await app({ limits: { redis: redis.url, redisPrefix: prefix }, audit: { file: join(dir, 'outage.jsonl') } });
    try {
      const t = await keys.sign(supportClaims({ sid: 's-outage' }));
      expect((await decide(a, t, 'POST', '/tickets/T-4891/comments')).status).toBe(200);
      await redis.stop();
      const write = await decide(a, t, 'POST', '/tickets/T-4891/comments');
      expect(write).toMatchObject({ allow: false, status: 503, code: 'store_unavailable' });
      expect(write.reasons.join(' ')).toMatch(/limit store (was )?unreachable/);
      expect(await decide(a, t, 'GET', '/customers/C-771/records/1')).toMatchObject({ allow: false, code: 'store_unavailable' });
      redis = await startRedisServer(redis.port);
      for (let i = 0; i < 100 && (await decide(a, t, 'GET', '/customers/C-771/records/1')).code === 'store_unavailable'; i++) await new Promise((r) => setTimeout(r, 50));
      const back = await decide(a, t, 'POST', '/tickets/T-4891/comments');
      // the throwaway Redis runs without persistence, so its counters restarted empty (docs/limits.md)
      expect(back).toMatchObject({ status: 200, headers: { 'RateLimit-Remaining': String(WRITES_PER_SESSION - 1) } });
    } finally {
      await a.close();
      await redis.stop();
    }
  });
});
