// The console's parts alone: latency quantiles from histogram buckets (against the exact
// quantile of generated observations), the memory store's sessions, the notifier's delivery
// journal, the kill-switch stores (memory, and Redis shared by two servers), console
// sign-in cookies, and the decision summary's clipping.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Histogram, Registry, Counter } from 'prom-client';
import { Redis } from 'ioredis';
import { createChartSampler } from '../../server/console/charts.ts';
import { createMemoryConsoleStore } from '../../server/console/store.ts';
import { summarize, type DecisionSummary } from '../../server/console/summary.ts';
import { createConsoleAuth } from '../../server/console/auth.ts';
import { createRedisSignOuts } from '../../server/console/sign-outs.ts';
import { createRedisGuessLimiter } from '../../server/admin/index.ts';
import { createMemoryKillSwitch, createNotifier, createRedisKillSwitch } from '../../server/alerts/index.ts';
import { makeRecord, quietLog, SECRET_TOKEN, startReceiver } from '../alerts/fixtures.ts';
import { redisScratch } from '../limits/redis-helpers.ts';

const BOUNDS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25];

describe('chart quantiles', () => {
  it('interpolate inside the bucket holding the exact quantile', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ min: 0.00001, max: 0.2, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0.5, 0.99), async (values, q) => {
        const registry = new Registry();
        const h = new Histogram({ name: 'leash_decision_duration_seconds', help: 'h', labelNames: ['via'], buckets: BOUNDS, registers: [registry] });
        new Counter({ name: 'leash_decisions_total', help: 'c', registers: [registry] });
        let t = 1_000;
        const sampler = createChartSampler(registry, { everyMs: 3_600_000, now: () => t });
        await sampler.sample();
        values.forEach((v, i) => h.observe({ via: i % 2 ? 'decide' : 'authz' }, v));
        t += 2_000;
        await sampler.sample();
        sampler.close();
        const sorted = [...values].sort((a, b) => a - b);
        const exact = sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
        const lower = [0, ...BOUNDS].filter((b) => b < exact).pop()!;
        const upper = BOUNDS.find((b) => b >= exact) ?? 0.25;
        const point = sampler.points()[0]!;
        const p = (q === 0.5 ? point.p50 : point.p99)!;
        expect(p).toBeGreaterThanOrEqual(lower);
        expect(p).toBeLessThanOrEqual(upper);
      }),
      { numRuns: 60, examples: [[[0.0025000000000000005, 0.0010000000000000002, 0.0025000000000000005, 0.0010000000000000002, 0.0025000000000000005, 0.0010000000000000002], 0.5]] },
    );
  });

  it('an interval without decisions has no latency, and rates are per second', async () => {
    const registry = new Registry();
    new Histogram({ name: 'leash_decision_duration_seconds', help: 'h', buckets: BOUNDS, registers: [registry] });
    const c = new Counter({ name: 'leash_decisions_total', help: 'c', labelNames: ['result'], registers: [registry] });
    let t = 0;
    const sampler = createChartSampler(registry, { everyMs: 3_600_000, now: () => t });
    await sampler.sample();
    c.inc({ result: 'allow' }, 6);
    c.inc({ result: 'rate_limited' }, 2);
    t += 2_000;
    await sampler.sample();
    sampler.close();
    expect(sampler.points()).toEqual([{ t: 2_000, decisionsPerSecond: 4, denialsPerSecond: 1, p50: null, p99: null }]);
  });
});

