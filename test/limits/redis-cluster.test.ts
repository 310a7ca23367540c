// The limit store, quarantine and audit stream on a real three-master Redis Cluster started
// for this file: Cluster URLs; exact counts under 2,000 concurrent decisions from two
// independent stores, and 1,200 from two separate Node processes, whose buckets span
// several subjects (slots), with refunds that leave every counter exactly at what was
// admitted; the same answers as the memory store; keys of many sessions spread over all three
// masters; and a master killed mid-traffic: its slots answer store_unavailable (writes
// denied, reads per configuration) while the others keep working, nothing crashes, and the
// restarted (empty) node is noticed as a reset.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { LimitRequest } from '../../compiler/index.ts';
import type { ConsumeOutcome } from '../../server/contracts.ts';
import { createRedisQuarantine } from '../../server/alerts/index.ts';
import { createRedisStreamSink } from '../../server/audit/index.ts';
import { Registry } from 'prom-client';
import { bucketKey, createMemoryLimitStore, hashTag, registerLimitStoreMetrics, createRedisLimitStore, limitVerdict, type RedisLimitStore } from '../../server/limits/index.ts';
import { loadConfig } from '../../server/config/index.ts';
import { connectRedis, describeRedis, keySlot, parseRedisUrl, whenReady, type RedisClient } from '../../server/redis/index.ts';
import { at, bucket, T0 } from './helpers.ts';
import { startLocalCluster, type LocalCluster } from './cluster-helpers.ts';

const WORKER = fileURLToPath(new URL('./fixtures/consume-worker.ts', import.meta.url));

/** a separate Node process with its own limit store (test/limits/fixtures/consume-worker.ts) */
function startWorker(url: string, prefix: string, count: number, max: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER, url, prefix, String(count), String(max), 'multi'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async () => String((await lines.next()).value);
  return { child, next };
}

describe('Redis URLs', () => {
  it('are accepted by the configuration as --redis / LEASH_REDIS, and a bad one is refused without its password', () => {
    const config = loadConfig({ env: { LEASH_REDIS: 'redis+cluster://:hunter2@10.0.0.1:7000,10.0.0.2:7001', LEASH_JWKS: 'jwks.json', LEASH_ISSUER: 'https://idp', LEASH_AUDIENCE: 'leash', LEASH_BUNDLE: 'b.tar.gz' } });
    expect(config.limits.redis).toBe('redis+cluster://:hunter2@10.0.0.1:7000,10.0.0.2:7001');
    let message = '';
    try {
      loadConfig({ env: { LEASH_REDIS: 'redis+cluster://:hunter2@10.0.0.1', LEASH_JWKS: 'jwks.json', LEASH_ISSUER: 'https://idp', LEASH_AUDIENCE: 'leash', LEASH_BUNDLE: 'b.tar.gz' } });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/limits\.redis: Redis Cluster seed 1 of the URL is not HOST:PORT/);
    expect(message).not.toContain('hunter2');
  });

  it('parses a Cluster seed list, keeps the password out of descriptions and errors', () => {
    const p = parseRedisUrl('redis+cluster://app:s3cr%40t@10.0.0.1:7000,10.0.0.2:7001,[::1]:7002');
    expect(p).toEqual({ kind: 'cluster', tls: false, username: 'app', password: 's3cr@t', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }, { host: '::1', port: 7002 }] });
    expect(parseRedisUrl('rediss+cluster://h:1/')).toMatchObject({ kind: 'cluster', tls: true });
    expect(describeRedis('redis+cluster://:hunter2@h1:7000,h2:7001')).toBe('redis cluster h1:7000,h2:7001');
    expect(describeRedis('redis://:hunter2@h1:6380/2')).toBe('redis h1:6380');
    for (const bad of ['redis+cluster://:hunter2@h1', 'redis+cluster://:hunter2@h1:7000/3', 'http://:hunter2@h1:7000', 'redis+cluster://:hunter2@h1:99999']) {
      expect(() => parseRedisUrl(bad)).toThrow();
      try {
        parseRedisUrl(bad);
      } catch (err) {
        expect((err as Error).message).not.toContain('hunter2');
      }
    }
  });
});