describe('memory console store', () => {
  const summary = (over: Partial<DecisionSummary>): DecisionSummary => ({ ...summarize(makeRecord(), 'h:1'), ...over });

  it('keeps sessions with their latest limit per id, newest session first', async () => {
    const store = createMemoryConsoleStore();
    const got: number[] = [];
    store.subscribe((b) => got.push(b.length));
    await store.publish([
      summary({ id: '1', session: 'a', time: 1_000, limits: [{ id: 'r', limit: 10, remaining: 9, resetMs: 0 }] }),
      summary({ id: '2', session: 'b', time: 2_000, allow: false }),
      summary({ id: '3', session: 'a', time: 3_000, limits: [{ id: 'r', limit: 10, remaining: 8, resetMs: 0 }, { id: 'w', limit: 5, remaining: 4, resetMs: 0 }] }),
    ]);
    expect(got).toEqual([3]);
    const sessions = await store.sessions(3_000, 60_000, 10);
    expect(sessions.map((s) => [s.session, s.calls, s.denials])).toEqual([['a', 2, 0], ['b', 1, 1]]);
    expect(sessions[0]!.limits.map((l) => [l.id, l.remaining, l.at])).toEqual([['r', 8, 3_000], ['w', 4, 3_000]]);
    expect((await store.recent(10)).map((s) => s.id)).toEqual(['3', '2', '1']);
    // an idle session drops out of the active list
    expect((await store.sessions(2_000 + 60_001, 60_000, 10)).map((s) => s.session)).toEqual(['a']);
  });
});

describe('decision summary', () => {
  it('carries no credential and clips what a client controls', () => {
    const record = makeRecord();
    const long = { ...record, request: { ...record.request, path: `/x/${'a'.repeat(5_000)}`, method: 'PROPFIND-VERY-LONG-METHOD' } };
    const s = summarize(long, 'h:1');
    expect(s.path.length).toBeLessThanOrEqual(513);
    expect(s.method.length).toBeLessThanOrEqual(17);
    expect(JSON.stringify(summarize(record, 'h:1'))).not.toContain(SECRET_TOKEN);
    expect(JSON.stringify(summarize(record, 'h:1'))).not.toContain('sk_live');
  });
});

describe('alert delivery journal', () => {
  it('records retries, the final state and the error class, never the webhook URL', async () => {
    const rx = await startReceiver();
    const log = quietLog();
    const n = createNotifier({ webhookUrl: rx.url, log, attempts: 3, backoffMs: 5, digestEveryMs: 3_600_000 });
    rx.failNext([503]);
    n.send({ text: 'first' }, 'write_violation');
    await rx.waitFor(1);
    await expect.poll(() => n.deliveries()[0]?.state).toBe('delivered');
    expect(n.deliveries()[0]).toMatchObject({ what: 'write_violation', text: 'first', attempts: 2, lastError: 'HTTP 503' });
    rx.failNext([500, 500, 500]);
    n.send({ text: 'second' }, 'quarantine');
    await expect.poll(() => n.deliveries()[0]?.state).toBe('failed');
    expect(n.deliveries()[0]).toMatchObject({ text: 'second', attempts: 3, lastError: 'HTTP 500' });
    expect(JSON.stringify(n.deliveries())).not.toContain(rx.url);
    await n.close();
    await rx.close();
    const none = createNotifier({ log: quietLog(), digestEveryMs: 3_600_000 });
    none.send({ text: 'no hook' }, 'bundle_rejected');
    await expect.poll(() => none.deliveries()[0]?.state).toBe('logged');
    await none.close();
  });
});

describe('kill switch stores', () => {
  it('memory: an agent or a key, each in its own namespace', async () => {
    const k = createMemoryKillSwitch();
    await k.engage({ kind: 'key', id: 'bot', reason: 'r', sinceMs: 1, by: 'admin' });
    expect(k.killed('bot', null)).toBeUndefined(); // an agent named like the key is not that key
    expect(k.killed('other', 'bot')?.kind).toBe('key');
    await k.engage({ kind: 'agent', id: 'bot', reason: 'r', sinceMs: 1, by: 'admin' });
    expect(k.killed('bot', null)?.kind).toBe('agent');
    expect(await k.disengage('agent', 'bot')).toBe(true);
    expect(await k.disengage('agent', 'bot')).toBe(false);
    expect(k.killed('bot', 'bot')?.kind).toBe('key');
  });

  const { prefix, clients } = redisScratch('leash-kill-test');

  it('Redis: a switch engaged by one server reaches another within its refresh; an unreachable Redis keeps the list', async () => {
    const c1 = new Redis('redis://127.0.0.1:6379');
    const c2 = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    clients.push(c1, c2);
    const errors: string[] = [];
    const one = createRedisKillSwitch({ client: c1, prefix, refreshMs: 50 });
    const two = createRedisKillSwitch({ client: c2, prefix, refreshMs: 50, onError: (e) => errors.push(e.message) });
    await Promise.all([one.ready(), two.ready()]);
    await one.engage({ kind: 'agent', id: 'rogue', reason: 'r', sinceMs: 1, by: 'admin' });
    expect(one.killed('rogue', null)).toBeDefined(); // at once on the server that engaged it
    await expect.poll(() => two.killed('rogue', null)?.id, { timeout: 2_000 }).toBe('rogue');
    c2.disconnect();
    await expect.poll(() => errors.length, { timeout: 2_000 }).toBeGreaterThan(0);
    expect(two.killed('rogue', null)?.id).toBe('rogue');
    await one.close();
    await two.close();
  });
});