describe('on a three-master Redis Cluster', () => {
  let cluster: LocalCluster;
  const opened: { close(): Promise<void> }[] = [];
  const clients: RedisClient[] = [];
  const NOW = Date.now();

  beforeAll(async () => {
    cluster = await startLocalCluster(3);
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close()));
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  async function store(prefix: string, extra: Parameters<typeof createRedisLimitStore>[0] = {}): Promise<RedisLimitStore> {
    const s = createRedisLimitStore({ url: cluster.url, prefix, commandTimeoutMs: 2_000, resetCheckMs: 0, ...extra });
    opened.push(s);
    expect(await s.ready(5_000)).toBe(true);
    return s;
  }

  /** the node (0..2) that serves `key`, from the cluster's own slot table */
  async function nodeOf(key: string): Promise<number> {
    const slot = keySlot(key);
    const ranges = (await cluster.node(0).cluster('SLOTS')) as unknown as [number, number, [string, number]][];
    const port = ranges.find(([lo, hi]) => slot >= lo && slot <= hi)![2][1];
    return cluster.nodes.findIndex((n) => n.port === port);
  }

  it('computes the same key slots as Redis', async () => {
    const keys = ['plain', bucketKey('leash:', bucket({ id: 'a.read/session', key: 's-1' })), bucketKey('x:', bucket({ id: 'u', scope: 'upstream', key: 'stripe' })), '{}odd', 'a{b}c{d}'];
    for (const k of keys) expect(keySlot(k)).toBe(await cluster.node(0).cluster('KEYSLOT', k));
  });

  it('admits no more than any limit under 2,000 concurrent decisions from two stores, and refunds exactly', async () => {
    const prefix = 'storm:';
    // a generous timeout: 2,000 decisions in flight at once on a loaded 2-core machine are slow, not down
    const [a, b] = [await store(prefix, { commandTimeoutMs: 20_000 }), await store(prefix, { commandTimeoutMs: 20_000 })];
    const SESSIONS = 20;
    const limits = (s: number): LimitRequest[] => [
      bucket({ id: 'tickets.write/session', key: `s-${s}`, max: 30 }),
      bucket({ id: 'support.write/agent', scope: 'agent', key: 'bot', max: 450 }),
      bucket({ id: 'support.write/key/10m', scope: 'key', key: 'k-1', max: 300, window: '10m' }),
      bucket({ id: 'stripe.write/upstream', scope: 'upstream', key: 'stripe', max: 100_000 }),
    ];
    // four subjects in (almost surely) several slots, so every decision runs grouped
    expect(new Set(limits(0).map((l) => keySlot(bucketKey(prefix, l)))).size).toBeGreaterThan(1);
    const calls = Array.from({ length: 2_000 }, (_, i) => (i % 2 ? a : b).consume({ buckets: limits(i % SESSIONS), nowMs: NOW, sessionExpiresAtMs: NOW + 3_600_000 }));
    const outcomes = await Promise.all(calls);
    const perSession = new Array<number>(SESSIONS).fill(0);
    outcomes.forEach((o, i) => {
      if (o.kind === 'allowed') perSession[i % SESSIONS]!++;
    });
    const allowed = perSession.reduce((x, y) => x + y, 0);
    expect(outcomes.filter((o) => o.kind === 'unavailable').slice(0, 1)).toEqual([]);
    expect(Math.max(...perSession)).toBeLessThanOrEqual(30);
    expect(allowed).toBeLessThanOrEqual(300);
    if (process.env['LEASH_TEST_PRINT']) console.log('storm admitted', allowed, a.stats(), b.stats());
    // split refusals are retried in one global order: nothing is lost to contention but a few stragglers
    expect(allowed).toBeGreaterThanOrEqual(270);

    // every counter is exactly what was admitted: the refused decisions left nothing behind
    const raw = connectRedis(cluster.url);
    clients.push(raw);
    expect(await whenReady(raw, 5_000)).toBe(true);
    const value = async (l: LimitRequest) => Number(String(await raw.get(bucketKey(prefix, l))).split(' ')[0]);
    for (let s = 0; s < SESSIONS; s++) expect(await value(limits(s)[0]!)).toBe(perSession[s]);
    expect(await value(limits(0)[1]!)).toBe(allowed);
    expect(await value(limits(0)[3]!)).toBe(allowed);
    // GCRA: the schedule holds exactly `allowed` units of 10 min / 300 = 2 s each
    expect(await value(limits(0)[2]!)).toBeCloseTo(NOW + allowed * 2_000, 3);
    expect(a.stats().refunds.full + b.stats().refunds.full).toBeGreaterThan(0);
    expect(a.stats().refunds.failed + b.stats().refunds.failed).toBe(0);

    // and the rest of the key's allowance is all still there, one by one, up to exactly 300
    let more = 0;
    for (let i = 0; i < 400 && (await a.consume({ buckets: limits(100 + i).slice(1), nowMs: NOW, sessionExpiresAtMs: NOW + 3_600_000 })).kind === 'allowed'; i++) more++;
    expect(allowed + more).toBe(300);
  });

  it('does not starve a burst whose subjects two masters serve in opposite orders: a split refusal is retried in one global order', async () => {
    const prefix = 'cross:';
    const N = 100;
    // an agent bucket and an API-key bucket on two different masters
    const agent = bucket({ id: 'c.write/agent', scope: 'agent', key: 'bot', max: N });
    let keyName = '';
    for (let i = 0; !keyName; i++) if ((await nodeOf(bucketKey(prefix, bucket({ id: 'c.write/key', scope: 'key', key: `k-${i}` })))) !== (await nodeOf(bucketKey(prefix, agent)))) keyName = `k-${i}`;
    const key = bucket({ id: 'c.write/key', scope: 'key', key: keyName, max: N });
    const [ca, cb, raw] = [0, 1, 2].map(() => connectRedis(cluster.url, { commandTimeoutMs: 20_000 }));
    clients.push(ca!, cb!, raw!);
    for (const c of [ca!, cb!, raw!]) expect(await whenReady(c, 5_000)).toBe(true);
    const [a, b] = [ca!, cb!].map((client) => createRedisLimitStore({ client, prefix, resetCheckMs: 0 }));
    opened.push(a!, b!);
    // a blocked command holds one client's connection to one master: A's decisions reach the
    // key's master now and the agent's master later; B's the other way round
    const hold = (c: RedisClient, l: LimitRequest, list: string) => c.blpop(`${prefix}{${hashTag(prefix, l)}}:${list}`, 0);
    const held = [hold(ca!, agent, 'hold-a'), hold(cb!, key, 'hold-b')];
    await new Promise((r) => setTimeout(r, 100));
    const request = { buckets: [agent, key], nowMs: NOW, sessionExpiresAtMs: NOW + 3_600_000 };
    const calls = Array.from({ length: 2 * N }, (_, i) => (i < N ? a! : b!).consume(request));
    const counted = async (l: LimitRequest) => Number(String((await raw!.get(bucketKey(prefix, l))) ?? '0').split(' ')[0]);
    // each side has consumed its whole first bucket, tentatively, before either learns the other's outcome
    for (let i = 0; i < 200 && ((await counted(key)) < N || (await counted(agent)) < N); i++) await new Promise((r) => setTimeout(r, 10));
    expect([await counted(key), await counted(agent)]).toEqual([N, N]);
    await Promise.all([raw!.lpush(`${prefix}{${hashTag(prefix, agent)}}:hold-a`, 'go'), raw!.lpush(`${prefix}{${hashTag(prefix, key)}}:hold-b`, 'go')]);
    await Promise.all(held);
    const outcomes = await Promise.all(calls);
    const allowed = outcomes.filter((o) => o.kind === 'allowed').length;
    if (process.env['LEASH_TEST_PRINT']) console.log('cross admitted', allowed, a!.stats(), b!.stats());
    expect(outcomes.filter((o) => o.kind === 'unavailable').slice(0, 1)).toEqual([]);
    // both first passes are refused by the other side's tentative units; the ordered retries admit
    expect(a!.stats().orderedRetries + b!.stats().orderedRetries).toBeGreaterThan(0);
    const registry = new Registry();
    registerLimitStoreMetrics(registry, a!);
    expect((await registry.getSingleMetric('leash_limit_ordered_retries_total')!.get()).values[0]!.value).toBe(a!.stats().orderedRetries);
    expect(allowed).toBeGreaterThanOrEqual(N / 2);
    expect(allowed).toBeLessThanOrEqual(N);
    expect([await counted(agent), await counted(key)]).toEqual([allowed, allowed]);
  });

  it('two server processes on the cluster admit no more than any limit over 1,200 concurrent multi-subject decisions', async () => {
    const prefix = 'procs:';
    const workers = [startWorker(cluster.url, prefix, 600, 25), startWorker(cluster.url, prefix, 600, 25)];
    expect(await Promise.all(workers.map((w) => w.next()))).toEqual(['ready', 'ready']);
    for (const w of workers) w.child.stdin!.write('go\n');
    const tallies = (await Promise.all(workers.map((w) => w.next()))).map((l) => JSON.parse(l) as Record<string, number>);
    const sum = (k: string) => tallies.reduce((s, t) => s + (t[k] ?? 0), 0);
    const allowed = sum('allowed');
    expect(sum('unavailable')).toBe(0);
    expect(allowed + sum('limited')).toBe(1_200);
    // key k-1: 4 × 25 = 100 per hour (the binding limit); each of the 10 sessions: 25
    expect(allowed).toBeLessThanOrEqual(100);
    expect(allowed).toBeGreaterThan(50);
    const raw = connectRedis(cluster.url);
    clients.push(raw);
    expect(await whenReady(raw, 5_000)).toBe(true);
    for (let i = 0; i < 10; i++) {
      expect(sum(`s-${i}`)).toBeLessThanOrEqual(25);
      const stored = await raw.get(bucketKey(prefix, bucket({ id: 'tickets.write/session', key: `s-${i}` })));
      expect(Number(String(stored ?? '0').split(' ')[0])).toBe(sum(`s-${i}`));
    }
    expect(Number(String(await raw.get(bucketKey(prefix, bucket({ id: 'stripe.write/upstream', scope: 'upstream', key: 'stripe' })))).split(' ')[0])).toBe(allowed);
  });

  it('answers a refused grouped decision like one Redis would: the exceeded bucket, and states as if nothing was consumed', async () => {
    const s = await store('answer:');
    const lim = [bucket({ id: 'x.write/session', key: 's-a', max: 5 }), bucket({ id: 'x.write/agent', scope: 'agent', key: 'bot', max: 1 })];
    const at = (t: number) => ({ buckets: lim, nowMs: NOW + t, sessionExpiresAtMs: NOW + 3_600_000 });
    expect(await s.consume(at(0))).toMatchObject({ kind: 'allowed', buckets: [{ remaining: 4 }, { remaining: 0 }] });
    const refused = await s.consume(at(1));
    expect(refused).toMatchObject({ kind: 'limited', exceeded: 'x.write/agent', buckets: [{ remaining: 4 }, { remaining: 0 }] });
    expect(await s.consume({ ...at(2), buckets: [lim[0]!] })).toMatchObject({ kind: 'allowed', buckets: [{ remaining: 3 }] });
  });

  it('gives the same outcomes and states as the memory store for random sequences of decisions over several subjects', async () => {
    const red = await store('parity:');
    let run = 0;
    const op = fc.record({ gap: fc.integer({ min: 0, max: 20_000 }), which: fc.subarray([0, 1, 2, 3], { minLength: 1 }), cost: fc.integer({ min: 0, max: 4 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const mem = createMemoryLimitStore();
        const r = run++;
        const all: LimitRequest[] = [
          bucket({ id: 'p.write/session', key: `s-${r}`, max: 7 }),
          bucket({ id: 'p.write/session/30s', key: `s-${r}`, max: 4, window: '30s' }),
          bucket({ id: 'p.write/agent/1m', scope: 'agent', key: `bot-${r}`, max: 5, window: '1m' }),
          bucket({ id: 'p.write/key/10s', scope: 'key', key: `k-${r}`, max: 3, window: '10s' }),
        ];
        let t = T0;
        for (const o of ops) {
          t += o.gap;
          const buckets = o.which.map((i) => ({ ...all[i]!, cost: o.cost }));
          expect(await red.consume(at(t, buckets))).toEqual(await mem.consume(at(t, buckets)));
        }
      }),
      { numRuns: 25 },
    );
  });

  it('spreads the keys of many sessions over all three masters', async () => {
    const s = await store('spread:');
    const outcomes = await Promise.all(Array.from({ length: 300 }, (_, i) => s.consume({ buckets: [bucket({ id: 'r.read/session', key: `sess-${i}`, max: 10 })], nowMs: NOW, sessionExpiresAtMs: NOW + 3_600_000 })));
    expect(outcomes.every((o) => o.kind === 'allowed')).toBe(true);
    // each master's own keys of these buckets (KEYS on one node lists that node's keys only)
    const perNode = await Promise.all([0, 1, 2].map(async (i) => (await cluster.node(i).keys('spread:{spread:session:*')).length));
    expect(perNode.reduce((x, y) => x + y, 0)).toBe(300);
    for (const n of perNode) expect(n).toBeGreaterThan(50); // an even share is 100
  });

  it('shares quarantine and the audit stream across the cluster', async () => {
    const [ca, cb] = [connectRedis(cluster.url), connectRedis(cluster.url)];
    clients.push(ca, cb);
    expect([await whenReady(ca, 5_000), await whenReady(cb, 5_000)]).toEqual([true, true]);
    const [qa, qb] = [ca, cb].map((client) => createRedisQuarantine({ client, prefix: 'q:', policy: { threshold: 5, windowMs: 60_000 } }));
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? qa! : qb!).noteViolation('s-x', `v-${i}`, NOW, NOW + 3_600_000, 'scope violations')));
    expect(outcomes.filter((o) => o.newly)).toHaveLength(1);
    await qa!.block({ session: 's-y', reason: 'admin', sinceMs: NOW, untilMs: NOW + 60_000, by: 'admin' });
    expect((await qb!.list(NOW)).map((e) => e.session).sort()).toEqual(['s-x', 's-y']);
    expect(await qb!.release('s-x')).toBe(true);
    expect(await qa!.isQuarantined('s-x', NOW)).toBe(false);

    const sink = createRedisStreamSink({ client: ca, stream: 'leash:audit-test', maxLen: 100 });
    await sink.write([{ decision_id: 'd-1', priority: 'high' } as never, { decision_id: 'd-2', priority: 'normal' } as never]);
    expect(await cb.xlen('leash:audit-test')).toBe(2);
  });

  it('a master killed mid-traffic: its slots deny writes (reads per config), the others answer, nothing crashes; the empty restart is noticed', async () => {
    const prefix = 'outage:';
    const resets: string[] = [];
    const s = await store(prefix, { commandTimeoutMs: 1_000, onReset: (node) => resets.push(node) });
    await s.checkReset(); // markers seen on every master
    // two sessions on different masters
    const sessionOn = async (node: number, from: number) => {
      for (let i = from; ; i++) if ((await nodeOf(bucketKey(prefix, bucket({ id: 'w.write/session', key: `s-${i}` })))) === node) return `s-${i}`;
    };
    const victim = await nodeOf(bucketKey(prefix, bucket({ id: 'w.write/session', key: 's-0' })));
    const [dead, alive] = [await sessionOn(victim, 0), await sessionOn((victim + 1) % 3, 0)];
    const write = (session: string, max = 100): LimitRequest => bucket({ id: 'w.write/session', key: session, max });
    const consume = (buckets: LimitRequest[]) => s.consume({ buckets, nowMs: NOW, sessionExpiresAtMs: NOW + 3_600_000 });
    expect((await consume([write(dead)])).kind).toBe('allowed');
    expect((await consume([write(alive)])).kind).toBe('allowed');

    // traffic keeps flowing on both sessions while the node dies
    let stop = false;
    const seen: ConsumeOutcome['kind'][] = [];
    const traffic = (async () => {
      while (!stop) {
        seen.push(...(await Promise.all([dead, alive].map((k) => consume([bucket({ id: 'traffic.write/session', key: k, max: 1e9 })])))).map((o) => o.kind));
        // a refused command fails within the same turn; let timers and sockets run between rounds
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    await cluster.nodes[victim]!.kill();
    await new Promise((r) => setTimeout(r, 300));

    const started = Date.now();
    const down = await consume([write(dead)]);
    expect(Date.now() - started).toBeLessThan(3_000); // bounded by the command timeout (1 s), not a hang
    expect(down.kind).toBe('unavailable');
    expect(down.kind === 'unavailable' && down.reason).toMatch(/^limit store unreachable \(redis cluster 127\.0\.0\.1:\d+,/);
    expect(limitVerdict(down, 'write', { readsOnStoreFailure: 'allow' })).toMatchObject({ kind: 'deny', status: 503, code: 'store_unavailable' });
    expect(limitVerdict(down, 'read', { readsOnStoreFailure: 'allow' })).toMatchObject({ kind: 'admit' });
    expect(limitVerdict(down, 'read', { readsOnStoreFailure: 'deny' })).toMatchObject({ kind: 'deny', code: 'store_unavailable' });
    expect(await consume([write(alive)])).toMatchObject({ kind: 'allowed', buckets: [{ remaining: expect.any(Number) }] });
    // a decision that spans the dead and a live slot fails closed and gives back the live part
    const aliveBefore = await consume([write(alive)]);
    expect((await consume([write(dead), write(alive)])).kind).toBe('unavailable');
    const aliveAfter = await consume([write(alive)]);
    expect(aliveBefore.kind === 'allowed' && aliveAfter.kind === 'allowed' && aliveBefore.buckets[0]!.remaining - aliveAfter.buckets[0]!.remaining).toBe(1);

    // back, empty (no persistence): served again from zero, and noticed as a reset
    await cluster.nodes[victim]!.start();
    await cluster.waitOk(15_000);
    let back: ConsumeOutcome | undefined;
    for (let i = 0; i < 50 && back?.kind !== 'allowed'; i++) {
      back = await consume([write(dead)]);
      if (back.kind !== 'allowed') await new Promise((r) => setTimeout(r, 100));
    }
    expect(back).toMatchObject({ kind: 'allowed', buckets: [{ remaining: 99 }] });
    stop = true;
    await traffic;
    expect(seen).toContain('unavailable');
    expect(seen.filter((k) => k === 'allowed').length).toBeGreaterThan(0);
    await s.checkReset();
    expect(resets).toEqual([`127.0.0.1:${cluster.nodes[victim]!.port}`]);
    expect(s.stats().resets).toEqual({ [`127.0.0.1:${cluster.nodes[victim]!.port}`]: 1 });
  });
});