describe('console sign-in cookies', () => {
  it('expire, are revoked by sign-out, and die with the admin token', async () => {
    const auth = createConsoleAuth({ token: 'the-first-admin-token-123', sessionMs: 60_000 });
    const l = await auth.login('the-first-admin-token-123', '127.0.0.1', 1_000);
    if (!l.ok) throw new Error('login failed');
    const header = `other=1; leash_console=${l.cookie}`;
    expect(auth.session(header, 2_000)?.csrf).toBe(l.session.csrf);
    expect(auth.session(header, 61_001)).toBeNull();
    const rotated = createConsoleAuth({ token: 'the-second-admin-token-456' });
    expect(rotated.session(header, 2_000)).toBeNull();
    await auth.logout(l.session, 2_000);
    expect(auth.session(header, 2_000)).toBeNull();
  });
});

describe('console sign-outs in Redis', () => {
  const { prefix, clients } = redisScratch('leash-signout-test');

  it('a sign-out on one server refuses the cookie on another within the refresh, and outlives an unreachable Redis', async () => {
    const c1 = new Redis('redis://127.0.0.1:6379');
    const c2 = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    clients.push(c1, c2);
    let t = 1_000;
    const errors: string[] = [];
    const one = createRedisSignOuts({ client: c1, prefix, refreshMs: 50, now: () => t });
    const two = createRedisSignOuts({ client: c2, prefix, refreshMs: 50, now: () => t, onError: (e) => errors.push(e.message) });
    await Promise.all([one.ready(), two.ready()]);
    const token = 'the-shared-admin-token-789';
    const authOne = createConsoleAuth({ token, sessionMs: 60_000, signOuts: one });
    const authTwo = createConsoleAuth({ token, sessionMs: 60_000, signOuts: two });
    const l = await authOne.login(token, '127.0.0.1', t);
    const other = await authOne.login(token, '127.0.0.1', t);
    if (!l.ok || !other.ok) throw new Error('login failed');
    const header = `leash_console=${l.cookie}`;
    expect(authTwo.session(header, t)?.id).toBe(l.session.id);
    await authOne.logout(l.session, t);
    expect(authOne.session(header, t)).toBeNull(); // at once where it was signed out
    await expect.poll(() => authTwo.session(header, t), { timeout: 2_000 }).toBeNull();
    // another cookie of the same token is untouched
    expect(authTwo.session(`leash_console=${other.cookie}`, t)?.id).toBe(other.session.id);
    // Redis gone: the second server keeps refusing the signed-out cookie
    c2.disconnect();
    await expect.poll(() => errors.length, { timeout: 2_000 }).toBeGreaterThan(0);
    expect(authTwo.session(header, t)).toBeNull();
    // past the cookie's own expiry the entry is pruned from Redis by the next refresh
    t += 61_000;
    await expect.poll(async () => c1.hlen(`${prefix}console:signed-out`), { timeout: 2_000 }).toBe(0);
    // and a sign-out that cannot be written says so (the route answers 503 sign_out_not_shared)
    await expect(createConsoleAuth({ token, signOuts: two }).logout(other.session, t - 61_000)).rejects.toThrow();
    await one.close();
    await two.close();
  });
});

describe('wrong admin tokens at the console', () => {
  const token = 'the-limited-admin-token-321';
  const { prefix, clients } = redisScratch('leash-guess-test');

  it('in one process: of 20 parallel guesses 5 are compared, the rest are refused, and so is the right token then', async () => {
    const auth = createConsoleAuth({ token });
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => auth.login(`guess-${i}-xxxxxxxxxxxx`, '10.0.0.1', 5_000)));
    expect(outcomes.filter((o) => !o.ok && o.reason === 'wrong_token')).toHaveLength(5);
    expect(outcomes.filter((o) => !o.ok && o.reason === 'rate_limited')).toHaveLength(15);
    expect(await auth.login(token, '10.0.0.1', 6_000)).toMatchObject({ ok: false, reason: 'rate_limited', retryAfterSeconds: 59 });
    // another address is not held back, and a minute later this one may sign in
    expect((await auth.login(token, '10.0.0.2', 6_000)).ok).toBe(true);
    expect((await auth.login(token, '10.0.0.1', 65_001)).ok).toBe(true);
  });

  it('a successful sign-in does not count against its address', async () => {
    const auth = createConsoleAuth({ token });
    for (let i = 0; i < 8; i++) expect((await auth.login(token, '10.0.1.1', 1_000 + i)).ok).toBe(true);
    for (let i = 0; i < 4; i++) expect((await auth.login('wrong-wrong-wrong', '10.0.1.1', 2_000 + i)).ok).toBe(false);
    expect((await auth.login(token, '10.0.1.1', 3_000)).ok).toBe(true);
  });

  it('with Redis: the wrong tokens of an address on two servers add up; an unreachable Redis leaves each server its own count', async () => {
    const c1 = new Redis('redis://127.0.0.1:6379');
    const c2 = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    clients.push(c1, c2);
    const errors: string[] = [];
    const one = createConsoleAuth({ token, guesses: createRedisGuessLimiter({ client: c1, prefix, max: 5 }) });
    const two = createConsoleAuth({ token, guesses: createRedisGuessLimiter({ client: c2, prefix, max: 5, onError: (e) => errors.push(e.message) }) });
    const t = 60_000 * 1_000 + 1_000; // early in a clock minute
    // 3 wrong tokens on one server and 2 on the other: each alone is under 5, together they are at it
    const first = await Promise.all([0, 1, 2].map((i) => one.login(`a-${i}-xxxxxxxxxxxxxx`, '10.0.2.1', t)));
    expect(first.map((o) => !o.ok && o.reason)).toEqual(['wrong_token', 'wrong_token', 'wrong_token']);
    for (const i of [0, 1]) expect(await two.login(`b-${i}-xxxxxxxxxxxxxx`, '10.0.2.1', t)).toMatchObject({ ok: false, reason: 'wrong_token' });
    expect(await two.login(token, '10.0.2.1', t + 10)).toMatchObject({ ok: false, reason: 'rate_limited' });
    expect(await one.login(token, '10.0.2.1', t + 10)).toMatchObject({ ok: false, reason: 'rate_limited' });
    // the bearer door counts the same address the same way
    expect(await one.checkBearer(token, '10.0.2.1', t + 20)).toMatchObject({ ok: false, reason: 'rate_limited' });
    // the next clock minute starts afresh
    expect((await one.login(token, '10.0.2.1', t + 60_000)).ok).toBe(true);
    // Redis gone for the second server: sign-in still works there, and its own count still limits
    c2.disconnect();
    expect((await two.login(token, '10.0.2.9', t + 60_000)).ok).toBe(true);
    for (let i = 0; i < 5; i++) await two.login('wrong-wrong-wrong', '10.0.2.9', t + 60_001 + i);
    expect(errors.length).toBeGreaterThan(0);
    expect(await two.login(token, '10.0.2.9', t + 60_010)).toMatchObject({ ok: false, reason: 'rate_limited' });
  });
});
